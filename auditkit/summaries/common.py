"""Parts that several kinds of summary share."""

from __future__ import annotations

from typing import TypedDict

from auditkit.summaries.checks import Count


class SkipReason(TypedDict, total=False):
    count: Count
    examples: list[str | None]


class Skips(TypedDict, total=False):
    """What a run skipped and why (auditkit.skips.SkipLog.as_dict)."""

    total: Count
    by_reason: dict[str, SkipReason]
