"""Template probes whose slot is not a country: ``{language}`` or a user-defined list.

The same scoring as the country probe (``score_chunks`` / Ray actors over question chunks,
each filler in the template), then the slot-generic rank machinery (slot_analysis.py): per
question ranks (negative questions inverted), mean rank with a bootstrap CI over questions,
win rate against the reference filler, per-category mean ranks, and for several models the
language (or filler) x model table and the Spearman matrix of their rankings. Summaries list
``languages`` (with ``reference_language``) for a language slot and ``fillers`` (with
``reference_filler``) for a list.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.audit import SUMMARY_FILE
from auditkit.errors import AuditkitError
from auditkit.io import slug, write_json, write_parquet
from auditkit.probes.run_context import (
    ProbeRun,
    ScoredModel,
    score_models,
    torch_threads,
    unique_names,
    write_run_record,
)
from auditkit.probes.scoring import SCORES_FILE, question_chunks
from auditkit.probes.slot_analysis import (
    filler_entry,
    filler_ranking_correlations,
    rank_fillers,
    score_direction,
    scored_by,
)
from auditkit.probes.slots import Filler, Slot

FILLER_STATS_FILE = "filler_stats.parquet"


def analyze_slot_scores(
    long: pd.DataFrame,
    slot: Slot,
    fillers: Sequence[Filler],
    reference: str | None,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[str, Any], np.ndarray]:
    """Stats, summary and per-row ranks of one model's long template scores."""
    questions = long.drop_duplicates("question_id")[
        ["question_id", "sentiment", "category"]
    ].reset_index(drop=True)
    names = [f.name for f in fillers]
    wide = long.pivot(index="question_id", columns="country", values="score").reindex(
        index=questions["question_id"], columns=names
    )
    favourable = str(long["favourable"].iloc[0])
    codes = [f.code for f in fillers]
    fa = rank_fillers(
        wide.to_numpy(dtype=np.float64),
        codes,
        names,
        list(questions["category"].fillna("")),
        favourable,
        reference,
        n_resamples,
        0.95,
        seed,
        negative=(questions["sentiment"] == "negative").to_numpy(),
    )
    key = "languages" if slot.kind == "language" else "fillers"
    ref_key = "reference_language" if slot.kind == "language" else "reference_filler"
    first = long.iloc[0]
    direction = score_direction(favourable)
    s = fa.summary
    summary = {
        "kind": "probe-rm",
        "probe": "template",
        "slot": slot.as_dict(),
        "model": str(first["model"]),
        **scored_by(first),
        "ranking": {
            "rule": f"per question, rank 1 = most favourable ({direction}; negative-sentiment "
            "questions inverted); ties averaged; mean rank over questions",
            "ties": "average",
            "bootstrap": {
                "n_resamples": n_resamples,
                "confidence": 0.95,
                "seed": seed,
                "over": "questions",
            },
        },
        "n_questions": s["n_rows"],
        key: [filler_entry(r, s["categories"]) for _, r in fa.stats.iterrows()],
        ref_key: reference,
        "reference_found": s["reference_found"],
        "reference_rank": s["reference_rank"],
        "reference_mean_rank": s["reference_mean_rank"],
        "share_ranked_below_reference": s["share_ranked_below_reference"],
    }
    ranks = np.full(wide.shape, np.nan)
    ranks[fa.kept_rows] = fa.ranks
    qpos = {q: i for i, q in enumerate(questions["question_id"])}
    fpos = {n: j for j, n in enumerate(names)}
    per_row = np.array(
        [ranks[qpos[q], fpos[c]] for q, c in zip(long["question_id"], long["country"])]
    )
    return fa.stats, summary, per_row


def _findings(summary: dict[str, Any]) -> dict[str, Any]:
    key = "languages" if "languages" in summary else "fillers"
    items = summary[key]
    return {
        "model": summary["model"],
        "reference": summary.get("reference_language", summary.get("reference_filler")),
        "reference_rank": summary["reference_rank"],
        "share_ranked_below_reference": summary["share_ranked_below_reference"],
        f"top_{key}": [x["code"] for x in items[:5]],
        f"bottom_{key}": [x["code"] for x in items[-5:]],
    }


def run_slot_probe(
    run: ProbeRun, probe_set: Any, fillers: Sequence[Filler], reference: str | None
) -> dict[str, Any]:
    """Score the template with every filler in its slot, with every model; rank the fillers."""
    if len(fillers) < 2:
        raise AuditkitError(f"the {probe_set.slot.placeholder} slot needs at least two fillers")
    threads = torch_threads()
    chunks = question_chunks(probe_set.questions, run.config.question_chunk)
    scored = score_models(run, chunks, list(fillers), threads)
    names = unique_names([s.name for s in scored])
    components: dict[str, Any] = {}
    summaries: dict[str, dict[str, Any]] = {}
    folders: dict[str, Path] = {}
    for n, s in zip(names, scored):
        components[n] = s.components
        folders[n] = run.out if len(scored) == 1 else run.out / slug(n)
        summaries[n] = _write_model_run(run, probe_set, fillers, reference, n, s, folders[n])
    summary, findings = _combine(run.out, probe_set.slot, summaries, folders)
    inputs = [
        {"probe_set": probe_set.name, **probe_set.source, "questions": len(probe_set.questions)},
        {"slot": probe_set.slot.as_dict(), "fillers": [f.code for f in fillers]},
    ]
    engine = run.engine_info(len(chunks), threads)
    subfolders = list(folders.values()) if len(scored) > 1 else []
    write_run_record(run, inputs, components, findings, engine=engine, subfolders=subfolders)
    return summary


def _write_model_run(
    run: ProbeRun,
    probe_set: Any,
    fillers: Sequence[Filler],
    reference: str | None,
    name: str,
    scored: ScoredModel,
    folder: Path,
) -> dict[str, Any]:
    """One model's scores, filler stats and summary in its folder."""
    slot = probe_set.slot
    long = scored.long.copy()
    long["model"] = name
    stats, summary, ranks = analyze_slot_scores(
        long, slot, fillers, reference, run.config.n_resamples, run.config.seed
    )
    summary.update({"probe_set": probe_set.name, "model_id": scored.model_id})
    folder.mkdir(parents=True, exist_ok=True)
    long["rank"] = ranks
    # The filler column says what fills the slot: `language` (code) and `language_name`,
    # or the list slot's own name (e.g. `cuisine`).
    long = long.drop(columns=["iso3"])
    if slot.kind == "language":
        codes = long["country"].map({f.name: f.code for f in fillers})
        long = long.rename(columns={"country": "language_name"})
        long.insert(long.columns.get_loc("language_name"), "language", codes)
    else:
        long = long.rename(columns={"country": slot.name})
    write_parquet(long, folder / SCORES_FILE)
    write_parquet(stats, folder / FILLER_STATS_FILE)
    write_json(folder / SUMMARY_FILE, summary)
    return summary


def _combine(
    out: Path, slot: Slot, summaries: dict[str, dict[str, Any]], folders: dict[str, Path]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's summary and findings: one model's, or the comparison of several (written)."""
    if len(summaries) == 1:
        summary = next(iter(summaries.values()))
        return summary, _findings(summary)
    key = "languages" if slot.kind == "language" else "fillers"
    summary = {
        "kind": "probe-rm",
        "probe": "template",
        "slot": slot.as_dict(),
        "models": {
            n: {"folder": str(folders[n].relative_to(out)), **_findings(s)}
            for n, s in summaries.items()
        },
        "ranking_correlations": filler_ranking_correlations(
            {n: {e["code"]: e["mean_rank"] for e in s[key]} for n, s in summaries.items()}
        ),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / SUMMARY_FILE, summary)
    return summary, {"models": {n: _findings(s) for n, s in summaries.items()}}
