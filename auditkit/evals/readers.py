"""The registry of output readers `eval score` chooses from, and what every reader shares.

A reader turns one file (or folder) of per-item results into a *scored frame*: one row per
(model, item, group) with ``model`` (canonical hub id when the study's name is known),
``source_model`` (as written in the file), ``item_id`` (str), ``group`` and the task's metric
columns. Readers of a study's released files live with their task (``evals/tasks/<task>.py``)
and register themselves with ``task=`` set; readers of any task's results (auditkit's own
``outputs.parquet``, lm-evaluation-harness samples, a plain per-item table) register with
``task=None``. Detection tries readers by ``rank``, then in registration order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit import tabular
from auditkit.errors import AuditkitError
from auditkit.evals.base import TaskSpec
from auditkit.registry import Registry
from auditkit.skips import SkipLog

OUTPUTS_FILE = "outputs.parquet"

# Detection order: a plain table before anything (a parquet without a task column is the
# user's, not auditkit's), auditkit's own outputs next, the study's files, then lm-eval samples.
RANK_FIRST, RANK_OWN, RANK_STUDY, RANK_OTHER_TOOL = 0, 1, 2, 3


class NoScoredRows(AuditkitError):
    """Every row of the given outputs was skipped (each counted); the caller may say why."""


@dataclass
class ScoreOptions:
    """Filters and scoring options that apply when reading released outputs."""

    prompt_mode: str = "no_answers"  # md3: the study's figures use the no-answers prompt
    seed: int | None = None  # md3: None = the only seed present (error when several)
    chat_template: bool = False  # md3: rows made with (True) or without (False) a chat template
    jsd_base: str = "e"
    data: str | None = None  # gold data for formats that store only generations
    groups: tuple[str, ...] = ()  # the groups to score (empty: the task's)
    any_group: bool = False  # groups outside the task's list are valid (belebele languages)
    metric: str = ""  # the metric compared: rows where it is empty are counted skips
    filters: dict[str, Any] = field(default_factory=dict)  # what was applied, for the summary


ReadFn = Callable[[Path, TaskSpec, ScoreOptions, SkipLog], pd.DataFrame]


@dataclass(frozen=True)
class OutputReader:
    """name: what the run's sources record as the format; task: the one task it reads (None:
    every task ``serves`` accepts, all when it is None); detect(path, task): whether the path
    is in this format."""

    name: str
    detect: Callable[[Path, TaskSpec], bool]
    read: ReadFn
    task: str | None = None
    serves: Callable[[TaskSpec], bool] | None = None
    rank: int = RANK_STUDY

    def reads_for(self, task: TaskSpec) -> bool:
        if self.task is not None:
            return self.task == task.name
        return self.serves is None or self.serves(task)


OUTPUT_READERS: Registry[OutputReader] = Registry("output reader")


def register_reader(reader: OutputReader) -> OutputReader:
    return OUTPUT_READERS.register(reader.name, reader)


def output_readers() -> list[OutputReader]:
    """Every registered reader in detection order (importing the modules that register them)."""
    import auditkit.evals.interop  # noqa: F401
    import auditkit.evals.outputs  # noqa: F401
    import auditkit.evals.tasks  # noqa: F401

    return sorted((r for _, r in OUTPUT_READERS.items()), key=lambda r: r.rank)


# --- helpers the readers share --------------------------------------------------------------


def csv_columns(path: Path) -> list[str]:
    return tabular.csv_header(path)


def where_locators(path: Path, rows: Any) -> list[str]:
    """ "path:row" locators of a reader's rows (see auditkit.evals.validation)."""
    return [f"{path}:{r}" for r in rows]


def split_where(where: str) -> tuple[str, int | None]:
    path, _, row = where.rpartition(":")
    return (path, int(row)) if row.isdigit() else (where, None)


def first_json_line(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            line = f.readline()
        obj = json.loads(line)
        return obj if isinstance(obj, dict) else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
