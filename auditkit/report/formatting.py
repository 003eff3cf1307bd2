"""Number formatting shared by the terminal, HTML and Markdown renderings."""

from __future__ import annotations

from typing import Any

from auditkit.report.runs import num


def pct(v: Any, digits: int = 1, missing: str = "–") -> str:
    """A share as a percentage ('12.3%'); ``missing`` for anything that is not a finite number."""
    f = num(v)
    return missing if f is None else f"{100 * f:.{digits}f}%"
