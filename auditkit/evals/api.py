"""Python API of `auditkit eval`: run a task on a model, and score per-item outputs along chains.

Both functions write a run folder (``outputs.parquet``, ``summary.json``, ``audit.json``) and
return the summary dict; the CLI is a thin layer over them and ``audit.json`` records the
keyword arguments that reproduce the run.
"""

from __future__ import annotations

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
from auditkit.evals.formats import OUTPUTS_FILE, ScoreOptions, read_outputs
from auditkit.evals.qa_metrics import CFMATCH_METHOD, EXTRACTION
from auditkit.io import default_out_dir, sha256_file, write_json, write_parquet
from auditkit.skips import SkipLog

KIND = "eval"


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
    frame, sources = read_outputs(list(outputs), spec, opts, skips)
    # read_outputs keeps the chosen groups only and counts every other row as a skip
    frame = frame.reset_index(drop=True)
    if frame.empty:
        raise AuditkitError(f"no outputs for the chosen {spec.group_label}s: {', '.join(grp)}")
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


def run_eval(
    task: str,
    model: str,
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
) -> dict[str, Any]:
    """Run ``task`` on one Hugging Face model (hub id or local path) and score it per item."""
    from auditkit.evals.runner import ModelRunner
    from auditkit.modeling import LoadOptions

    started = utc_now()
    _check_statistics(confidence, n_resamples)
    spec = get_task(task)
    grp = _groups(spec, groups)
    skips = SkipLog()
    items = spec.load_items(data, groups=grp, skips=skips, shots=shots, seed=seed)
    if limit:
        # the first `limit` items of every group, so each group is represented
        items = items.groupby("group", sort=False).head(limit)
    items = items.reset_index(drop=True)
    if items.empty:
        raise AuditkitError("no items to evaluate")
    opts = LoadOptions(
        dtype=dtype,
        device=device,
        revision=revision,
        load_in_8bit=load_in_8bit,
        load_in_4bit=load_in_4bit,
    )
    runner = ModelRunner(
        model,
        opts,
        batch_size=batch_size,
        chat_template=chat_template,
        seed=seed,
        show_progress=show_progress,
    )
    records = items.to_dict("records")
    prompts = [spec.build_prompt(r) for r in records]
    score_kwargs: dict[str, Any] = {}
    if spec.name == "globalopinionsqa":
        score_kwargs = {"countries": grp, "jsd_base": jsd_base}
    rows = []
    if spec.mode == "generate":
        n_new = max_new_tokens or spec.max_new_tokens
        outputs = runner.generate(prompts, n_new)
        for r, gen in zip(records, outputs):
            for s in spec.score(r, gen, **score_kwargs):
                rows.append({"item_id": r["item_id"], **s})
    else:
        assert spec.options is not None
        n_new = 0
        option_lists = [spec.options(r) for r in records]
        probs = runner.option_probs(prompts, option_lists)
        for r, p in zip(records, probs):
            for s in spec.score(r, p, **score_kwargs):
                rows.append({"item_id": r["item_id"], **s})
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
            "shots": shots if spec.name == "tydiqa-goldp" else None,
            "seed": seed,
        },
        "items": {g: int(n) for g, n in items["group"].value_counts().sort_index().items()}
        if spec.name != "globalopinionsqa"
        else {"questions": int(len(items))},
        "model": {k: v for k, v in info.items() if k != "device_used"},
        "skips": skips.as_dict(),
    }
    summary = build_summary(
        spec, scored, None, grp, [], "none", confidence, n_resamples, bootstrap_seed, "exact", extra
    )
    out_dir = Path(out) if out else default_out_dir(KIND, spec.name)
    data_inputs = [_input_record(str(data))] if data else [{"hub_id": spec.hub_id}]
    _write_run(
        out_dir,
        spec,
        frame,
        summary,
        json_path,
        started,
        config={
            "task": task,
            "model": model,
            "data": data,
            "groups": list(groups or []),
            "limit": limit,
            "revision": revision,
            "dtype": dtype,
            "device": device,
            "load_in_8bit": load_in_8bit,
            "load_in_4bit": load_in_4bit,
            "batch_size": batch_size,
            "chat_template": chat_template,
            "max_new_tokens": max_new_tokens,
            "shots": shots,
            "seed": seed,
            "jsd_base": jsd_base,
            "confidence": confidence,
            "n_resamples": n_resamples,
            "bootstrap_seed": bootstrap_seed,
            "out": str(out_dir),
            "json_path": json_path,
        },
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
