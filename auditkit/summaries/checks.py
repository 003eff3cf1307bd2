"""Value checks that the summary types carry as ``Annotated`` metadata.

A summary.json is an input like any other (hand-edited, older or newer, tampered with), so a
reader validates it against the same TypedDicts its writer is annotated with
(:func:`auditkit.summaries.validation.validate`). Numbers must be finite: JSON has no NaN and
auditkit writes null for an undefined value, so every number check also accepts null.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any


@dataclass(frozen=True)
class Check:
    """What a scalar must be (``what`` is the error text) and whether null is allowed."""

    what: str
    ok: Callable[[Any], bool]
    nullable: bool = True


def is_finite_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_count(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def between(lo: float, hi: float) -> Check:
    return Check(f"a number in [{lo:g}, {hi:g}]", lambda v: is_finite_number(v) and lo <= v <= hi)


NUMBER = Check("a finite number", is_finite_number)
COUNT = Check("a count (integer >= 0)", _is_count)
BOOLEAN = Check("true or false", lambda v: isinstance(v, bool))

Num = Annotated[float, NUMBER]
Count = Annotated[int, COUNT]
# a count inside a {label: count} table: there null is never right
StrictCount = Annotated[int, Check(COUNT.what, _is_count, nullable=False)]
Flag = Annotated[bool, BOOLEAN]
Share = Annotated[float, between(0, 1)]  # a proportion: shares, rates, accuracies
PValue = Annotated[float, between(0, 1)]
Rho = Annotated[float, between(-1, 1)]  # a correlation; also a difference of two shares
ShareGap = Annotated[float, between(-2, 2)]  # a difference of two differences of shares
ShareRange = Annotated[float, between(0, 2)]
Points = Annotated[float, between(-100, 100)]  # a difference of shares in points

Counts = dict[str, StrictCount]  # {label: count}
