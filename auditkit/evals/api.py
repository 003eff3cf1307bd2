"""Python API of `auditkit eval`: run a task on a model, and score per-item outputs along chains.

``score(ScoreConfig, out)`` and ``run(RunEvalConfig, out)`` write a run folder
(``outputs.parquet``, ``summary.json``, ``audit.json``) and return the summary dict; the audit
record holds the config, which replays the run. ``score_outputs`` / ``run_eval`` take the same
settings as keyword arguments. Nothing here names a task: what differs between tasks is
declared by their :class:`~auditkit.evals.base.TaskSpec`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import SUMMARY_FILE, build_record, utc_now, write_record
from auditkit.config import to_record
from auditkit.errors import AuditkitError
from auditkit.evals import analysis
from auditkit.evals.base import TaskChoices, TaskSpec, get_task
from auditkit.evals.chains import STUDY_CHAIN_SET, Chain, resolve_chains
from auditkit.evals.config import RunEvalConfig, ScoreConfig
from auditkit.evals.outputs import read_outputs
from auditkit.evals.readers import OUTPUTS_FILE, NoScoredRows, ScoreOptions
from auditkit.evals.summary import KIND, Statistics, eval_summary
from auditkit.io import (
    default_out_dir,
    holds_run_folder,
    sha256_file,
    slug,
    write_json,
    write_parquet,
)
from auditkit.skips import SkipLog

# --- eval score -----------------------------------------------------------------------------


def _score_folder(args: dict[str, Any]) -> Path:
    out = args.get("out")
    return Path(out) if out else default_out_dir(KIND, get_task(args["config"].task).name)


@holds_run_folder(_score_folder)
def score(config: ScoreConfig, out: str | Path | None = None) -> dict[str, Any]:
    """Score per-item outputs (auditkit's or the study's) and compare models along chains."""
    started = utc_now()
    spec = get_task(config.task)
    groups = spec.choose_groups(config.groups)
    opts = _score_options(config, spec, groups)
    chains, chains_mode = _chains(config.chain)
    skips = SkipLog()
    frame, sources = _read_scored(config, spec, opts, skips)
    extra = _score_extra(config, spec, groups, opts, sources, skips)
    frame = _common_items(frame, spec, opts.metric, groups, skips, extra)
    extra.update(spec.scored_summary(frame))
    if chains_mode == "given":
        _require_chain_match(chains, frame)
    stats = Statistics(config.confidence, config.n_resamples, config.bootstrap_seed, config.mcnemar)
    summary = eval_summary(spec, frame, config.metric, groups, chains, chains_mode, stats, extra)
    _write_run(
        Path(out) if out else default_out_dir(KIND, spec.name),
        spec,
        frame,
        summary,
        started,
        config=to_record(config),
        inputs=[_input_record(s["path"]) for s in sources],
        components={"readers": sorted({s["format"] for s in sources})},
    )
    return summary


def _score_options(config: ScoreConfig, spec: TaskSpec, groups: tuple[str, ...]) -> ScoreOptions:
    return ScoreOptions(
        prompt_mode=config.prompt_mode,
        seed=config.seed,
        chat_template=config.chat_template,
        jsd_base=config.jsd_base,
        data=config.data,
        groups=groups,
        any_group=spec.any_group,
        metric=spec.metric(config.metric).name,
    )


def _chains(chain: tuple[str, ...]) -> tuple[list[Chain], str]:
    if chain:
        return resolve_chains(list(chain)), "given"
    return resolve_chains([STUDY_CHAIN_SET]), "auto"


def _read_scored(
    config: ScoreConfig, spec: TaskSpec, opts: ScoreOptions, skips: SkipLog
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The scored frame of every output; read_outputs keeps the chosen groups only and counts
    every other row as a skip."""
    try:
        frame, sources = read_outputs(list(config.outputs), spec, opts, skips)
    except NoScoredRows:
        if not config.groups:
            raise
        frame, sources = pd.DataFrame(), []  # the chosen groups matched nothing: say which exist
    frame = frame.reset_index(drop=True)
    if frame.empty:
        raise _no_group_matches(config, spec, opts)
    return frame, sources


def _no_group_matches(config: ScoreConfig, spec: TaskSpec, opts: ScoreOptions) -> AuditkitError:
    # the error path alone reads the outputs again, every group kept, to list them
    every = dataclasses.replace(opts, groups=(), any_group=True, filters={})
    found, _ = read_outputs(list(config.outputs), spec, every, SkipLog())
    available = sorted(set(map(str, found["group"]))) if not found.empty else []
    return AuditkitError(
        f"--groups {','.join(opts.groups)} matches no {spec.group_label} in the outputs; "
        f"available: {', '.join(available) or 'none'}"
    )


def _score_extra(
    config: ScoreConfig,
    spec: TaskSpec,
    groups: tuple[str, ...],
    opts: ScoreOptions,
    sources: list[dict[str, Any]],
    skips: SkipLog,
) -> dict[str, Any]:
    return {
        "task_options": spec.notes(TaskChoices(groups, config.jsd_base)),
        "filters": {k: v for k, v in opts.filters.items() if not k.startswith("_") and k != "rows"},
        # every input row is scored or a counted skip: rows.read = rows.scored + rows.skipped
        "rows": opts.filters.get("rows", {}),
        "sources": sources,
        "skips": skips.as_dict(),
    }


def _common_items(
    frame: pd.DataFrame,
    spec: TaskSpec,
    metric: str,
    groups: tuple[str, ...],
    skips: SkipLog,
    extra: dict[str, Any],
) -> pd.DataFrame:
    """Tasks whose groups share items compare them on the items every group has a value for;
    the dropped cells are counted skips (read = scored + skipped still)."""
    if not spec.groups_share_items:
        return frame
    present = [g for g in groups if g in set(frame["group"])]
    before = len(frame)
    frame = analysis.common_item_set(frame, metric, present, skips)
    if frame.empty:
        raise AuditkitError(f"no item has a value for every {spec.group_label}")
    extra["skips"] = skips.as_dict()
    rows = extra["rows"]
    if rows:
        rows["scored"] = len(frame)
        rows["skipped"] += before - len(frame)
    return frame


def _require_chain_match(chains: list[Chain], frame: pd.DataFrame) -> None:
    """A --chain none of whose steps has both models in the outputs is a mistake, not an
    empty table: exit 2 naming the models that are there."""
    models = sorted(set(map(str, frame["model"])))
    for chain in chains:
        for _, a, _, b in chain.steps():
            if analysis.match_model(a, models) and analysis.match_model(b, models):
                return
    names = ", ".join(c.name for c in chains)
    raise AuditkitError(
        f"--chain {names} matches no pair of models in the outputs; models available: "
        f"{', '.join(models)}"
    )


# --- the run folder -------------------------------------------------------------------------


def _input_record(path: str) -> dict[str, Any]:
    p = Path(path)
    if p.is_file():
        return {"path": str(p), "sha256": sha256_file(p)}
    files = sorted(f for f in p.rglob("*") if f.is_file())
    return {"path": str(p), "files": {str(f.relative_to(p)): sha256_file(f) for f in files}}


def _write_run(
    out_dir: Path,
    spec: TaskSpec,
    frame: pd.DataFrame,
    summary: dict[str, Any],
    started: str,
    config: dict[str, Any],
    inputs: list[dict[str, Any]],
    components: dict[str, Any],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    table = frame.drop(columns=[c for c in ("source", "task") if c in frame.columns])
    table.insert(0, "task", spec.name)
    write_parquet(table, out_dir / OUTPUTS_FILE)
    write_json(out_dir / SUMMARY_FILE, summary)
    findings = {"models": summary["models"], "disparities": summary["disparities"]}
    # `api` names the function whose keyword arguments `config` holds
    api = "run_eval" if "model" in config else "score_outputs"
    record = build_record(
        KIND, config, inputs, components, findings, started,
        extra={"api": f"auditkit.evals.api:{api}"},
    )  # fmt: skip
    write_record(out_dir, record)


# --- eval run -------------------------------------------------------------------------------


def _task_list(task: str | list[str] | tuple[str, ...]) -> list[str]:
    names = [task] if isinstance(task, str) else list(task)
    out = [t.strip() for n in names for t in str(n).split(",") if t.strip()]
    if not out:
        raise AuditkitError("give a task to run (auditkit eval list shows them)")
    return list(dict.fromkeys(out))


def _run_folder(args: dict[str, Any]) -> Path | None:
    """The folder run writes (several tasks: the out folder holding one per task)."""
    tasks, out = _task_list(args["config"].task), args.get("out")
    if len(tasks) == 1:
        return Path(out) if out else default_out_dir(KIND, get_task(tasks[0]).name)
    return Path(out) if out else None


@dataclass
class PreparedTask:
    """A task's items, loaded before the model so that data errors show in seconds."""

    spec: TaskSpec
    groups: tuple[str, ...]
    skips: SkipLog
    items: pd.DataFrame


@holds_run_folder(_run_folder)
def run(
    config: RunEvalConfig, out: str | Path | None = None, *, show_progress: bool = True
) -> dict[str, Any]:
    """Run ``config.task`` on one Hugging Face model (hub id or local path), score it per item.

    Several tasks ('md3-game,belebele' or a list): the model is loaded once and each task gets
    its own run folder ``out/<task>/``; the result then maps task -> summary.
    """
    from auditkit import hub
    from auditkit.modeling import parse_model_args

    tasks = _task_list(config.task)
    model = config.model or parse_model_args(config.model_args).get("pretrained")
    if not model:
        raise AuditkitError("give the model with --model ID (or --model-args pretrained=ID)")
    data_for = _data_per_task(config.data, tasks)
    # seconds, not minutes, when the model is unreachable: before torch is imported
    hub.preflight_model(model, parse_model_args(config.model_args).get("revision", config.revision))
    started = utc_now()
    prepared = _prepare_tasks(config, tasks, data_for)
    runner = _load_runner(config, model, show_progress)
    results = {}
    for task in prepared:
        name = task.spec.name
        task_config = config.replace(task=name, data=data_for.get(name), model=model)
        out_dir = _task_out_dir(out, name, several=len(prepared) > 1)
        results[name] = _run_task(task, runner, task_config, out_dir, started)
    return results[prepared[0].spec.name] if len(prepared) == 1 else results


def _task_out_dir(out: str | Path | None, task: str, several: bool) -> Path:
    if not out:
        return default_out_dir(KIND, task)
    return Path(out) / slug(task) if several else Path(out)


def _prepare_tasks(
    config: RunEvalConfig, tasks: list[str], data_for: dict[str, str]
) -> list[PreparedTask]:
    specs = [get_task(t) for t in tasks]
    per_task_groups = _groups_per_task(specs, config.groups)
    return [_prepare(s, per_task_groups[s.name], data_for.get(s.name), config) for s in specs]


def _prepare(spec: TaskSpec, groups: Any, data: str | None, config: RunEvalConfig) -> PreparedTask:
    chosen = spec.choose_groups(groups)
    skips = SkipLog()
    items = spec.load_items(data, groups=chosen, skips=skips, shots=config.shots, seed=config.seed)
    if config.limit:
        # the first `limit` items of every group, so each group is represented
        items = items.groupby("group", sort=False).head(config.limit)
    items = items.reset_index(drop=True)
    if items.empty:
        raise AuditkitError(f"{spec.name}: no items to evaluate")
    return PreparedTask(spec, chosen, skips, items)


def _groups_per_task(specs: list[TaskSpec], groups: Any) -> dict[str, Any]:
    """With several tasks each takes the listed groups it has (all its groups when it has
    none of them); a group no task has is an error naming the tasks' groups."""
    if len(specs) == 1 or not groups:
        return {s.name: groups for s in specs}
    out = {s.name: [g for g in groups if g in s.groups] or None for s in specs}
    unknown = [g for g in groups if not any(g in s.groups for s in specs)]
    if unknown:
        known = "; ".join(f"{s.name}: {', '.join(s.groups)}" for s in specs)
        raise AuditkitError(f"--groups {', '.join(unknown)} matches no task's groups ({known})")
    return out


def _data_per_task(data: Any, tasks: list[str]) -> dict[str, str]:
    """--data for each task: one PATH (one task), or TASK=PATH pairs (a dict, or a list / a
    comma-separated string of them)."""
    if not data:
        return {}
    if isinstance(data, dict):
        pairs = list(data.items())
    else:
        parts = [data] if isinstance(data, (str, Path)) else list(data)
        if len(parts) == 1 and len(tasks) == 1 and not _is_pair(str(parts[0]), tasks):
            return {get_task(tasks[0]).name: str(parts[0])}
        pairs = [_pair(item, tasks) for part in parts for item in str(part).split(",")]
    out = {}
    for t, path in pairs:
        name = get_task(str(t).strip()).name
        if name not in {get_task(x).name for x in tasks}:
            raise AuditkitError(f"--data {t}={path}: {t} is not among the tasks run")
        out[name] = str(path).strip()
    return out


def _pair(item: str, tasks: list[str]) -> tuple[str, str]:
    if not _is_pair(item, tasks):
        raise AuditkitError(
            f"--data {item!r}: with several tasks give TASK=PATH for each "
            f"(tasks: {', '.join(tasks)})"
        )
    task, path = item.split("=", 1)
    return task, path


def _is_pair(item: str, tasks: list[str]) -> bool:
    if "=" not in item:
        return False
    try:
        get_task(item.split("=", 1)[0].strip())
    except AuditkitError:
        return False
    return True


def _load_runner(config: RunEvalConfig, model: str, show_progress: bool) -> Any:
    from auditkit.evals.model_runner import ModelRunner
    from auditkit.modeling import LoadOptions

    opts = LoadOptions(
        dtype=config.dtype,
        device=config.device,
        revision=config.revision,
        load_in_8bit=config.load_in_8bit,
        load_in_4bit=config.load_in_4bit,
    ).with_model_args(config.model_args)
    return ModelRunner(
        model,
        opts,
        batch_size=config.batch_size,
        chat_template=config.chat_template,
        seed=config.seed,
        show_progress=show_progress,
    )


def _run_task(
    task: PreparedTask, runner: Any, config: RunEvalConfig, out_dir: Path, started: str
) -> dict[str, Any]:
    spec = task.spec
    records = task.items.to_dict("records")
    prompts = [spec.build_prompt(r) for r in records]
    choices = TaskChoices(task.groups, config.jsd_base)
    rows, n_new = _model_rows(spec, records, prompts, runner, config, choices)
    info = runner.info()
    frame = pd.DataFrame(rows)
    _count_undefined(spec, frame, task.skips)
    frame = _with_provenance(frame, config.model, info, runner.opts.revision, records, prompts)
    scored = frame
    if spec.groups_share_items:
        # outputs.parquet keeps every cell; the summary compares groups on one item set
        present = [g for g in task.groups if g in set(frame["group"])]
        scored = analysis.common_item_set(frame, spec.default_metric, present, task.skips)
        if scored.empty:
            raise AuditkitError(f"no item has a value for every {spec.group_label}")
    extra = _run_extra(task, config, choices, n_new, info)
    stats = Statistics(config.confidence, config.n_resamples, config.bootstrap_seed, "exact")
    summary = eval_summary(spec, scored, None, task.groups, [], "none", stats, extra)
    _write_run(
        out_dir,
        spec,
        frame,
        summary,
        started,
        config=to_record(config),
        inputs=_run_inputs(spec, config, runner),
        components={"model": info, "task": _task_component(spec)},
    )
    return summary


def _model_rows(
    spec: TaskSpec,
    records: list[dict[str, Any]],
    prompts: list[str],
    runner: Any,
    config: RunEvalConfig,
    choices: TaskChoices,
) -> tuple[list[dict[str, Any]], int]:
    """Scored rows of the model's outputs, and the generation length used (0: none)."""
    if spec.mode == "generate":
        n_new = config.max_new_tokens or spec.max_new_tokens
        outputs = runner.generate(prompts, n_new)
    else:
        assert spec.options is not None
        n_new = 0
        outputs = runner.option_probs(prompts, [spec.options(r) for r in records])
    kwargs = spec.score_kwargs(choices)
    rows = [
        {"item_id": r["item_id"], **sc}
        for r, output in zip(records, outputs)
        for sc in spec.score(r, output, **kwargs)
    ]
    return rows, n_new


def _count_undefined(spec: TaskSpec, frame: pd.DataFrame, skips: SkipLog) -> None:
    # (groups sharing items: undefined cells are counted with the common item set instead)
    if spec.groups_share_items:
        return
    for m in spec.metrics:
        if m.name in frame.columns:
            for _, r in frame[frame[m.name].isna()].iterrows():
                skips.add(
                    f"{m.name} undefined (e.g. an all-zero human distribution)",
                    field_name=str(r["group"]),
                    detail=f"item {r['item_id']}",
                )


def _with_provenance(
    frame: pd.DataFrame,
    model: str,
    info: dict[str, Any],
    revision: str | None,
    records: list[dict[str, Any]],
    prompts: list[str],
) -> pd.DataFrame:
    """The model, its resolved revision and each item's prompt hash on every row."""
    frame.insert(0, "model", model)
    frame.insert(1, "source_model", model)
    frame.insert(2, "model_revision", info.get("resolved_revision") or revision or "")
    prompt_hash = {r["item_id"]: _sha(p) for r, p in zip(records, prompts)}
    frame["prompt_sha256"] = frame["item_id"].map(prompt_hash)
    return frame


def _run_extra(
    task: PreparedTask, config: RunEvalConfig, choices: TaskChoices, n_new: int, info: dict
) -> dict[str, Any]:
    spec = task.spec
    return {
        "task_options": {
            **spec.notes(choices),
            "mode": spec.mode,
            "max_new_tokens": n_new,
            "chat_template": config.chat_template,
            "shots": config.shots if spec.uses_shots else None,
            "seed": config.seed,
        },
        "items": spec.count_items(task.items),
        "model": {k: v for k, v in info.items() if k != "device_used"},
        "skips": task.skips.as_dict(),
    }


def _run_inputs(spec: TaskSpec, config: RunEvalConfig, runner: Any) -> list[dict[str, Any]]:
    from auditkit import hub

    data = config.data
    inputs = [_input_record(str(data))] if data else [{"hub_id": spec.hub_id}]
    for name, role in ((config.model, "model"), (runner.opts.peft, "peft adapter")):
        if (rec := hub.model_input_record(name, role)) is not None:
            inputs.append(rec)
    return inputs


def _task_component(spec: TaskSpec) -> dict[str, Any]:
    return {"name": spec.name, "source": spec.source, "prompt_sha256": _sha(spec.prompt_template)}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- keyword wrappers -----------------------------------------------------------------------
# The settings as keyword arguments (scripts, auditkit.api, records of earlier versions): each
# builds the config and calls the API above. `json_path` writes the summary a second time (the
# CLI's --json), outside the record.


def _keyword_signature(fn: Callable[..., Any], config_cls: type, first: int) -> None:
    """Give a keyword wrapper the config's fields as its signature (help(), IDEs, and tools
    that check a call's keywords against the function)."""
    params = list(inspect.signature(fn).parameters.values())
    runtime = [p for p in params if p.kind is p.KEYWORD_ONLY]
    fields = dataclasses.fields(config_cls)
    settings = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
            annotation=f.type,
        )
        for f in fields[first:]
    ]
    fn.__signature__ = inspect.Signature(params[:first] + runtime + settings)  # type: ignore[attr-defined]
    fn.__annotations__ = {
        **{f.name: f.type for f in fields},
        **{p.name: p.annotation for p in runtime},
    }


def _without_none(settings: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    # earlier versions took None for "none given" where the config holds an empty tuple
    return {k: v for k, v in settings.items() if not (k in keys and v is None)}


def score_outputs(
    task: str,
    outputs: list[str],
    *,
    out: str | None = None,
    json_path: str | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """Score per-item outputs (see :class:`ScoreConfig` for the settings)."""
    settings = _without_none(settings, ("chain", "groups"))
    summary = score(ScoreConfig(task=task, outputs=tuple(outputs), **settings), out)
    if json_path:
        write_json(json_path, summary)
    return summary


def run_eval(
    task: str | list[str],
    model: str | None = None,
    *,
    out: str | None = None,
    json_path: str | None = None,
    show_progress: bool = True,
    **settings: Any,
) -> dict[str, Any]:
    """Evaluate a model on a task or several (see :class:`RunEvalConfig` for the settings;
    ``model_args`` takes lm-evaluation-harness's ``--model_args`` spelling)."""
    result = run(
        RunEvalConfig(task=task, model=model, **settings), out, show_progress=show_progress
    )
    if json_path:
        write_json(json_path, result)
    return result


_keyword_signature(score_outputs, ScoreConfig, 2)
_keyword_signature(run_eval, RunEvalConfig, 2)
