"""The typed, versioned summary.json of each run kind: one declaration of each shape.

Each side's writer is annotated with its TypedDict and ``report``/``check`` validate and read
through the same types (:func:`validate_summary`), so a key is added, renamed or removed in
one place. A ``*_SUMMARY_VERSION`` constant per kind is raised when a key changes meaning or
shape; it is not written into summary.json (released summaries stay byte-identical).

Foundation layer: imports nothing of auditkit but ``errors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.errors import InputError
from auditkit.summaries.common import SkipReason, Skips
from auditkit.summaries.countries import COUNTRIES_SUMMARY_VERSION, CountriesSummary
from auditkit.summaries.eval import EVAL_SUMMARY_VERSION, EvalSummary
from auditkit.summaries.lang import LANG_SUMMARY_VERSION, LangSummary
from auditkit.summaries.probe_rm import (
    LM_SCORERS,
    LM_SCORES,
    PROBE_RM_SUMMARY_VERSION,
    REWARD_MODEL_SCORERS,
    REWARD_MODEL_SCORES,
    LanguageComparisonSummary,
    LanguageProbeSummary,
    PairsProbeSummary,
    ProbeComparisonSummary,
    ProbeCountrySummary,
    ProbeRmSummary,
    TemplateProbeSummary,
    is_comparison,
    probe_summary_type,
)
from auditkit.summaries.validation import validate

__all__ = [
    "COUNTRIES_SUMMARY_VERSION",
    "EVAL_SUMMARY_VERSION",
    "LANG_SUMMARY_VERSION",
    "LM_SCORERS",
    "LM_SCORES",
    "PROBE_RM_SUMMARY_VERSION",
    "REWARD_MODEL_SCORERS",
    "REWARD_MODEL_SCORES",
    "SUMMARY_VERSIONS",
    "CountriesSummary",
    "EvalSummary",
    "LangSummary",
    "LanguageComparisonSummary",
    "LanguageProbeSummary",
    "PairsProbeSummary",
    "ProbeComparisonSummary",
    "ProbeCountrySummary",
    "ProbeRmSummary",
    "SkipReason",
    "Skips",
    "TemplateProbeSummary",
    "is_comparison",
    "probe_summary_type",
    "summary_type",
    "validate",
    "validate_summary",
]

SUMMARY_VERSIONS = {
    "lang": LANG_SUMMARY_VERSION,
    "countries": COUNTRIES_SUMMARY_VERSION,
    "probe-rm": PROBE_RM_SUMMARY_VERSION,
    "eval": EVAL_SUMMARY_VERSION,
}
_TYPES: dict[str, type] = {
    "lang": LangSummary,
    "countries": CountriesSummary,
    "eval": EvalSummary,
}


def summary_type(kind: str, summary: dict[str, Any]) -> type | None:
    """The TypedDict of a ``kind`` summary (probe-rm: of its variant); None for no known kind."""
    return probe_summary_type(summary) if kind == "probe-rm" else _TYPES.get(kind)


def validate_summary(kind: str, summary: Any, where: Path) -> None:
    """Raise InputError naming ``where`` and the key path where ``summary`` has the wrong shape."""
    if not isinstance(summary, dict):
        raise InputError("expected a JSON object", where)
    shape = summary_type(kind, summary)
    if shape is not None:
        validate(summary, shape, where)
