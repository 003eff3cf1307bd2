"""The validation layer every reader of per-item outputs goes through (`eval score`).

A reader turns one file into a scored frame and may mark where each row came from in the
``_where`` column ("path:row"), and which file column holds each metric in
``frame.attrs["source_columns"]``; it passes metric cells through as written. ``validate_scored``
then applies the same rules to every format:

* a row without a model, item or group, a group outside the selection (an unknown dialect, or a
  Belebele language not chosen with --groups) and a row whose scored metric is empty are
  dropped and counted as skips with their reason and location (for tasks whose groups share
  items, an empty metric cell is left to the common item set, which counts it);
* a metric cell that is not a number, not finite or outside the metric's domain ({0, 1} for
  binary metrics, else [0, 1]) is an error naming the file, row and column: a corrupt file is
  not scored at all rather than scored wrong.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit.errors import InputError
from auditkit.evals.base import TaskMetric, TaskSpec
from auditkit.skips import SkipLog

WHERE = "_where"  # "path:row" of each scored row, set by the readers that know it
REQUIRED = ("model", "item_id", "group")


def _split_where(where: str) -> tuple[str, int | None]:
    path, _, row = str(where).rpartition(":")
    return (path, int(row)) if path and row.isdigit() else (str(where), None)


def _missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.map(lambda v: isinstance(v, str) and not v.strip())


def metric_domain(metric: TaskMetric) -> str:
    return "0 or 1" if metric.binary else "a number in [0, 1]"


def _in_domain(metric: TaskMetric, values: pd.Series) -> pd.Series:
    v = values.to_numpy(dtype=float)
    ok = np.isin(v, (0.0, 1.0)) if metric.binary else (v >= 0.0) & (v <= 1.0)
    return pd.Series(ok & np.isfinite(v), index=values.index)


def numeric_cells(
    values: pd.Series, where: pd.Series, column: str, what: str = "a number"
) -> pd.Series:
    """Cells as floats (empty -> NaN); a non-numeric or non-finite cell is an error naming
    its file, row and column."""
    num = pd.to_numeric(values, errors="coerce").astype(float)
    bad = (num.isna() & ~_missing(values)) | np.isinf(num)
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        path, row = _split_where(where.iloc[i])
        raise InputError(f"{values.iloc[i]!r} is not {what}", path, row, column)
    return num


def _is_prob(v: object) -> bool:
    return (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, bool)
        and math.isfinite(float(v))
        and 0.0 <= float(v) <= 1.0
    )


def _check_probs(values: pd.Series, where: pd.Series) -> None:
    """Option probabilities: a list of numbers in [0, 1] per row, or nothing."""
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        items = list(v) if isinstance(v, (list, tuple, np.ndarray)) else None
        if items is None or not all(_is_prob(x) for x in items):
            path, row = _split_where(where.iloc[i])
            shown = repr(v) if len(repr(v)) <= 60 else repr(v)[:57] + "..."
            raise InputError(
                f"{shown} is not a list of probabilities in [0, 1]", path, row, "probs"
            )


class _Rows:
    """The rows still kept, and the skip of every row dropped (reason, file, row, column)."""

    def __init__(self, frame: pd.DataFrame, path: Path, skips: SkipLog) -> None:
        self.keep = pd.Series(True, index=frame.index)
        self.where = (
            frame[WHERE].astype(str)
            if WHERE in frame.columns
            else pd.Series(str(path), index=frame.index)
        )
        self.skips = skips

    def skip(
        self, mask: pd.Series, reason: str, column: str | None, detail: pd.Series | None = None
    ) -> None:
        for i in np.flatnonzero((mask & self.keep).to_numpy()):
            p, row = _split_where(self.where.iloc[i])
            detail_text = "" if detail is None else str(detail.iloc[i])
            self.skips.add(reason, p, row, column, detail=detail_text)
        self.keep[mask] = False


def _skip_unscorable(
    frame: pd.DataFrame,
    task: TaskSpec,
    selected_groups: Iterable[str],
    any_group: bool,
    sources: dict[str, str],
    rows: _Rows,
) -> None:
    """Rows without a model, item or group, and groups outside the selection."""
    for col in REQUIRED:
        rows.skip(
            _missing(frame[col]), f"empty {sources.get(col, col)} cell", sources.get(col, col)
        )
    label = task.group_label
    chosen = set(selected_groups) or set(task.groups)
    groups = frame["group"].astype(str)
    outside = ~groups.isin(chosen)
    known = groups.isin(task.groups)
    gcol = sources.get("group", "group")
    rows.skip(
        outside & (known | any_group),
        f"{label} not selected (choose it with --groups)",
        gcol,
        groups,
    )
    rows.skip(outside & ~known & ~any_group, f"unknown {label}", gcol, groups)


def _check_metric(
    out: pd.DataFrame, m: TaskMetric, col: str, rows: _Rows, compared: bool, shared: bool
) -> None:
    """Metric cells as numbers in the metric's domain; an empty cell of the compared metric
    is a counted skip (tasks whose groups share items leave it to the common item set)."""
    num = numeric_cells(out[m.name], rows.where, col)
    bad = num.notna() & ~_in_domain(m, num)
    if bad.any():
        i = bad.to_numpy().nonzero()[0][0]
        p, row = _split_where(rows.where.iloc[i])
        raise InputError(
            f"{out[m.name].iloc[i]!r} is outside the domain of {m.name} ({metric_domain(m)})",
            p,
            row,
            col,
        )
    out[m.name] = num
    # Tasks whose groups share items (GlobalOpinionQA) keep an empty cell as NaN: the
    # common item set drops the whole item and counts each of its cells (evals.analysis).
    if compared and not shared:
        rows.skip(num.isna(), f"empty {col} cell", col)


def validate_scored(
    frame: pd.DataFrame,
    path: Path,
    task: TaskSpec,
    selected_groups: Iterable[str],
    metric: str,
    any_group: bool,
    skips: SkipLog,
) -> pd.DataFrame:
    """The rows of ``frame`` that can be scored; every other row counted in ``skips``."""
    if frame.empty:
        return frame
    missing_cols = [c for c in REQUIRED if c not in frame.columns]
    if missing_cols:
        raise InputError(f"the reader found no {missing_cols} columns", path)
    sources: dict[str, str] = dict(frame.attrs.get("source_columns", {}))
    rows = _Rows(frame, path, skips)
    _skip_unscorable(frame, task, selected_groups, any_group, sources, rows)
    out = frame.copy()
    if "probs" in out.columns:
        _check_probs(out["probs"], rows.where)
    for m in task.metrics:
        if m.name in out.columns:
            col = sources.get(m.name, m.name)
            _check_metric(out, m, col, rows, m.name == metric, task.groups_share_items)
    out = out[rows.keep.to_numpy()]
    out.attrs = {}
    return out
