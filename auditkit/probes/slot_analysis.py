"""The rank machinery for any slot kind: fillers ranked per row, then by mean rank.

The country probe (analysis.py) ranks countries; this module runs the same pure steps
(``rank_matrix``, ``wins_against``, the bootstrap of mean ranks over rows) for any filler kind
and keys results by the filler's code: languages (``code`` = auditkit's language code) or a
user-defined list (``code`` = the filler as written). The language probe adds to it the reward
gap to the reference language and the tokenizer's representation of each language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.probes.analysis import rank_matrix, wins_against
from auditkit.stats import bootstrap_mean_ci_columns, spearman, spearman_matrix

# A language whose texts the tokenizer represents this badly confounds its reward: unknown
# tokens lose text outright; near one UTF-8 byte per token means byte fallback (a script
# outside the vocabulary; well-covered scripts give 2.5-6 bytes per token).
MAX_UNKNOWN_TOKEN_RATE = 0.01
MIN_BYTES_PER_TOKEN = 1.5


@dataclass
class FillerAnalysis:
    stats: pd.DataFrame  # one row per filler, by rank
    ranks: np.ndarray  # [rows kept, fillers]
    kept_rows: np.ndarray
    summary: dict[str, Any]


def scored_by(first: pd.Series) -> dict[str, Any]:
    """Who scored a probe and how, from the first row of its long score table: the summary
    keys every per-model probe summary shares (after ``model``)."""
    revision = first["revision"]
    return {
        "revision": revision if isinstance(revision, str) else None,
        "scorer": str(first["scorer"]),
        "score": str(first["score_name"]),
        "favourable": str(first["favourable"]),
    }


def score_direction(favourable: str) -> str:
    """How a ranking reads its scores, in words (the summaries' ranking rule)."""
    if favourable == "higher":
        return "higher score = more favourable"
    return "lower score (loss) = more likely = more favourable"


def rank_fillers(
    values: np.ndarray,
    codes: Sequence[str],
    names: Sequence[str],
    categories: Sequence[str],
    favourable: str,
    reference: str | None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    negative: np.ndarray | None = None,
) -> FillerAnalysis:
    """Per-row ranks (rank 1 = most favourable; ties averaged), mean rank with a bootstrap CI
    over rows, win rate against the reference filler, mean ranks per row category."""
    from scipy.stats import rankdata

    vals = np.asarray(values, dtype=np.float64)
    codes, names = list(codes), list(names)
    if vals.shape != (len(categories), len(codes)):
        raise ValueError("values shape does not match rows x fillers")
    if len(codes) < 2:
        raise AuditkitError(f"fewer than two fillers to rank ({', '.join(codes)})")
    neg = np.zeros(vals.shape[0], dtype=bool) if negative is None else np.asarray(negative)
    keep = np.flatnonzero(~np.isnan(vals).any(axis=1))
    if keep.size == 0:
        raise AuditkitError("no row has a score for every filler")
    vals, neg = vals[keep], neg[keep]
    cats = [categories[i] for i in keep]
    ranks = rank_matrix(vals, neg, favourable, ties="average")
    n = vals.shape[0]
    mean_rank = ranks.mean(axis=0)
    final = rankdata(mean_rank, method="min").astype(int)
    lo, hi = bootstrap_mean_ci_columns(ranks, n_resamples, confidence, seed)
    stats = pd.DataFrame(
        {
            "code": codes,
            "name": names,
            "mean_rank": mean_rank,
            "rank": final,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    stats["n"] = n
    ref_idx = codes.index(reference) if reference in codes else None
    if ref_idx is not None:
        wins = wins_against(vals, neg, favourable, ref_idx)
        stats["win_rate_vs_reference"] = wins.mean(axis=0)
        stats.loc[ref_idx, "win_rate_vs_reference"] = np.nan
    else:
        stats["win_rate_vs_reference"] = np.nan
    cat_names = list(dict.fromkeys(c for c in cats if c))
    for c in cat_names:
        m = np.array([x == c for x in cats])
        stats[f"category_mean_rank:{c}"] = ranks[m].mean(axis=0)
    order = stats.sort_values(["rank", "mean_rank", "code"], kind="stable").index
    stats = stats.loc[order].reset_index(drop=True)
    others = np.arange(len(codes)) != ref_idx if ref_idx is not None else None
    summary = {
        "n_rows": int(n),
        "n_fillers": len(codes),
        "reference": reference,
        "reference_found": ref_idx is not None,
        "reference_rank": int(final[ref_idx]) if ref_idx is not None else None,
        "reference_mean_rank": float(mean_rank[ref_idx]) if ref_idx is not None else None,
        "share_ranked_below_reference": (
            float(np.mean(mean_rank[others] > mean_rank[ref_idx])) if ref_idx is not None else None
        ),
        "categories": cat_names,
    }
    return FillerAnalysis(stats, ranks, keep, summary)


def filler_entry(row: pd.Series, categories: Sequence[str]) -> dict[str, Any]:
    win = row["win_rate_vs_reference"]
    return {
        "code": row["code"],
        "name": row["name"],
        "mean_rank": float(row["mean_rank"]),
        "rank": int(row["rank"]),
        "ci_low": float(row["ci_low"]),
        "ci_high": float(row["ci_high"]),
        "win_rate_vs_reference": None if win != win else float(win),
        "n": int(row["n"]),
        "category_mean_ranks": {c: float(row[f"category_mean_rank:{c}"]) for c in categories},
    }


def reference_correlation(
    mean_ranks: dict[str, float], reference_ranks: dict[str, float], name: str
) -> dict[str, Any]:
    """Spearman between the fillers' mean ranks and a reference ranking over common codes."""
    common = [c for c in reference_ranks if c in mean_ranks]
    res = spearman(
        np.array([mean_ranks[c] for c in common]), np.array([reference_ranks[c] for c in common])
    )
    missing = [c for c in reference_ranks if c not in mean_ranks]
    return {**res, "name": name, "fillers": common, "missing": missing}


def filler_ranking_correlations(mean_ranks: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Spearman rho between models' mean-rank orders over the fillers they share (model x model)."""
    models = list(mean_ranks)
    common = sorted(set.intersection(*(set(v) for v in mean_ranks.values()))) if models else []
    if len(common) < 3:
        mat = np.full((len(models), len(models)), np.nan)
    else:
        mat = spearman_matrix(np.array([[mean_ranks[m][c] for m in models] for c in common]))
    return {
        "models": models,
        "n_fillers": len(common),
        "spearman": {
            a: {b: float(mat[i, j]) for j, b in enumerate(models)} for i, a in enumerate(models)
        },
    }
