"""Reading per-item outputs for `eval score`: choose a reader per path, read, validate, join.

The readers are a registry (:mod:`auditkit.evals.readers`); this module holds the one for
auditkit's own ``outputs.parquet`` (written by ``auditkit eval run``, or its run folder) and the
loop every reader goes through: each row read is scored or a counted skip, and a damaged file
is one error naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit import tabular
from auditkit.errors import AuditkitError, InputError
from auditkit.evals.base import TASKS, TaskSpec, task_names
from auditkit.evals.readers import (
    OUTPUTS_FILE,
    RANK_OWN,
    NoScoredRows,
    OutputReader,
    ScoreOptions,
    output_readers,
    register_reader,
    where_locators,
)
from auditkit.evals.validation import WHERE, validate_scored
from auditkit.skips import SkipLog

# --- auditkit parquet -----------------------------------------------------------------------


def _auditkit_path(path: Path) -> Path:
    return path / OUTPUTS_FILE if path.is_dir() else path


def _detect_auditkit(path: Path, task: TaskSpec) -> bool:
    p = _auditkit_path(path)
    return p.is_file() and p.suffix == ".parquet"


def _read_auditkit(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    p = _auditkit_path(path)
    df = tabular.read_parquet(p)
    need = {"task", "model", "item_id", "group"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(f"missing columns {sorted(missing)} (not an auditkit eval output)", p)
    tasks = set(df["task"].unique())
    if tasks != {task.name}:
        raise InputError(f"outputs of task {sorted(tasks)}, not {task.name!r}", p, field="task")
    if "source_model" not in df.columns:
        df["source_model"] = df["model"]
    df[WHERE] = where_locators(p, range(1, len(df) + 1))
    # countries outside --groups are counted by the validation layer
    if task.rescore_with_data and opts.data and "generation" in df.columns:
        df = _rescore_generations(df, task, opts, p)
    df.attrs["rows_in"] = len(df)
    return df


def _rescore_generations(
    df: pd.DataFrame, task: TaskSpec, opts: ScoreOptions, path: Path
) -> pd.DataFrame:
    """Score stored generations again against --data (runs of older auditkit versions lack
    ``cfm`` or cut answers differently): every metric comes from the current scorer."""
    langs = tuple(sorted(set(df["group"])))
    gold = task.load_items(opts.data, groups=langs, shots=0).set_index("item_id")
    rows = []
    for i, rec in enumerate(df.to_dict("records")):
        if rec["item_id"] not in gold.index:
            raise InputError(f"item {rec['item_id']!r} is not in --data", path, i + 1, "item_id")
        gen = rec.get("generation")
        (scored,) = task.score(gold.loc[rec["item_id"]].to_dict(), None if gen is None else gen)
        rows.append({**rec, **scored})
    return pd.DataFrame(rows)


register_reader(OutputReader("auditkit", _detect_auditkit, _read_auditkit, rank=RANK_OWN))


# --- choosing a reader ----------------------------------------------------------------------


def _detects(reader: OutputReader, path: Path, task: TaskSpec) -> bool:
    # A file a detector cannot even parse (undecodable, nested too deeply) is not its format.
    try:
        return bool(reader.detect(path, task))
    except (OSError, ValueError, RecursionError, TypeError, KeyError):
        return False


def claimed_by_any_task(reader: OutputReader, path: Path) -> bool:
    """Whether ``reader`` detects ``path`` for some task it reads."""
    tasks = [TASKS.get(n) for n in task_names()]
    return any(_detects(reader, path, t) for t in tasks if reader.reads_for(t))


def choose_reader(path: Path, task: TaskSpec) -> OutputReader:
    readers = output_readers()
    for r in readers:
        if r.reads_for(task) and _detects(r, path, task):
            return r
    other = [r.name for r in readers if not r.reads_for(task) and claimed_by_any_task(r, path)]
    hint = f" (it looks like {other[0]}: wrong task?)" if other else ""
    known = ", ".join(r.name for r in readers if r.reads_for(task))
    raise InputError(f"matches no known output format for {task.name}{hint}; known: {known}", path)


def expand_output_folders(path: Path, task: TaskSpec) -> list[tuple[Path, OutputReader]]:
    """[(path, reader)] for one --outputs argument. A folder that is no output itself but
    whose subfolders all are (the study's outputs/<task>/<model>/ layout), or without
    subfolders whose files all are (one file per model), stands for them."""
    try:
        return [(path, choose_reader(path, task))]
    except InputError:
        if not path.is_dir():
            raise
        # subfolders (outputs/<task>/<model>/), else the files (salt_model_outputs/*.jsonl)
        entries = sorted(d for d in path.iterdir() if d.is_dir()) or sorted(
            f for f in path.iterdir() if f.is_file() and not f.name.startswith(".")
        )
        if not entries:
            raise
        try:
            return [(d, choose_reader(d, task)) for d in entries]
        except InputError:
            raise InputError(
                f"neither this folder nor all of its subfolders (or files) match a known "
                f"output format for {task.name}",
                path,
            ) from None


# --- reading --------------------------------------------------------------------------------


def _expand_all(paths: list[str | Path], task: TaskSpec) -> list[tuple[Path, OutputReader]]:
    expanded: list[tuple[Path, OutputReader]] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise AuditkitError(f"--outputs {raw}: no such file or folder")
        expanded += expand_output_folders(p, task)
    return expanded


def read_outputs(
    paths: list[str | Path], task: TaskSpec, opts: ScoreOptions, skips: SkipLog
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Concatenated scored frame of all files, and one {path, format} record per input."""
    frames, sources = [], []
    rows = opts.filters.setdefault("rows", {"read": 0, "scored": 0, "skipped": 0})
    for p, reader in _expand_all(paths, task):
        before = skips.total
        raw = _read_one(reader, p, task, opts, skips)
        # rows of the file as the reader counted them (a scored row per input row), else the
        # rows it returned plus those it skipped
        rows["read"] += int(raw.attrs.get("rows_in", len(raw) + skips.total - before))
        df = validate_scored(
            raw, p, task, opts.groups, opts.metric or task.default_metric, opts.any_group, skips
        )
        # every row is scored or counted as a skip: read = scored + skipped
        rows["skipped"] += skips.total - before
        rows["scored"] += len(df)
        if df.empty:
            skips.add("file has no rows after filtering", str(p))
            continue
        frames.append(df.assign(source=str(p)))
        sources.append({"path": str(p), "format": reader.name, "rows": int(len(df))})
    opts.filters.pop("_gold_cache", None)
    if not frames:
        raise NoScoredRows("no scored rows in the given --outputs")
    return _joined(frames, task), sources


def _joined(frames: list[pd.DataFrame], task: TaskSpec) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    dup = frame.duplicated(["model", "item_id", "group"], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        raise InputError(
            f"model {first['model']!r} has {int(dup.sum())} duplicate (item, group) rows, e.g. "
            f"item {first['item_id']} / {first['group']}: the same model given twice, or "
            "several seeds/prompt modes mixed",
            first.get(WHERE) if isinstance(first.get(WHERE), str) else first["source"],
        )
    frame = frame.drop(columns=[WHERE], errors="ignore")
    for col in task.metrics:
        if col.name in frame.columns:
            frame[col.name] = pd.to_numeric(frame[col.name], errors="coerce").astype(float)
    return frame


# What a damaged file raises inside a reader when no check caught it earlier: one line naming
# the file instead of a traceback.
_READ_ERRORS = (
    OSError,
    UnicodeDecodeError,
    json.JSONDecodeError,
    RecursionError,
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    pd.errors.ParserError,
    pd.errors.EmptyDataError,
)


def _read_one(
    reader: OutputReader, path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog
) -> pd.DataFrame:
    try:
        return reader.read(path, task, opts, skips)
    except AuditkitError:
        raise
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 (byte at offset {e.start}); save it as UTF-8", path) from None
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON: {e.msg}", path, e.lineno) from None
    except KeyError as e:
        raise InputError(f"not a {reader.name} file: missing column or key {e}", path) from None
    except _READ_ERRORS as e:
        msg = (str(e).splitlines() or [""])[0] or type(e).__name__
        raise InputError(f"cannot read as {reader.name}: {msg}", path) from None
