"""summary.json of `auditkit countries` (written by auditkit.countries.aggregate.build_summary)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from auditkit.summaries.checks import Count, Counts, Flag, Num, PValue, Share
from auditkit.summaries.common import Skips

# Raise when a key changes meaning or shape (not when one is added). Not in summary.json.
COUNTRIES_SUMMARY_VERSION = 1


class CountryMentions(TypedDict, total=False):
    iso3: str
    name: str | None
    in_study: Flag
    mentions: Count
    share: Share  # of all mentions
    per_10k_utterances: Num
    by_language: Counts
    mentions_chosen: Count
    mentions_rejected: Count


class CountryRef(TypedDict, total=False):
    iso3: str
    name: str | None


class AmbiguousForm(TypedDict, total=False):
    form: str
    candidates: list[str]
    reason: str
    count: Count


class Ambiguous(TypedDict, total=False):
    total: Count
    forms: list[AmbiguousForm]


class NotCountry(TypedDict, total=False):
    total: Count
    forms: Counts


class MentionBreakdown(TypedDict, total=False):
    """Mentions within one source, role or preference side."""

    utterances: Count
    mentions: Count
    mentions_per_10k_utterances: Num
    countries: Counts


class ChosenVsRejected(TypedDict, total=False):
    """One country's mentions per chosen vs per rejected response (rate ratio, exact test)."""

    iso3: str
    name: str | None
    mentions_chosen: Count
    mentions_rejected: Count
    pairs_chosen_only: Count
    pairs_rejected_only: Count
    pairs_both: Count
    ratio: Num  # null when the rejected side has no mention
    ci_low: Num
    ci_high: Num
    p_value: PValue
    p_holm: PValue


class CountriesPreference(TypedDict, total=False):
    pairs: Count
    responses_chosen: Count
    responses_rejected: Count
    test: str
    confidence: Share
    chosen_vs_rejected: list[ChosenVsRejected]
    more_in_chosen: list[str]
    more_in_rejected: list[str]


class CountriesSummary(TypedDict, total=False):
    kind: Literal["countries"]
    corpus: str | None
    format: str | None
    config: dict[str, Any]
    skips: Skips
    shards: Count
    matcher: dict[str, Any]  # languages, table hash and the versions of its sources
    utterances_total: Count
    utterances_with_country: Count
    utterances_with_ambiguous: Count
    mentions_total: Count
    mentions_per_10k_utterances: Num
    countries_mentioned: Count
    countries: list[CountryMentions]  # by mentions, then iso3
    study_never_mentioned: list[CountryRef]
    ambiguous: Ambiguous
    not_country: NotCountry
    utterance_languages: Counts
    by_source: dict[str, MentionBreakdown]
    by_role: dict[str, MentionBreakdown]
    by_side: dict[str, MentionBreakdown]
    preference: CountriesPreference  # preference corpora only
