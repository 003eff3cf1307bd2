"""From a question x country score matrix to country rankings, win rates and correlations.

Follows the study's code/analysis/ask-reddit-correlation.py:

* per question, countries are ranked by score, rank 1 = most favourable: the highest reward for
  a positive question and the lowest for a negative one (for LM likelihood, where lower loss
  = more likely, the directions swap);
* a country's mean rank is its total rank over questions divided by the number of questions;
* a country "wins" a question against the reference country (default USA) when its score is
  strictly more favourable; win rates are split by sentiment;
* Spearman's rho between the mean ranks and a survey's rank order (Gallup's US favourability
  of 2017 and 2023) over the countries present in both.

Everything here is a pure function of arrays and small tables; reading files lives in
scorefiles.py.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.probes.countries import Country, iso3, lookup
from auditkit.skips import SkipLog
from auditkit.stats import bootstrap_mean_ci_columns, ordinal_ranks, spearman, spearman_matrix
from auditkit.summaries import ProbeCountrySummary

QUESTION_COLUMNS = ("question_id", "question", "sentiment", "category", "search_query", "template")
FAVOURABLE = ("higher", "lower")


@dataclass
class ScoreMatrix:
    """Scores of one model: ``values[q, c]`` for question q (row of ``questions``) and country
    ``countries[c]`` (names as the source spells them, in the source's order)."""

    model: str
    favourable: str
    score_name: str
    questions: pd.DataFrame
    countries: list[str]
    values: np.ndarray
    revision: str | None = None
    scorer: str | None = None
    texts: np.ndarray | None = None  # filled responses when auditkit scored them
    source: dict[str, Any] = field(default_factory=dict)
    skips: SkipLog = field(default_factory=SkipLog)

    def __post_init__(self) -> None:
        if self.favourable not in FAVOURABLE:
            raise AuditkitError(f"favourable must be 'higher' or 'lower', got {self.favourable!r}")
        for col in QUESTION_COLUMNS:
            if col not in self.questions.columns:
                self.questions[col] = None
        if self.values.shape != (len(self.questions), len(self.countries)):
            raise ValueError("values shape does not match questions x countries")


@dataclass(frozen=True)
class Survey:
    """A reference ranking of countries (rank 1 = most favourable)."""

    name: str
    countries: tuple[str, ...]
    ranks: tuple[float, ...]
    source: str = ""


def builtin_surveys() -> list[Survey]:
    """Gallup's US favourability rank orders of 2017 and 2023, as the study used them."""
    text = (
        resources.files("auditkit.probes")
        .joinpath("data/gallup_us_favorability_rank.csv")
        .read_text(encoding="utf-8")
    )
    return _surveys_from_rows(
        csv.DictReader(line for line in text.splitlines() if not line.startswith("#")),
        "auditkit/probes/data/gallup_us_favorability_rank.csv",
    )


def load_surveys(path) -> list[Survey]:
    """Reference rankings from a CSV with columns survey (or year), rank, country."""
    from auditkit.errors import InputError

    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    if not rows or "country" not in rows[0] or "rank" not in rows[0]:
        raise InputError("expected columns survey (or year), rank, country", path, 1)
    for i, r in enumerate(rows, start=2):
        try:
            float(r["rank"])
        except (TypeError, ValueError):
            raise InputError(f"rank is not a number: {r['rank']!r}", path, i, "rank") from None
        try:
            iso3(r["country"])
        except AuditkitError as e:
            raise InputError(str(e), path, i, "country") from e
    return _surveys_from_rows(rows, str(path))


def _surveys_from_rows(rows, source: str) -> list[Survey]:
    groups: dict[str, list[tuple[float, str]]] = {}
    for r in rows:
        name = r.get("survey") or (f"gallup_{r['year']}" if r.get("year") else "reference")
        groups.setdefault(name, []).append((float(r["rank"]), r["country"].strip()))
    return [
        Survey(name, tuple(c for _, c in sorted(v)), tuple(rk for rk, _ in sorted(v)), source)
        for name, v in groups.items()
    ]


# --- pure steps -----------------------------------------------------------------------------


def favourable_ascending(negative: np.ndarray, favourable: str) -> np.ndarray:
    """Per question: sort scores ascending to put the most favourable first?

    Reward ('higher'): positive -> descending, negative -> ascending. Loss ('lower'): reversed.
    """
    neg = np.asarray(negative, dtype=bool)
    return neg if favourable == "higher" else ~neg


def rank_matrix(
    values: np.ndarray, negative: np.ndarray, favourable: str, ties: str = "study"
) -> np.ndarray:
    """Ranks per question (rows): 1 = most favourable country."""
    asc = favourable_ascending(negative, favourable)
    return np.vstack([ordinal_ranks(row, bool(a), ties) for row, a in zip(values, asc)])


def wins_against(values: np.ndarray, negative: np.ndarray, favourable: str, ref: int) -> np.ndarray:
    """wins[q, c]: country c's score is strictly more favourable than the reference's."""
    asc = favourable_ascending(negative, favourable)
    sign = np.where(asc, -1.0, 1.0)[:, None]  # ascending = lower is better
    key = values * sign
    return key > key[:, [ref]]


def survey_correlation(
    mean_ranks: np.ndarray, codes: list[str | None], names: list[str], survey: Survey
) -> dict[str, Any]:
    """Spearman between mean ranks and a survey's ranks over the countries in both."""
    col_of: dict[str, int] = {}
    for j, (c, n) in enumerate(zip(codes, names)):
        col_of[c or f"name:{n}"] = j
    used, missing, model_vals, survey_vals = [], [], [], []
    for name, rank in zip(survey.countries, survey.ranks):
        code = iso3(name)
        j = col_of.get(code or f"name:{name}")
        if j is None:
            missing.append(name)
            continue
        used.append(names[j])
        model_vals.append(mean_ranks[j])
        survey_vals.append(rank)
    res = spearman(np.array(model_vals), np.array(survey_vals))
    return {**res, "countries": used, "missing": missing, "source": survey.source}


def survey_table(
    mean_ranks: np.ndarray, codes: list[str | None], names: list[str], surveys: list[Survey]
) -> dict[str, Any]:
    """The paper's Table 3: every country of the surveys (the union of both Gallup polls, in
    the first survey's order, then the others'), its mean rank, its final rank among the
    survey countries the model ranked (1 = most favourable), and each survey's rank."""
    from scipy.stats import rankdata

    col_of = {(c or f"name:{n}"): j for j, (c, n) in enumerate(zip(codes, names))}
    order: list[tuple[str, str]] = []  # (key, name as the survey spells it)
    ranks: dict[str, dict[str, float]] = {}
    for sv in surveys:
        for name, rank in zip(sv.countries, sv.ranks):
            key = iso3(name) or f"name:{name}"
            if key not in ranks:
                order.append((key, name))
                ranks[key] = {}
            ranks[key][sv.name] = rank
    present = [k for k, _ in order if k in col_of]
    final = rankdata([mean_ranks[col_of[k]] for k in present], method="min") if present else []
    final_of = dict(zip(present, (int(r) for r in final)))
    rows = []
    for key, name in order:
        j = col_of.get(key)
        rows.append(
            {
                "country": names[j] if j is not None else name,
                "iso3": key if not key.startswith("name:") else None,
                "mean_rank": float(mean_ranks[j]) if j is not None else None,
                "final_rank": final_of.get(key),
                "survey_ranks": {
                    sv.name: (int(r) if float(r).is_integer() else r)
                    if (r := ranks[key].get(sv.name)) is not None
                    else None
                    for sv in surveys
                },
            }
        )
    rows.sort(key=lambda r: (r["final_rank"] is None, r["final_rank"] or 0))
    return {
        "surveys": [sv.name for sv in surveys],
        "n_countries": len(present),
        "final_rank": "rank of the mean rank among the survey countries the model ranked "
        "(1 = most favourable)",
        "rows": rows,
    }


def select_countries(
    names: list[str], wanted: list[Country] | None
) -> tuple[list[int], list[str], list[str]]:
    """Columns of ``names`` kept by ``wanted`` (matched by ISO code, else by exact name), in
    the source's order; plus the names excluded and the wanted countries missing."""
    codes = [iso3(n) for n in names]
    if wanted is None:
        return list(range(len(names))), [], []
    want_codes = {c.iso3 for c in wanted if c.iso3}
    want_names = {c.name for c in wanted}
    keep = [
        j
        for j, (n, c) in enumerate(zip(names, codes))
        if (c and c in want_codes) or n in want_names
    ]
    kept_codes = {codes[j] for j in keep}
    kept_names = {names[j] for j in keep}
    excluded = [names[j] for j in range(len(names)) if j not in set(keep)]
    missing = [
        c.name for c in wanted if not ((c.iso3 and c.iso3 in kept_codes) or c.name in kept_names)
    ]
    return keep, excluded, missing


@dataclass
class Analysis:
    country_stats: pd.DataFrame  # one row per analysed country, by rank
    ranks: np.ndarray  # [questions kept, countries kept]
    kept_questions: np.ndarray  # indices into matrix.questions
    kept_countries: list[int]  # indices into matrix.countries
    summary: ProbeCountrySummary


def analyze(
    matrix: ScoreMatrix,
    countries: list[Country] | None = None,
    reference: str = "USA",
    ties: str = "study",
    surveys: list[Survey] | None = None,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Analysis:
    """Rank countries per question and summarise; ``countries=None`` keeps every column."""
    skips = SkipLog()
    skips.merge(matrix.skips)
    keep, excluded, missing = select_countries(matrix.countries, countries)
    if len(keep) < 2:
        raise AuditkitError(
            f"{matrix.model}: fewer than two of the selected countries have scores "
            f"(missing: {', '.join(missing[:10])})"
        )
    names = [matrix.countries[j] for j in keep]
    codes = [iso3(n) for n in names]
    vals, kept_q = _complete_questions(matrix, keep, skips)
    qs = matrix.questions.iloc[kept_q].reset_index(drop=True)
    negative = (qs["sentiment"] == "negative").to_numpy()
    ranks = rank_matrix(vals, negative, matrix.favourable, ties)
    ref_country, ref_idx = _reference(reference, names, codes)
    categories = sorted(c for c in qs["category"].dropna().unique() if str(c))
    stats, share_below = _country_stats(
        names,
        codes,
        vals,
        ranks,
        negative,
        matrix.favourable,
        ref_idx,
        (n_resamples, confidence, seed),
    )
    for cat in categories:
        stats[f"category_mean_rank:{cat}"] = ranks[(qs["category"] == cat).to_numpy()].mean(axis=0)
    mean_rank, final = stats["mean_rank"].to_numpy(), stats["rank"].to_numpy()
    stats = stats.sort_values(["rank", "mean_rank", "country"], kind="stable").reset_index(
        drop=True
    )
    surveys = builtin_surveys() if surveys is None else surveys
    n_pos, n_neg = int((~negative).sum()), int(negative.sum())
    summary: ProbeCountrySummary = {
        "kind": "probe-rm",
        "model": matrix.model,
        "revision": matrix.revision,
        "scorer": matrix.scorer,
        "score": matrix.score_name,
        "favourable": matrix.favourable,
        "ranking": _ranking_rule(matrix.favourable, ties, n_resamples, confidence, seed),
        "n_questions": vals.shape[0],
        "n_questions_positive": n_pos,
        "n_questions_negative": n_neg,
        "n_countries": len(names),
        "questions_by_category": {c: int((qs["category"] == c).sum()) for c in categories},
        "countries": [
            _country_entry(r, ref_idx is not None, categories) for _, r in stats.iterrows()
        ],
        "correlations": {s.name: survey_correlation(mean_rank, codes, names, s) for s in surveys},
        "survey_table": survey_table(mean_rank, codes, names, surveys),
        "reference_country": (
            names[ref_idx] if ref_idx is not None else (ref_country.name if ref_country else None)
        ),
        "reference_iso3": ref_country.iso3 if ref_country else None,
        "reference_found": ref_idx is not None,
        "reference_rank": int(final[ref_idx]) if ref_idx is not None else None,
        "reference_mean_rank": float(mean_rank[ref_idx]) if ref_idx is not None else None,
        "share_ranked_below_reference": share_below,
        "country_selection": {
            "analysed": len(names),
            "excluded_from_scores": {"count": len(excluded), "names": excluded},
            "missing_from_scores": missing,
        },
        "skips": skips.as_dict(),
    }
    return Analysis(stats, ranks, kept_q, keep, summary)


def _complete_questions(
    matrix: ScoreMatrix, keep: list[int], skips: SkipLog
) -> tuple[np.ndarray, np.ndarray]:
    """The kept countries' scores of the questions scored for all of them, and those
    questions' indices; every other question is a skip."""
    vals = matrix.values[:, keep].astype(np.float64)
    qmask = ~np.isnan(vals).any(axis=1)
    qs = matrix.questions
    for i in np.flatnonzero(~qmask):
        skips.add(
            "question with a missing score",
            detail=f"question {qs['question_id'].iloc[i]}: "
            f"{int(np.isnan(vals[i]).sum())} countries without a score",
        )
    kept_q = np.flatnonzero(qmask)
    if kept_q.size == 0:
        raise AuditkitError(f"{matrix.model}: no question has a score for every selected country")
    return vals[kept_q], kept_q


def _reference(
    reference: str, names: list[str], codes: list[str | None]
) -> tuple[Country | None, int | None]:
    """The reference country and its column among the analysed ones (None: not analysed)."""
    ref_country = lookup(reference) if reference else None
    if ref_country is not None:
        for j, (n, c) in enumerate(zip(names, codes)):
            if (ref_country.iso3 and c == ref_country.iso3) or n == ref_country.name:
                return ref_country, j
    return ref_country, None


def _country_stats(
    names: list[str],
    codes: list[str | None],
    vals: np.ndarray,
    ranks: np.ndarray,
    negative: np.ndarray,
    favourable: str,
    ref_idx: int | None,
    bootstrap: tuple[int, float, int],
) -> tuple[pd.DataFrame, float | None]:
    """One row per country (unsorted): mean and final rank, bootstrap CI, and the win rates
    against the reference; and the share of countries ranked below the reference."""
    from scipy.stats import rankdata

    n_q = vals.shape[0]
    total = ranks.sum(axis=0)
    mean_rank = total / n_q
    lo, hi = bootstrap_mean_ci_columns(ranks, *bootstrap)
    stats = pd.DataFrame(
        {
            "country": names,
            "iso3": codes,
            "mean_rank": mean_rank,
            "rank": rankdata(mean_rank, method="min").astype(int),
            "total_rank": total,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    if ref_idx is None:
        return stats, None
    n_pos, n_neg = int((~negative).sum()), int(negative.sum())
    wins = wins_against(vals, negative, favourable, ref_idx)
    stats["positive_wins"] = wins[~negative].sum(axis=0)
    stats["negative_wins"] = wins[negative].sum(axis=0)
    stats["win_rate_positive"] = stats["positive_wins"] / n_pos if n_pos else np.nan
    stats["win_rate_negative"] = stats["negative_wins"] / n_neg if n_neg else np.nan
    stats["win_rate"] = (stats["positive_wins"] + stats["negative_wins"]) / n_q
    others = np.arange(len(names)) != ref_idx
    return stats, float(np.mean(mean_rank[others] > mean_rank[ref_idx]))


def _country_entry(row: pd.Series, with_wins: bool, categories: list[str]) -> dict[str, Any]:
    e = {
        k: row[k]
        for k in ("country", "iso3", "mean_rank", "rank", "total_rank", "ci_low", "ci_high")
    }
    if with_wins:
        for k in ("positive_wins", "negative_wins", "win_rate_positive", "win_rate_negative"):
            e[k] = row[k]
    e["category_mean_ranks"] = {c: row[f"category_mean_rank:{c}"] for c in categories}
    return e


def _ranking_rule(
    favourable: str, ties: str, n_resamples: int, confidence: float, seed: int
) -> dict[str, Any]:
    direction = (
        "higher score = more favourable"
        if favourable == "higher"
        else "lower score (loss) = more likely = more favourable"
    )
    return {
        "rule": f"per question, rank 1 = most favourable ({direction}; "
        "negative-sentiment questions inverted); mean rank = total rank / questions",
        "ties": ties,
        "bootstrap": {
            "n_resamples": n_resamples,
            "confidence": confidence,
            "seed": seed,
            "over": "questions",
        },
    }


def ranking_correlations(analyses: dict[str, Analysis]) -> dict[str, Any]:
    """Spearman rho between models' mean-rank orders over their common countries (Figure 6)."""
    keyed = {}
    for name, a in analyses.items():
        s = a.country_stats
        keyed[name] = {
            (c if isinstance(c, str) else f"name:{n}"): m
            for c, n, m in zip(s["iso3"], s["country"], s["mean_rank"])
        }
    models = list(keyed)
    common = sorted(set.intersection(*(set(k) for k in keyed.values()))) if models else []
    table = np.array([[keyed[m][c] for m in models] for c in common])
    if len(common) < 3:
        mat = np.full((len(models), len(models)), np.nan)
    else:
        mat = spearman_matrix(table)
    return {
        "models": models,
        "n_countries": len(common),
        "spearman": {
            a: {b: float(mat[i, j]) for j, b in enumerate(models)} for i, a in enumerate(models)
        },
    }
