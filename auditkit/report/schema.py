"""The shape of each kind's summary.json, as `report` and `check` read it.

A summary.json is an input like any other: hand-edited, written by an older or newer auditkit,
or tampered with. ``validate_summary`` checks every key the report and the policy metrics read
(absent keys are allowed: the readers fall back; present ones must have the type they expect),
so a bad file is one error naming the file and the key path instead of a TypeError or
AttributeError in the middle of rendering. Numbers must be finite (JSON has no NaN; auditkit
writes null), counts non-negative integers; unknown keys are ignored (newer writers add keys).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from auditkit.errors import InputError


class Schema:
    def check(self, value: Any, path: str, where: Path) -> None:  # pragma: no cover
        raise NotImplementedError

    def fail(self, value: Any, path: str, where: Path, what: str) -> None:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise InputError(f"expected {what}, got {shown}", where, field=path or None)


class Scalar(Schema):
    def __init__(self, what: str, ok, nullable: bool = True) -> None:
        self.what, self.ok, self.nullable = what, ok, nullable

    def check(self, value: Any, path: str, where: Path) -> None:
        if value is None and self.nullable:
            return
        if not self.ok(value):
            self.fail(value, path, where, self.what + (" or null" if self.nullable else ""))


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


NUM = Scalar("a finite number", _is_num)


def between(lo: float, hi: float) -> Scalar:
    return Scalar(f"a number in [{lo:g}, {hi:g}]", lambda v: _is_num(v) and lo <= v <= hi)


SHARE = between(0, 1)
P_VALUE = between(0, 1)
RHO = between(-1, 1)
COUNT = Scalar(
    "a count (integer >= 0)",
    lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
)
STR = Scalar("a string", lambda v: isinstance(v, str), nullable=False)
OPT_STR = Scalar("a string", lambda v: isinstance(v, str))
BOOL = Scalar("true or false", lambda v: isinstance(v, bool))


class ListOf(Schema):
    def __init__(self, item: Schema, nullable: bool = False) -> None:
        self.item, self.nullable = item, nullable

    def check(self, value: Any, path: str, where: Path) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, list):
            self.fail(value, path, where, "a list")
        for i, v in enumerate(value):
            self.item.check(v, f"{path}.{i}", where)


class MapOf(Schema):
    """An object with keys chosen by the data (model ids, groups, countries)."""

    def __init__(self, value: Schema, nullable: bool = False) -> None:
        self.value, self.nullable = value, nullable

    def check(self, value: Any, path: str, where: Path) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, dict):
            self.fail(value, path, where, "an object")
        for k, v in value.items():
            self.value.check(v, f"{path}.{k}" if path else str(k), where)


class Record(Schema):
    """An object with known keys (each optional; others ignored)."""

    def __init__(self, fields: dict[str, Schema], nullable: bool = False) -> None:
        self.fields, self.nullable = fields, nullable

    def check(self, value: Any, path: str, where: Path) -> None:
        if value is None and self.nullable:
            return
        if not isinstance(value, dict):
            self.fail(value, path, where, "an object")
        for k, s in self.fields.items():
            if k in value:
                s.check(value[k], f"{path}.{k}" if path else k, where)


ANY_OBJECT = MapOf(Scalar("anything", lambda v: True))
SKIPS = Record(
    {
        "total": COUNT,
        "by_reason": MapOf(Record({"count": COUNT, "examples": ListOf(OPT_STR)})),
    }
)
COUNTS = MapOf(Scalar(COUNT.what, COUNT.ok, nullable=False))

LANG = Record(
    {
        "corpus": OPT_STR,
        "format": OPT_STR,
        "languages": ListOf(Record({"code": STR, "name": OPT_STR, "count": COUNT, "share": SHARE})),
        "low_resource": ListOf(Record({"code": STR, "name": OPT_STR, "count": COUNT})),
        "low_resource_threshold": COUNT,
        "fasttext_only_languages": ListOf(Record({"code": STR, "fasttext_count": COUNT})),
        "non_english_share": SHARE,
        "agreement_rate": SHARE,
        "disagreement_rate": SHARE,
        **{
            f"utterances_{k}": COUNT
            for k in ("total", "agreed", "disagreed", "empty", "low_confidence", "stripped")
        },
        "study_languages": COUNTS,
        "by_role": MapOf(COUNTS),
        "by_source": MapOf(COUNTS),
        "by_turn": MapOf(COUNTS),
        "human_label_agreement": Record({"rate": NUM, "with_agreed_label": COUNT}),
        "skips": SKIPS,
        "config": ANY_OBJECT,
        "detectors": ANY_OBJECT,
    },
)

CORRELATION = Record({"rho": RHO, "p": P_VALUE, "n": NUM})
PROBE = Record(
    {
        "model": OPT_STR,
        "favourable": OPT_STR,
        "score": OPT_STR,
        "scorer": OPT_STR,
        "n_questions": COUNT,
        "n_countries": COUNT,
        "reference_country": OPT_STR,
        "reference_rank": NUM,
        "share_ranked_below_reference": SHARE,
        "correlations": MapOf(CORRELATION),
        "countries": ListOf(
            Record(
                {
                    "country": STR,
                    "iso3": OPT_STR,
                    "rank": NUM,
                    "mean_rank": NUM,
                    "mean_score": NUM,
                    "ci_low": NUM,
                    "ci_high": NUM,
                    "win_rate_positive": NUM,
                    "win_rate_negative": NUM,
                }
            )
        ),
        # a comparison run: one entry per model, and the model x model matrix
        "models": MapOf(
            Record(
                {
                    "folder": OPT_STR,
                    "correlations": MapOf(CORRELATION),
                    "reference_rank": NUM,
                    "share_ranked_below_reference": NUM,
                }
            )
        ),
        "ranking_correlations": Record(
            {
                "models": ListOf(STR),
                "spearman": MapOf(MapOf(RHO)),
                "n_countries": COUNT,
            }
        ),
        "skips": SKIPS,
    },
)

STAGE = Record({"model": OPT_STR, "stage": OPT_STR})
EVAL = Record(
    {
        "task": OPT_STR,
        "axis": OPT_STR,
        "metric": OPT_STR,
        "binary": BOOL,
        "group_label": OPT_STR,
        "groups": ListOf(STR),
        "reference_group": OPT_STR,
        # every eval metric is a proportion or a similarity in [0, 1]
        "models": MapOf(
            MapOf(Record({"value": SHARE, "ci_low": SHARE, "ci_high": SHARE, "n": COUNT}))
        ),
        "chains": ListOf(Record({"name": STR, "stages": ListOf(STAGE)})),
        "steps": ListOf(
            Record(
                {
                    "chain": STR,
                    "from": OPT_STR,
                    "to": OPT_STR,
                    "from_stage": OPT_STR,
                    "to_stage": OPT_STR,
                    "group": STR,
                    "n": COUNT,
                    "test": OPT_STR,
                    "data": ListOf(STR),
                    **{k: between(-1, 1) for k in ("delta", "delta_ci_low", "delta_ci_high")},
                    **{k: between(-100, 100) for k in ("delta_points", "delta_points_rounded")},
                    **{k: SHARE for k in ("from_value", "to_value")},
                    **{k: P_VALUE for k in ("p", "p_holm")},
                }
            )
        ),
        "disparities": ListOf(
            Record(
                {
                    "chain": STR,
                    "from_stage": OPT_STR,
                    "to_stage": OPT_STR,
                    "max_group": OPT_STR,
                    "min_group": OPT_STR,
                    "reference_group": OPT_STR,
                    "range": between(0, 2),
                    "vs_reference": MapOf(
                        Record(
                            {
                                "value": between(-2, 2),
                                "ci_low": between(-2, 2),
                                "ci_high": between(-2, 2),
                                "p": P_VALUE,
                            }
                        )
                    ),
                }
            )
        ),
        "percent": BOOL,
        # opinion tasks: the reference group minus each group, per model and along each step
        "reference_gaps": MapOf(
            MapOf(
                Record(
                    {
                        "value": between(-1, 1),
                        "ci_low": between(-1, 1),
                        "ci_high": between(-1, 1),
                        "n": COUNT,
                    }
                )
            )
        ),
        "reference_gap_steps": ListOf(
            Record(
                {
                    "chain": STR,
                    "from_stage": OPT_STR,
                    "to_stage": OPT_STR,
                    "group": STR,
                    "n": COUNT,
                    "data": ListOf(STR),
                    **{k: between(-1, 1) for k in ("from_value", "to_value")},
                    **{k: between(-2, 2) for k in ("delta", "delta_ci_low", "delta_ci_high")},
                    **{k: P_VALUE for k in ("p", "p_holm")},
                }
            )
        ),
        "statistics": Record({"confidence": SHARE, "n_resamples": COUNT}),
        "skips": SKIPS,
        "rows": COUNTS,
    },
)

SCHEMAS: dict[str, Schema] = {"lang": LANG, "probe-rm": PROBE, "eval": EVAL}

# The parts of audit.json the report shows (inputs and versions); rerun checks the rest.
AUDIT = Record(
    {
        "kind": OPT_STR,
        "inputs": ListOf(
            Record({"path": OPT_STR, "sha256": OPT_STR, "hub_id": OPT_STR, "revision": OPT_STR}),
            nullable=True,
        ),
        "versions": MapOf(OPT_STR, nullable=True),
        "platform": MapOf(OPT_STR, nullable=True),
        "started": OPT_STR,
        "finished": OPT_STR,
    }
)


def validate_audit(record: Any, where: Path) -> None:
    AUDIT.check(record, "", where)


def validate_summary(kind: str, summary: Any, where: Path) -> None:
    """Raise InputError naming the file and key path where ``summary`` has the wrong shape."""
    if not isinstance(summary, dict):
        raise InputError("expected a JSON object", where)
    schema = SCHEMAS.get(kind)
    if schema is not None:
        schema.check(summary, "", where)
