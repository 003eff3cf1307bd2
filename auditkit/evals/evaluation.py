"""`eval run`: one model on one task or several. Every task's items are loaded before the model
(data errors show in seconds), the model is loaded once, and each task's outputs are scored per
item and written as its own run folder. Nothing here names a task: prompts, options, scorer
arguments and summary notes come from the task's TaskSpec."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import utc_now
from auditkit.config import to_record
from auditkit.errors import AuditkitError
from auditkit.evals import analysis
from auditkit.evals.base import TaskChoices, TaskSpec, get_task
from auditkit.evals.config import RunEvalConfig
from auditkit.evals.run_folder import input_record, write_run_folder
from auditkit.evals.summary import KIND, Statistics, eval_summary
from auditkit.io import default_out_dir, holds_run_folder, slug
from auditkit.skips import SkipLog


def task_list(task: str | list[str] | tuple[str, ...]) -> list[str]:
    names = [task] if isinstance(task, str) else list(task)
    out = [t.strip() for n in names for t in str(n).split(",") if t.strip()]
    if not out:
        raise AuditkitError("give a task to run (auditkit eval list shows them)")
    return list(dict.fromkeys(out))


def _run_folder(args: dict[str, Any]) -> Path | None:
    """The folder run writes (several tasks: the out folder holding one per task)."""
    tasks, out = task_list(args["config"].task), args.get("out")
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

    tasks = task_list(config.task)
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
    write_run_folder(
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
    inputs = [input_record(str(data))] if data else [{"hub_id": spec.hub_id}]
    for name, role in ((config.model, "model"), (runner.opts.peft, "peft adapter")):
        if (rec := hub.model_input_record(name, role)) is not None:
            inputs.append(rec)
    return inputs


def _task_component(spec: TaskSpec) -> dict[str, Any]:
    return {"name": spec.name, "source": spec.source, "prompt_sha256": _sha(spec.prompt_template)}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
