"""`eval score`: per-item outputs made anywhere (auditkit's, the study's, lm-eval's, a plain
table) read through the reader registry, compared along alignment chains, written as a run
folder. Nothing here names a task: what differs between tasks is declared by their TaskSpec."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import utc_now
from auditkit.config import to_record
from auditkit.errors import AuditkitError
from auditkit.evals import analysis
from auditkit.evals.base import TaskChoices, TaskSpec, get_task
from auditkit.evals.chains import STUDY_CHAIN_SET, Chain, resolve_chains
from auditkit.evals.config import ScoreConfig
from auditkit.evals.outputs import read_outputs
from auditkit.evals.readers import NoScoredRows, ScoreOptions
from auditkit.evals.run_folder import input_record, write_run_folder
from auditkit.evals.summary import KIND, Statistics, eval_summary
from auditkit.io import default_out_dir, holds_run_folder
from auditkit.skips import SkipLog


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
    write_run_folder(
        Path(out) if out else default_out_dir(KIND, spec.name),
        spec,
        frame,
        summary,
        started,
        config=to_record(config),
        inputs=[input_record(s["path"]) for s in sources],
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
