"""`auditkit probe-rm MODEL --probes languages`: rank languages by a reward model's scores.

Scoring: ``parallel.score_rows`` on the rows of a parallel set in both prompt variants (on the
local engine or on Ray actors, the same chunks either way). Analysis: per (item, variant) row
the languages are ranked (rank 1 = most favourable), then by mean rank with a bootstrap CI over
rows; win rate against the reference language (English by default); the mean score gap to the
reference language with a bootstrap CI; and how well the model's tokenizer represents each
language's texts (unknown-token rate, UTF-8 bytes per token), flagged where it confounds the
reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.facts.languages import language_name
from auditkit.io import write_json, write_parquet
from auditkit.probes.slot_analysis import (
    MAX_UNKNOWN_TOKEN_RATE,
    MIN_BYTES_PER_TOKEN,
    filler_entry,
    rank_fillers,
    score_direction,
    scored_by,
)
from auditkit.skips import SkipLog
from auditkit.stats import bootstrap_mean_ci_columns
from auditkit.summaries import LanguageProbeSummary

LANGUAGE_STATS_FILE = "language_stats.parquet"
# The columns of a language run's scores.parquet that its analysis reads back (--scores).
LONG_COLUMNS = (
    "model", "revision", "scorer", "score_name", "favourable", "item_id", "variant",
    "language", "prompt", "response", "n_tokens", "truncated", "response_tokens",
    "response_unknown_tokens", "response_bytes", "score",
)  # fmt: skip


def tokenization_table(long: pd.DataFrame) -> pd.DataFrame:
    """Per language: response tokens, unknown tokens, bytes over its distinct responses."""
    first = long.drop_duplicates(["item_id", "language"])
    g = first.groupby("language", sort=False)[
        ["response_tokens", "response_unknown_tokens", "response_bytes"]
    ].sum()
    g["unknown_token_rate"] = g["response_unknown_tokens"] / g["response_tokens"].clip(lower=1)
    g["bytes_per_token"] = g["response_bytes"] / g["response_tokens"].clip(lower=1)
    return g


def analyze_languages(
    long: pd.DataFrame,
    reference: str = "en",
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    skips: SkipLog | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], pd.Series]:
    """Language stats (one row per language, by rank), the summary, and per-row ranks (aligned
    with ``long``); ``skips``: what was skipped before scoring, reported with the rest."""
    if long["model"].nunique() != 1:
        raise ValueError("expected one model's scores")
    favourable = str(long["favourable"].iloc[0])
    rows, langs, values = _row_by_language(long)
    before, skips = skips, SkipLog()
    if before is not None:
        skips.merge(before)
    for (item, variant), row in zip(rows, values):
        if np.isnan(row).any():
            skips.add(
                "row without a score for every language",
                detail=f"{item}/{variant}: {int(np.isnan(row).sum())} languages missing",
            )
    bootstrap = (n_resamples, confidence, seed)
    fa = rank_fillers(
        values, langs, [language_name(c) for c in langs], [v for _, v in rows], favourable,
        reference, *bootstrap,
    )  # fmt: skip
    stats = fa.stats
    ref_found = reference in langs
    if ref_found:
        stats = stats.merge(
            _gaps(values[fa.kept_rows], langs, reference, bootstrap), on="code", how="left"
        )
    stats = _with_tokenization(stats, long)
    truncated = (
        long.groupby("language")["truncated"].sum() if "truncated" in long.columns else pd.Series()
    )
    entries = [
        _language_entry(r, fa.summary["categories"], ref_found, truncated)
        for _, r in stats.iterrows()
    ]
    summary = _language_summary(long, rows, langs, fa.summary, entries, stats, reference, bootstrap)
    summary["skips"] = skips.as_dict()
    ranks = np.full(values.shape, np.nan)
    ranks[fa.kept_rows] = fa.ranks
    rank_of = {
        (item, variant, lang): ranks[i, j]
        for i, (item, variant) in enumerate(rows)
        for j, lang in enumerate(langs)
    }
    per_row = pd.Series(
        [rank_of[k] for k in zip(long["item_id"], long["variant"], long["language"])],
        index=long.index,
    )
    return stats, summary, per_row


def _row_by_language(long: pd.DataFrame) -> tuple[list[tuple[Any, Any]], list[str], np.ndarray]:
    """The (item, variant) rows, the languages, and the row x language score matrix."""
    rows = list(dict.fromkeys(zip(long["item_id"], long["variant"])))
    langs = list(dict.fromkeys(long["language"]))
    wide = long.pivot_table(
        index=["item_id", "variant"],
        columns="language",
        values="score",
        aggfunc="first",
        dropna=False,
    ).reindex(index=pd.MultiIndex.from_tuples(rows), columns=langs)
    return rows, langs, wide.to_numpy(dtype=np.float64)


def _gaps(
    kept: np.ndarray, langs: list[str], reference: str, bootstrap: tuple[int, float, int]
) -> pd.DataFrame:
    """Each language's mean score gap to the reference in the same row, with its CI."""
    diffs = kept - kept[:, [langs.index(reference)]]
    lo, hi = bootstrap_mean_ci_columns(diffs, *bootstrap)
    return pd.DataFrame(
        {
            "code": langs,
            "mean_gap_to_reference": diffs.mean(axis=0),
            "gap_ci_low": lo,
            "gap_ci_high": hi,
        }
    )


def _with_tokenization(stats: pd.DataFrame, long: pd.DataFrame) -> pd.DataFrame:
    tok = tokenization_table(long)
    stats = stats.merge(
        tok[["unknown_token_rate", "bytes_per_token", "response_tokens"]],
        left_on="code",
        right_index=True,
        how="left",
    )
    stats["tokenization_flag"] = [
        _flag(u, b) for u, b in zip(stats["unknown_token_rate"], stats["bytes_per_token"])
    ]
    return stats


def _language_entry(
    r: pd.Series, categories: Any, ref_found: bool, truncated: pd.Series
) -> dict[str, Any]:
    e = filler_entry(r, categories)
    if ref_found:
        e["mean_gap_to_reference"] = float(r["mean_gap_to_reference"])
        e["gap_ci_low"] = float(r["gap_ci_low"])
        e["gap_ci_high"] = float(r["gap_ci_high"])
    e["truncated_rows"] = int(truncated.get(r["code"], 0))
    e["tokenization"] = {
        "unknown_token_rate": float(r["unknown_token_rate"]),
        "bytes_per_token": float(r["bytes_per_token"]),
        "flag": r["tokenization_flag"],
    }
    return e


def _language_summary(
    long: pd.DataFrame,
    rows: list[tuple[Any, Any]],
    langs: list[str],
    s: dict[str, Any],
    entries: list[dict[str, Any]],
    stats: pd.DataFrame,
    reference: str,
    bootstrap: tuple[int, float, int],
) -> LanguageProbeSummary:
    """The summary of one model's language probe (without its skips)."""
    first = long.iloc[0]
    direction = score_direction(str(first["favourable"]))
    n_resamples, confidence, seed = bootstrap
    return {
        "kind": "probe-rm",
        "probe": "languages",
        "slot": {"kind": "language", "fillers": len(langs)},
        "model": str(first["model"]),
        **scored_by(first),
        "ranking": {
            "rule": f"per (item, prompt variant) row, rank 1 = most favourable language "
            f"({direction}); ties averaged; mean rank over rows",
            "ties": "average",
            "bootstrap": {
                "n_resamples": n_resamples,
                "confidence": confidence,
                "seed": seed,
                "over": "rows",
            },
        },
        "n_items": len(dict.fromkeys(i for i, _ in rows)),
        "n_rows": s["n_rows"],
        "rows_by_variant": {c: sum(1 for _, v in rows if v == c) for c in s["categories"]},
        "n_languages": len(langs),
        "languages": entries,
        "reference_language": reference,
        "reference_found": s["reference_found"],
        "reference_rank": s["reference_rank"],
        "reference_mean_rank": s["reference_mean_rank"],
        "share_ranked_below_reference": s["share_ranked_below_reference"],
        "gap": {
            "what": f"mean over rows of score(language) - score({reference}) in the same row, "
            "with a bootstrap CI over rows",
            "score": str(first["score_name"]),
        },
        "tokenization": {
            "what": "each language's distinct responses tokenised alone by the model's tokenizer",
            "max_unknown_token_rate": MAX_UNKNOWN_TOKEN_RATE,
            "min_bytes_per_token": MIN_BYTES_PER_TOKEN,
            "flagged": [c for c, f in zip(stats["code"], stats["tokenization_flag"]) if f],
        },
    }


def _flag(unk: float, bpt: float) -> str | None:
    if unk > MAX_UNKNOWN_TOKEN_RATE:
        return "unknown_tokens"
    if bpt < MIN_BYTES_PER_TOKEN:
        return "byte_fallback"
    return None


def findings(summary: dict[str, Any], n: int = 5) -> dict[str, Any]:
    langs = summary["languages"]
    return {
        "model": summary["model"],
        "reference_language": summary["reference_language"],
        "reference_rank": summary["reference_rank"],
        "share_ranked_below_reference": summary["share_ranked_below_reference"],
        "n_languages": summary["n_languages"],
        "top_languages": [x["code"] for x in langs[:n]],
        "bottom_languages": [x["code"] for x in langs[-n:]],
        "tokenization_flagged": len(summary["tokenization"]["flagged"]),
    }


def write_language_run(
    out_dir: Path, long: pd.DataFrame, stats: pd.DataFrame, summary: dict[str, Any], ranks
) -> dict[str, Any]:
    from auditkit.audit import SUMMARY_FILE
    from auditkit.probes.scoring import SCORES_FILE

    out_dir.mkdir(parents=True, exist_ok=True)
    long = long.copy()
    long["rank"] = ranks.to_numpy()
    write_parquet(long, out_dir / SCORES_FILE)
    write_parquet(stats, out_dir / LANGUAGE_STATS_FILE)
    write_json(out_dir / SUMMARY_FILE, summary)
    return summary


def check_reference(langs: Sequence[str], reference: str) -> None:
    if reference not in langs:
        raise AuditkitError(
            f"reference language {reference!r} is not in the probe set "
            f"({len(langs)} languages); pass --reference-language"
        )
