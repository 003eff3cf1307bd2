"""summary.json of `auditkit probe-rm`, one TypedDict per variant it writes.

* country probe, one model: :class:`ProbeCountrySummary` (auditkit.probes.analysis.analyze,
  plus ``probe_set``/``model_id`` from auditkit.probes.api);
* country probe, several models: :class:`ProbeComparisonSummary` (auditkit.probes.api), whose
  ``models`` point to one folder per model;
* language probe (``probe: "languages"``, auditkit.probes.language_probe) and its comparison;
* preference pairs by language (``probe: "pairs"``, auditkit.probes.conversation_api and
  auditkit.probes.pairwise) and its comparison;
* template probes (``probe: "template"``, auditkit.probes.slot_probe).

:func:`probe_summary_type` tells which one a summary is.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from auditkit.summaries.checks import Count, Counts, Flag, Num, PValue, Rho, Share
from auditkit.summaries.common import Skips

# Raise when a key changes meaning or shape (not when one is added). Not in summary.json.
PROBE_RM_SUMMARY_VERSION = 1

# The scorers probe-rm writes in ``scorer`` (auditkit.probes.scorers.SCORERS) and the score
# names it writes in ``score``: reward models (Starling's value head, sequence classifiers, DPO
# implicit rewards) versus the LM likelihood of the mention. A score file without a scorer
# column is written with ``scorer: null`` and ``score: "reward"``: the score names tell then.
REWARD_MODEL_SCORERS = frozenset({"starling", "seq-cls", "dpo"})
LM_SCORERS = frozenset({"lm"})
REWARD_MODEL_SCORES = frozenset({"reward"})
LM_SCORES = frozenset({"mean_nll"})


class Correlation(TypedDict, total=False):
    rho: Rho
    p: PValue
    n: Num


class SurveyCorrelation(Correlation, total=False):
    """Spearman of the mean ranks against one survey's ranking, over the countries in both."""

    countries: list[Any]
    missing: list[Any]
    source: str | None


class CountryRank(TypedDict, total=False):
    country: str
    iso3: str | None
    rank: Num  # 1 = most favourable
    mean_rank: Num
    total_rank: Num
    ci_low: Num
    ci_high: Num
    # against the reference country, when it was probed
    positive_wins: Count
    negative_wins: Count
    win_rate_positive: Num
    win_rate_negative: Num
    category_mean_ranks: dict[str, Num]


class _ScoredBy(TypedDict, total=False):
    model: str | None
    model_id: str | None
    probe_set: str | None
    revision: str | None
    scorer: str | None  # one of REWARD_MODEL_SCORERS | LM_SCORERS, or null
    score: str | None
    favourable: str | None  # "higher" | "lower"
    ranking: dict[str, Any]  # the ranking rule, ties and bootstrap settings, in words
    skips: Skips


class ProbeCountrySummary(_ScoredBy, total=False):
    kind: Literal["probe-rm"]
    n_questions: Count
    n_questions_positive: Count
    n_questions_negative: Count
    n_countries: Count
    questions_by_category: Counts
    countries: list[CountryRank]  # by rank
    correlations: dict[str, SurveyCorrelation]  # by survey
    survey_table: dict[str, Any]  # the paper's Table 3
    reference_country: str | None
    reference_iso3: str | None
    reference_found: Flag
    reference_rank: Num
    reference_mean_rank: Num
    share_ranked_below_reference: Share
    country_selection: dict[str, Any]
    source: dict[str, Any]  # a --scores file: format, path, sha256


class ModelFindings(TypedDict, total=False):
    """One model of a comparison: where its run folder is and its headline numbers."""

    folder: str | None
    model: str | None
    correlations: dict[str, Correlation]
    reference_country: str | None
    reference_rank: Num
    share_ranked_below_reference: Num
    top_countries: list[str]
    bottom_countries: list[str]


class RankingCorrelations(TypedDict, total=False):
    """Model x model Spearman of the mean-rank orders over the countries (or fillers) all
    models ranked."""

    models: list[str]
    n_countries: Count
    n_fillers: Count
    spearman: dict[str, dict[str, Rho]]


class ProbeComparisonSummary(TypedDict, total=False):
    kind: Literal["probe-rm"]
    models: dict[str, ModelFindings]
    ranking_correlations: RankingCorrelations


class LanguageProbeSummary(_ScoredBy, total=False):
    kind: Literal["probe-rm"]
    probe: Literal["languages"]
    slot: dict[str, Any]
    n_items: Count
    n_rows: Count
    rows_by_variant: Counts
    n_languages: Count
    languages: list[dict[str, Any]]  # by rank: code, name, mean_rank, rank, CI, gap, tokens
    reference_language: str | None
    reference_found: Flag
    reference_rank: Num
    reference_mean_rank: Num
    share_ranked_below_reference: Num
    gap: dict[str, Any]
    tokenization: dict[str, Any]


class LanguageAccuracy(TypedDict, total=False):
    code: str
    name: str | None
    n: Count
    accuracy: Share
    ci_low: Share
    ci_high: Share
    ties: Count
    correct: Count
    language_from: list[str]
    truncated: Count
    gap_to_reference: Rho
    test: str | None
    n_paired: Count
    p: PValue
    p_holm: PValue


class PairwiseAccuracy(TypedDict, total=False):
    rule: str
    confidence: Share
    reference_language: str | None
    reference_found: Flag
    overall: dict[str, Any]  # n, accuracy, ci_low, ci_high, ties
    by_language: list[LanguageAccuracy]  # by n, then code
    tests: str


class PairsProbeSummary(_ScoredBy, total=False):
    kind: Literal["probe-rm"]
    probe: Literal["pairs"]
    n_pairs: Count
    language_source: Counts
    pairwise_accuracy: PairwiseAccuracy


class LanguageComparisonSummary(TypedDict, total=False):
    """Several models' language probes or pairs (``probe`` says which)."""

    kind: Literal["probe-rm"]
    probe: Literal["languages", "pairs"]
    models: dict[str, dict[str, Any]]  # folder and each model's findings
    language_by_model: dict[str, Any]
    ranking_correlations: RankingCorrelations  # language probes only


class TemplateProbeSummary(TypedDict, total=False):
    """A template probe with a user-defined slot; its fillers are under ``fillers`` (or
    ``languages`` for a language slot). Several models: ``models`` as in a comparison."""

    kind: Literal["probe-rm"]
    probe: Literal["template"]
    slot: dict[str, Any]
    models: dict[str, dict[str, Any]]
    ranking_correlations: RankingCorrelations


ProbeRmSummary = (
    ProbeCountrySummary
    | ProbeComparisonSummary
    | LanguageProbeSummary
    | PairsProbeSummary
    | LanguageComparisonSummary
    | TemplateProbeSummary
)


def is_comparison(summary: dict[str, Any]) -> bool:
    """A probe-rm summary over several models: ``models`` points to one folder per model."""
    return "countries" not in summary and isinstance(summary.get("models"), dict)


def probe_summary_type(summary: dict[str, Any]) -> type:
    """The TypedDict of a probe-rm summary, told by its ``probe`` key and shape."""
    probe = summary.get("probe")
    if probe == "template":
        return TemplateProbeSummary
    if probe in ("languages", "pairs"):
        if is_comparison(summary):
            return LanguageComparisonSummary
        return LanguageProbeSummary if probe == "languages" else PairsProbeSummary
    return ProbeComparisonSummary if is_comparison(summary) else ProbeCountrySummary
