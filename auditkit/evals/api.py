"""Python API of `auditkit eval`: run a task on a model, and score per-item outputs along chains.

Both functions write a run folder (``outputs.parquet``, ``summary.json``, ``audit.json``) and
return the summary dict; the CLI is a thin layer over them and ``audit.json`` records the
keyword arguments that reproduce the run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import SUMMARY_FILE, build_record, utc_now, write_record
from auditkit.errors import AuditkitError
from auditkit.evals import analysis
from auditkit.evals.base import STUDY_SEED, Metric, TaskSpec, get_task
from auditkit.evals.chains import (
    STUDY_CHAIN_SET,
    Chain,
    auto_chains,
    models_in_no_chain,
    resolve_chains,
)
from auditkit.evals.formats import OUTPUTS_FILE, NoScoredRows, ScoreOptions, read_outputs
from auditkit.evals.interop import register as _register_interop_readers
from auditkit.evals.qa_metrics import CFMATCH_METHOD, EXTRACTION
from auditkit.io import (
    default_out_dir,
    holds_run_folder,
    sha256_file,
    slug,
    write_json,
    write_parquet,
)
from auditkit.skips import SkipLog

KIND = "eval"
_register_interop_readers()  # lm-eval --log_samples files and plain per-item tables


def _check_statistics(confidence: float, n_resamples: int) -> None:
    # what the CLI options' ranges say, for Python callers and replayed audit records
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise AuditkitError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    if not (
        isinstance(n_resamples, int) and not isinstance(n_resamples, bool) and n_resamples >= 1
    ):
        raise AuditkitError(f"n_resamples must be an integer >= 1, got {n_resamples!r}")


def _any_group(task: TaskSpec) -> bool:
    """Whether groups outside the task's default list are valid (Belebele has 122 languages,
    the study scored a few)."""
    return task.name == "belebele"


def _groups(task: TaskSpec, groups: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if not groups:
        return task.groups
    if task.name == "globalopinionsqa":
        from auditkit.evals.tasks.goqa import canonical_country

        return tuple(canonical_country(g) for g in groups)
    unknown = [g for g in groups if g not in task.groups]
    if unknown and not _any_group(task):
        raise AuditkitError(
            f"unknown {task.group_label} {unknown} for {task.name}; known: {', '.join(task.groups)}"
        )
    return tuple(groups)


def _task_options(task: TaskSpec, jsd_base: str) -> dict[str, Any]:
    if task.name == "globalopinionsqa":
        return {
            "jsd_base": jsd_base,
            "jsd_log": "natural log (the study's convention)" if jsd_base == "e" else "log base 2",
            "similarity": "1 - sqrt(Jensen-Shannon divergence)",
        }
    if task.name == "tydiqa-goldp":
        return {
            "cfm": CFMATCH_METHOD,
            "answer": EXTRACTION,
            "missing_prediction": "scored 0 (the mean is over every dev question)",
        }
    return {}


def _statistics(
    metric: Metric, confidence: float, n_resamples: int, seed: int, mcnemar: str
) -> dict[str, Any]:
    return {
        "confidence": confidence,
        "ci": "wilson" if metric.binary else "percentile-bootstrap",
        "delta_ci": "paired percentile bootstrap",
        "paired_test": f"mcnemar-{mcnemar}" if metric.binary else "paired sign-flip permutation",
        "correction": "holm across the groups of each step",
        "disparity": "max - min of the groups' changes; reference change minus each group's "
        "change (bootstrap CI)",
        "n_resamples": n_resamples,
        "seed": seed,
    }


def build_summary(
    task: TaskSpec,
    frame: pd.DataFrame,
    metric_name: str | None,
    groups: tuple[str, ...],
    chains: list[Chain],
    chains_mode: str,
    confidence: float,
    n_resamples: int,
    seed: int,
    mcnemar: str,
    extra: dict[str, Any],
) -> dict[str, Any]:
    metric = task.metric(metric_name)
    if metric.name not in frame.columns or frame[metric.name].isna().all():
        raise AuditkitError(f"the outputs have no values for metric {metric.name!r}")
    present = [g for g in groups if g in set(frame["group"])]
    models = analysis.model_group_metrics(frame, metric, present, confidence, n_resamples, seed)
    steps, disparities, unmatched = analysis.chain_steps(
        frame,
        chains,
        metric,
        present,
        task.reference_group,
        mcnemar,
        confidence,
        n_resamples,
        seed,
    )
    if chains_mode == "auto":
        # Built-in chains are tried by default: only report those that matched something.
        matched = {s["chain"] for s in steps}
        chains = [c for c in chains if c.name in matched]
        unmatched = [u for u in unmatched if u.split(":")[0].removeprefix("chain ") in matched]
        # ...then base -> chat/instruct pairs among the given models that no chain compares
        covered = {(s["from"], s["to"]) for s in steps}
        formed = auto_chains(sorted(map(str, frame["model"].unique())), covered)
        if formed:
            more_steps, more_disp, _ = analysis.chain_steps(
                frame,
                formed,
                metric,
                present,
                task.reference_group,
                mcnemar,
                confidence,
                n_resamples,
                seed,
            )
            steps += more_steps
            disparities += more_disp
            chains = chains + formed
    model_list = sorted(map(str, frame["model"].unique()))
    if task.groups_share_items:
        extra = {
            **extra,
            "reference_gaps": analysis.reference_gaps(
                frame, metric.name, present, task.reference_group, confidence, n_resamples, seed
            ),
            "reference_gap_steps": analysis.reference_gap_steps(
                frame,
                steps,
                metric.name,
                present,
                task.reference_group,
                confidence,
                n_resamples,
                seed,
            ),
        }
    sources = (
        frame.groupby("model")["source_model"].apply(lambda s: sorted(set(map(str, s)))).to_dict()
    )
    return {
        "kind": KIND,
        "task": task.name,
        "axis": task.axis,
        "metric": metric.name,
        "metric_description": metric.description,
        "binary": metric.binary,
        "percent": metric.percent,
        "group_label": task.group_label,
        "groups": present,
        "reference_group": task.reference_group,
        "models": models,
        "model_names": sources,
        "chains": [c.as_dict() for c in chains],
        "chains_mode": chains_mode,
        "models_without_chain": models_in_no_chain(model_list, chains),
        "steps": steps,
        "disparities": disparities,
        "unmatched_chains": unmatched,
        "statistics": _statistics(metric, confidence, n_resamples, seed, mcnemar),
        **extra,
    }


def _chains(chain: list[str] | tuple[str, ...] | None) -> tuple[list[Chain], str]:
    if chain:
        return resolve_chains(list(chain)), "given"
    return resolve_chains([STUDY_CHAIN_SET]), "auto"


def _out_dir(args: dict[str, Any]) -> Path:
    return (
        Path(args["out"]) if args.get("out") else default_out_dir(KIND, get_task(args["task"]).name)
    )


@holds_run_folder(_out_dir)
def score_outputs(
    task: str,
    outputs: list[str],
    chain: list[str] | None = None,
    metric: str | None = None,
    groups: list[str] | None = None,
    data: str | None = None,
    prompt_mode: str = "no_answers",
    seed: int | None = None,
    chat_template: bool = False,
    jsd_base: str = "e",
    mcnemar: str = "exact",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    bootstrap_seed: int = 0,
    out: str | None = None,
    json_path: str | None = None,
) -> dict[str, Any]:
    """Score per-item outputs (auditkit's or the study's) and compare models along chains."""
    started = utc_now()
    _check_statistics(confidence, n_resamples)
    spec = get_task(task)
    grp = _groups(spec, groups)
    chosen_metric = spec.metric(metric).name
    chains, chains_mode = _chains(chain)
    opts = ScoreOptions(
        prompt_mode=prompt_mode,
        seed=seed,
        chat_template=chat_template,
        countries=grp if spec.name == "globalopinionsqa" else (),
        jsd_base=jsd_base,
        data=data,
        groups=grp,
        any_group=_any_group(spec),
        metric=chosen_metric,
    )
    skips = SkipLog()
    try:
        frame, sources = read_outputs(list(outputs), spec, opts, skips)
    except NoScoredRows:
        if not groups:
            raise
        frame = pd.DataFrame()  # the chosen groups matched nothing: say which groups exist
    # read_outputs keeps the chosen groups only and counts every other row as a skip
    frame = frame.reset_index(drop=True)
    if frame.empty:
        # the error path alone reads the outputs again, every group kept, to list them
        every = dataclasses.replace(opts, groups=(), any_group=True)
        found, _ = read_outputs(list(outputs), spec, every, SkipLog())
        available = sorted(set(map(str, found["group"]))) if not found.empty else []
        raise AuditkitError(
            f"--groups {','.join(grp)} matches no {spec.group_label} in the outputs; "
            f"available: {', '.join(available) or 'none'}"
        )
    extra = {
        "task_options": _task_options(spec, jsd_base),
        "filters": {k: v for k, v in opts.filters.items() if not k.startswith("_") and k != "rows"},
        # every input row is scored or a counted skip: rows.read = rows.scored + rows.skipped
        "rows": opts.filters.get("rows", {}),
        "sources": sources,
        "skips": skips.as_dict(),
    }
    if spec.groups_share_items:
        present = [g for g in grp if g in set(frame["group"])]
        before = len(frame)
        frame = analysis.common_item_set(frame, spec.metric(metric).name, present, skips)
        if frame.empty:
            raise AuditkitError(f"no item has a value for every {spec.group_label}")
        extra["skips"] = skips.as_dict()
        rows = extra["rows"]
        if rows:  # the dropped cells are counted skips: read = scored + skipped still
            rows["scored"] = len(frame)
            rows["skipped"] += before - len(frame)
    if spec.name == "globalopinionsqa":
        per_model = frame.groupby("model")["item_id"].nunique()
        extra["questions_kept"] = {str(m): int(n) for m, n in per_model.items()}
    if chains_mode == "given":
        _require_chain_match(chains, frame)
    summary = build_summary(
        spec,
        frame,
        metric,
        grp,
        chains,
        chains_mode,
        confidence,
        n_resamples,
        bootstrap_seed,
        mcnemar,
        extra,
    )
    out_dir = Path(out) if out else default_out_dir(KIND, spec.name)
    _write_run(
        out_dir,
        spec,
        frame,
        summary,
        json_path,
        started,
        config={
            "task": task,
            "outputs": list(outputs),
            "chain": list(chain or []),
            "metric": metric,
            "groups": list(groups or []),
            "data": data,
            "prompt_mode": prompt_mode,
            "seed": seed,
            "chat_template": chat_template,
            "jsd_base": jsd_base,
            "mcnemar": mcnemar,
            "confidence": confidence,
            "n_resamples": n_resamples,
            "bootstrap_seed": bootstrap_seed,
            "out": str(out_dir),
            "json_path": json_path,
        },
        inputs=[_input_record(s["path"]) for s in sources],
        components={"readers": sorted({s["format"] for s in sources})},
    )
    return summary


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
    json_path: str | None,
    started: str,
    config: dict[str, Any],
    inputs: list[dict[str, Any]],
    components: dict[str, Any],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    table = frame.drop(columns=[c for c in ("source",) if c in frame.columns]).copy()
    if "task" in table.columns:
        table = table.drop(columns=["task"])
    table.insert(0, "task", spec.name)
    write_parquet(table, out_dir / OUTPUTS_FILE)
    write_json(out_dir / SUMMARY_FILE, summary)
    if json_path:
        write_json(json_path, summary)
    findings = {
        "models": summary["models"],
        "disparities": summary["disparities"],
    }
    # `api` names the function whose keyword arguments `config` holds (for `auditkit rerun`).
    api = "run_eval" if "model" in config else "score_outputs"
    record = build_record(
        KIND,
        config,
        inputs,
        components,
        findings,
        started,
        extra={"api": f"auditkit.evals.api:{api}"},
    )
    write_record(out_dir, record)


def _task_list(task: str | list[str] | tuple[str, ...]) -> list[str]:
    names = [task] if isinstance(task, str) else list(task)
    out = [t.strip() for n in names for t in str(n).split(",") if t.strip()]
    if not out:
        raise AuditkitError("give a task to run (auditkit eval list shows them)")
    return list(dict.fromkeys(out))


def _run_out_dir(args: dict[str, Any]) -> Path | None:
    """The folder run_eval writes (several tasks: the --out folder holding one per task)."""
    if len(_task_list(args["task"])) == 1:
        return _out_dir({**args, "task": _task_list(args["task"])[0]})
    return Path(args["out"]) if args.get("out") else None


@holds_run_folder(_run_out_dir)
def run_eval(
    task: str | list[str],
    model: str | None = None,
    data: str | None = None,
    groups: list[str] | None = None,
    limit: int | None = None,
    revision: str | None = None,
    dtype: str = "auto",
    device: str = "auto",
    load_in_8bit: bool = False,
    load_in_4bit: bool = False,
    batch_size: str | int = "auto",
    chat_template: bool = False,
    max_new_tokens: int | None = None,
    shots: int = 1,
    seed: int = STUDY_SEED,
    jsd_base: str = "e",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    bootstrap_seed: int = 0,
    out: str | None = None,
    json_path: str | None = None,
    show_progress: bool = True,
    model_args: str | dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run ``task`` on one Hugging Face model (hub id or local path) and score it per item.

    ``task`` may name several tasks ('md3-game,belebele' or a list): the model is loaded once
    and each task gets its own run folder ``out/<task>/``; the result then maps task -> summary.
    ``model_args`` takes lm-evaluation-harness's ``--model_args`` spelling (pretrained=ID,
    revision, dtype, device_map, peft, trust_remote_code, attn_implementation, ...).
    """
    config_base = dict(locals())  # first: the keyword arguments `auditkit rerun` replays
    from auditkit.evals.runner import ModelRunner
    from auditkit.modeling import LoadOptions, parse_model_args

    tasks = _task_list(task)
    model = model or parse_model_args(model_args).get("pretrained")
    if not model:
        raise AuditkitError("give the model with --model ID (or --model-args pretrained=ID)")
    data_for = _data_per_task(data, tasks)
    from auditkit import hub

    # seconds, not minutes, when the model is unreachable: before torch is imported
    hub.preflight_model(model, parse_model_args(model_args).get("revision", revision))
    started = utc_now()
    _check_statistics(confidence, n_resamples)
    specs = [get_task(t) for t in tasks]
    prepared = []
    per_task_groups = _groups_per_task(specs, groups)
    for spec in specs:  # every task's data before the model: data errors show in seconds
        grp = _groups(spec, per_task_groups[spec.name])
        skips = SkipLog()
        items = spec.load_items(
            data_for.get(spec.name), groups=grp, skips=skips, shots=shots, seed=seed
        )
        if limit:
            # the first `limit` items of every group, so each group is represented
            items = items.groupby("group", sort=False).head(limit)
        items = items.reset_index(drop=True)
        if items.empty:
            raise AuditkitError(f"{spec.name}: no items to evaluate")
        prepared.append((spec, grp, skips, items))
    opts = LoadOptions(
        dtype=dtype,
        device=device,
        revision=revision,
        load_in_8bit=load_in_8bit,
        load_in_4bit=load_in_4bit,
    ).with_model_args(model_args)
    runner = ModelRunner(
        model,
        opts,
        batch_size=batch_size,
        chat_template=chat_template,
        seed=seed,
        show_progress=show_progress,
    )
    base_out = Path(out) if out else None
    results: dict[str, dict[str, Any]] = {}
    for spec, grp, skips, items in prepared:
        if len(prepared) == 1:
            out_dir = base_out or default_out_dir(KIND, spec.name)
            task_json = json_path
        else:
            out_dir = (base_out / slug(spec.name)) if base_out else default_out_dir(KIND, spec.name)
            task_json = None
        config = {
            **config_base,
            "data": data_for.get(spec.name),
            "task": spec.name,
            "model": model,
            "out": str(out_dir),
            "json_path": task_json,
        }
        results[spec.name] = _run_task(
            spec, grp, skips, items, runner, config, out_dir, task_json, started
        )
    if len(prepared) == 1:
        return results[specs[0].name]
    if json_path:
        write_json(json_path, results)
    return results


def _groups_per_task(specs: list[TaskSpec], groups: list[str] | None) -> dict[str, Any]:
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
        pairs = []
        for part in parts:
            for item in str(part).split(","):
                if not _is_pair(item, tasks):
                    raise AuditkitError(
                        f"--data {item!r}: with several tasks give TASK=PATH for each "
                        f"(tasks: {', '.join(tasks)})"
                    )
                pairs.append(tuple(item.split("=", 1)))
    out = {}
    for t, path in pairs:
        name = get_task(str(t).strip()).name
        if name not in {get_task(x).name for x in tasks}:
            raise AuditkitError(f"--data {t}={path}: {t} is not among the tasks run")
        out[name] = str(path).strip()
    return out


def _is_pair(item: str, tasks: list[str]) -> bool:
    if "=" not in item:
        return False
    try:
        get_task(item.split("=", 1)[0].strip())
    except AuditkitError:
        return False
    return True


def _run_task(spec, grp, skips, items, runner, config, out_dir, json_path, started):
    c = config
    model, revision, data = c["model"], runner.opts.revision, c["data"]
    jsd_base, chat_template, seed = c["jsd_base"], c["chat_template"], c["seed"]
    records = items.to_dict("records")
    prompts = [spec.build_prompt(r) for r in records]
    score_kwargs: dict[str, Any] = {}
    if spec.name == "globalopinionsqa":
        score_kwargs = {"countries": grp, "jsd_base": jsd_base}
    rows = []
    if spec.mode == "generate":
        n_new = c["max_new_tokens"] or spec.max_new_tokens
        outputs = runner.generate(prompts, n_new)
        for r, gen in zip(records, outputs):
            for sc in spec.score(r, gen, **score_kwargs):
                rows.append({"item_id": r["item_id"], **sc})
    else:
        assert spec.options is not None
        n_new = 0
        option_lists = [spec.options(r) for r in records]
        probs = runner.option_probs(prompts, option_lists)
        for r, p in zip(records, probs):
            for sc in spec.score(r, p, **score_kwargs):
                rows.append({"item_id": r["item_id"], **sc})
    info = runner.info()
    frame = pd.DataFrame(rows)
    for m in spec.metrics:
        # (groups sharing items: undefined cells are counted with the common item set below)
        if m.name in frame.columns and not spec.groups_share_items:
            for _, r in frame[frame[m.name].isna()].iterrows():
                skips.add(
                    f"{m.name} undefined (e.g. an all-zero human distribution)",
                    field_name=str(r["group"]),
                    detail=f"item {r['item_id']}",
                )
    frame.insert(0, "model", model)
    frame.insert(1, "source_model", model)
    frame.insert(2, "model_revision", info.get("resolved_revision") or revision or "")
    frame["prompt_sha256"] = [None] * len(frame)
    prompt_hash = {r["item_id"]: _sha(p) for r, p in zip(records, prompts)}
    frame["prompt_sha256"] = frame["item_id"].map(prompt_hash)
    scored = frame
    if spec.groups_share_items:
        # outputs.parquet keeps every cell; the summary compares groups on one item set
        present = [g for g in grp if g in set(frame["group"])]
        scored = analysis.common_item_set(frame, spec.default_metric, present, skips)
        if scored.empty:
            raise AuditkitError(f"no item has a value for every {spec.group_label}")
    extra = {
        "task_options": {
            **_task_options(spec, jsd_base),
            "mode": spec.mode,
            "max_new_tokens": n_new,
            "chat_template": chat_template,
            "shots": c["shots"] if spec.name == "tydiqa-goldp" else None,
            "seed": seed,
        },
        "items": {g: int(n) for g, n in items["group"].value_counts().sort_index().items()}
        if spec.name != "globalopinionsqa"
        else {"questions": int(len(items))},
        "model": {k: v for k, v in info.items() if k != "device_used"},
        "skips": skips.as_dict(),
    }
    summary = build_summary(
        spec,
        scored,
        None,
        grp,
        [],
        "none",
        c["confidence"],
        c["n_resamples"],
        c["bootstrap_seed"],
        "exact",
        extra,
    )
    from auditkit import hub

    data_inputs = [_input_record(str(data))] if data else [{"hub_id": spec.hub_id}]
    for name, role in ((model, "model"), (runner.opts.peft, "peft adapter")):
        if (rec := hub.model_input_record(name, role)) is not None:
            data_inputs.append(rec)
    _write_run(
        out_dir,
        spec,
        frame,
        summary,
        json_path,
        started,
        config=c,
        inputs=data_inputs,
        components={
            "model": info,
            "task": {
                "name": spec.name,
                "source": spec.source,
                "prompt_sha256": _sha(spec.prompt_template),
            },
        },
    )
    return summary


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()
