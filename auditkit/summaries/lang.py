"""summary.json of `auditkit lang` (written by auditkit.langid.aggregate.build_summary)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from auditkit.summaries.checks import Count, Counts, Num, Share
from auditkit.summaries.common import Skips

# Raise when a key changes meaning or shape (not when one is added): readers that know an
# older version can then say so instead of misreading it. Not written into summary.json.
LANG_SUMMARY_VERSION = 1


class LanguageShare(TypedDict, total=False):
    code: str
    name: str | None
    count: Count
    share: Share  # of agreed utterances


class LowResourceLanguage(TypedDict, total=False):
    code: str
    name: str | None
    count: Count


class FasttextOnlyLanguage(TypedDict, total=False):
    """A language fastText names but langdetect has no profile for (never agreed)."""

    code: str
    name: str | None
    fasttext_count: Count


class LangPreference(TypedDict, total=False):
    """Preference corpora: languages per side (prompt/chosen/rejected) and responses whose
    language differs from their prompt's."""

    by_side: dict[str, Counts]
    examples: Count
    examples_with_other_language_response: Count
    responses: Count
    responses_other_language: Count


class HumanLabelAgreement(TypedDict, total=False):
    utterances_with_human_label: Count
    with_agreed_label: Count
    matches: Count
    rate: Num
    by_human_label: dict[str, Counts]


class LangSummary(TypedDict, total=False):
    kind: Literal["lang"]
    corpus: str | None
    format: str | None
    config: dict[str, Any]  # auditkit.langid's LangConfig as a record
    detectors: dict[str, Any]  # name, package, version and model of each detector
    skips: Skips
    shards: Count
    utterances_total: Count
    utterances_agreed: Count
    utterances_disagreed: Count
    utterances_low_confidence: Count
    utterances_empty: Count
    utterances_stripped: Count
    agreement_rate: Share
    languages: list[LanguageShare]  # by count, then code
    non_english_share: Share
    by_source: dict[str, Counts]
    by_role: dict[str, Counts]
    by_file: dict[str, Counts]  # local corpora only
    by_turn: dict[str, Counts]
    by_detector: dict[str, Counts]
    low_resource_threshold: Count
    low_resource: list[LowResourceLanguage]
    fasttext_only_languages: list[FasttextOnlyLanguage]
    study_languages: Counts
    preference: LangPreference  # preference corpora only
    human_label_agreement: HumanLabelAgreement  # corpora with a human language label only
