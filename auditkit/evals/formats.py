"""Readers of per-item evaluation outputs: auditkit's own parquet and the study's released files.

Every reader returns a *scored frame*: one row per (model, item, group) with ``model``
(canonical hub id when the study's name is known), ``source_model`` (as written in the file),
``item_id`` (str), ``group`` and the task's metric columns, plus the file it came from.

Known formats
* ``auditkit``: ``outputs.parquet`` written by ``auditkit eval run`` (or its run folder).
* ``md3-study-csv``: the study's ``outputs/md3-game/*-no-answers.csv`` or the combined
  ``md3_game_predictions.csv`` (columns model, dialect, prompt_mode, seed,
  generated_correct_answer(_num), chose_correct_answer(_num), …).
* ``goqa-study-jsonl``: per-question results re-serialised from the study's
  ``outputs/globalopinionsqa/<model>.csv`` (model_id, row_index, probs, similarity_1_minus_jsd).
* ``goqa-study-csv``: the study's CSV itself (question, options, probs, model_id, one column per
  country with -1 where the country has no human data).
* ``tydiqa-study-json``: ``<model>/<language>.json`` = {question id: generation} (a file or a
  model folder), scored against the gold answers given with ``--data``.
* ``belebele-study-csv``: the study's belebele CSV (model, language_code, question_num, link,
  correct_answer_num, ``<model_id>_is_correct``, ``<model_id>_prob_A..D``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit import tabular
from auditkit.errors import AuditkitError, InputError
from auditkit.evals.base import TaskSpec
from auditkit.evals.chains import canonical_model
from auditkit.evals.validation import WHERE, numeric_cells, validate_scored
from auditkit.skips import SkipLog

OUTPUTS_FILE = "outputs.parquet"
KEY_COLUMNS = ["model", "source_model", "item_id", "group"]


class NoScoredRows(AuditkitError):
    """Every row of the given outputs was skipped (each counted); the caller may say why."""


@dataclass
class ScoreOptions:
    """Filters and scoring options that apply when reading released outputs."""

    prompt_mode: str = "no_answers"  # md3: the study's figures use the no-answers prompt
    seed: int | None = None  # md3: None = the only seed present (error when several)
    chat_template: bool = False  # md3: rows made with (True) or without (False) a chat template
    countries: tuple[str, ...] = ()  # goqa: the country filter
    jsd_base: str = "e"
    data: str | None = None  # gold data for formats that store only generations
    groups: tuple[str, ...] = ()  # the groups to score (empty: the task's)
    any_group: bool = False  # groups outside the task's list are valid (belebele languages)
    metric: str = ""  # the metric compared: rows where it is empty are counted skips
    filters: dict[str, Any] = field(default_factory=dict)  # what was applied, for the summary


@dataclass(frozen=True)
class Reader:
    name: str
    task: str | None  # None: any task
    detect: Callable[[Path], bool]
    read: Callable[[Path, TaskSpec, ScoreOptions, SkipLog], pd.DataFrame]


def _csv_columns(path: Path) -> list[str]:
    return tabular.csv_header(path)


def _where(path: Path, rows: Any) -> list[str]:
    """ "path:row" locators of a reader's rows (see auditkit.evals.validation)."""
    return [f"{path}:{r}" for r in rows]


def _first_json_line(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            line = f.readline()
        obj = json.loads(line)
        return obj if isinstance(obj, dict) else None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


# --- auditkit parquet -----------------------------------------------------------------------


def _auditkit_path(path: Path) -> Path:
    return path / OUTPUTS_FILE if path.is_dir() else path


def _detect_auditkit(path: Path) -> bool:
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
    df[WHERE] = _where(p, range(1, len(df) + 1))
    # countries outside --groups are counted by the validation layer
    if task.name == "tydiqa-goldp" and opts.data and "generation" in df.columns:
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


# --- md3 -----------------------------------------------------------------------------------


def _detect_md3(path: Path) -> bool:
    cols = set(_csv_columns(path)) if path.suffix == ".csv" else set()
    return {"model", "dialect", "generated_correct_answer"} <= cols


def _read_md3(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    df = tabular.read_csv(path, keep_default_na=False, dtype=str)
    if "item_id" not in df.columns:
        # The study's per-model files keep the item order of its loader: row order within a file.
        src = df["source_file"] if "source_file" in df.columns else pd.Series("", index=df.index)
        df["item_id"] = df.groupby([src, df["model"]]).cumcount().astype(str)
    n0 = len(df)
    if "prompt_mode" in df.columns:
        keep = df["prompt_mode"] == opts.prompt_mode
        if not keep.any():
            raise InputError(
                f"no rows with prompt_mode {opts.prompt_mode!r} (found: "
                f"{', '.join(sorted(df['prompt_mode'].unique()))})",
                path,
                field="prompt_mode",
            )
        for row in df.index[~keep]:
            skips.add(f"prompt_mode is not {opts.prompt_mode}", str(path), row, "prompt_mode")
        df = df[keep]
    if "using_chat_template" in df.columns:
        # Empty in files written before the flag existed: those runs used no chat template.
        tmpl = df["using_chat_template"].str.lower().map({"true": True, "false": False, "": False})
        keep = tmpl == opts.chat_template
        for row in df.index[~keep]:
            skips.add(
                f"using_chat_template is not {opts.chat_template}",
                str(path),
                row,
                "using_chat_template",
            )
        df = df[keep]
    if "seed" in df.columns:
        seeds = sorted(df["seed"].unique())
        if opts.seed is None and len(seeds) > 1:
            raise InputError(f"several seeds {seeds}: choose one with --seed", path, field="seed")
        if opts.seed is not None:
            keep = df["seed"] == str(opts.seed)
            if not keep.any():
                raise InputError(
                    f"no rows with seed {opts.seed} (found {seeds})", path, field="seed"
                )
            for row in df.index[~keep]:
                skips.add(f"seed is not {opts.seed}", str(path), row, "seed")
            df = df[keep]
        opts.filters["seed"] = (
            opts.seed if opts.seed is not None else (int(seeds[0]) if seeds else None)
        )
    opts.filters.update(prompt_mode=opts.prompt_mode, chat_template=opts.chat_template)
    opts.filters["rows_read"] = opts.filters.get("rows_read", 0) + n0

    def flag(col: str) -> pd.Series:
        # Cells as written: the validation layer parses them and rejects values outside {0, 1}.
        num = col + "_num"
        if num in df.columns:
            sources[col] = num
            return df[num]
        sources[col] = col
        low = df[col].str.strip().str.lower()
        return low.map({"true": "1", "false": "0"}).where(low.isin(["true", "false"]), df[col])

    sources: dict[str, str] = {}
    out = pd.DataFrame(
        {
            "model": df["model"].map(canonical_model),
            "source_model": df["model"],
            "item_id": df["item_id"].astype(str),
            "group": df["dialect"],
            "correct": flag("generated_correct_answer"),
            "generation": df.get("generated_answer", pd.Series(None, index=df.index)),
        }
    )
    if "chose_correct_answer" in df.columns:
        out["choice_correct"] = flag("chose_correct_answer")
    out[WHERE] = _where(path, df.index)
    out.attrs["rows_in"] = n0
    out.attrs["source_columns"] = {
        "correct": sources["generated_correct_answer"],
        "choice_correct": sources.get("chose_correct_answer", "chose_correct_answer"),
        "group": "dialect",
    }
    return out


# --- globalopinionsqa ---------------------------------------------------------------------


def _detect_goqa_jsonl(path: Path) -> bool:
    obj = _first_json_line(path) if path.suffix in (".jsonl", ".json") else None
    return bool(obj) and {"model_id", "probs", "similarity_1_minus_jsd"} <= set(obj)


def _goqa_rows(
    model: str,
    item_id: str,
    probs: list[float],
    sims: dict[str, Any],
    opts: ScoreOptions,
    where: str,
    skips: SkipLog,
) -> tuple[list[dict[str, Any]], bool]:
    """Rows for the chosen countries, or ([], False) when a country has no human data.

    Mirrors the study's filter ``df[country] != -1``: a country is *absent* when the study
    wrote -1 (dropped from the re-serialised JSONL). An empty cell (NaN/null) is not -1: its
    row is kept with a NaN similarity, and scoring drops the question from the common
    question set (see ``analysis.common_item_set``), counting every dropped cell.
    Similarities are passed on as written and checked by the validation layer.
    """
    if not isinstance(sims, dict):
        raise InputError("similarity_1_minus_jsd is not an object", *_split(where))
    if any(c not in sims for c in opts.countries):
        skips.add(
            "question without human data for a compared country (the study's -1 filter)",
            where,
            detail=f"item {item_id}",
        )
        return [], False
    rows = []
    for c in opts.countries:
        v = sims[c]
        # an empty cell (None/NaN): kept as NaN, dropped and counted with the common question set
        rows.append(
            {
                "model": canonical_model(model),
                "source_model": model,
                "item_id": item_id,
                "group": c,
                "similarity": None if v is None else v,
                "probs": probs,
                WHERE: where,
            }
        )
    return rows, True


def _split(where: str) -> tuple[str, int | None]:
    path, _, row = where.rpartition(":")
    return (path, int(row)) if row.isdigit() else (where, None)


def _check_base(opts: ScoreOptions, path: Path) -> None:
    if opts.jsd_base != "e":
        raise InputError(
            "the study's released similarities use the natural log (scipy's default); "
            "score them with --jsd-base e, or re-run the model with `auditkit eval run` "
            "to get base-2 similarities",
            path,
            field="similarity",
        )


def _read_goqa_jsonl(
    path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog
) -> pd.DataFrame:
    _check_base(opts, path)
    rows: list[dict[str, Any]] = []
    kept = 0
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                model, rid = str(r["model_id"]), str(r["row_index"])
                probs, sims = r["probs"], r["similarity_1_minus_jsd"]
            except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as e:
                what = f"missing key {e}" if isinstance(e, KeyError) else str(e) or type(e).__name__
                raise InputError(f"bad study GlobalOpinionQA row: {what}", path, i) from None
            new, ok = _goqa_rows(model, rid, probs, sims, opts, f"{path}:{i}", skips)
            rows.extend(new)
            kept += ok
    opts.filters.setdefault("questions_kept", {})[str(path.name)] = kept
    return pd.DataFrame(rows)


def _is_minus_one(v: Any) -> bool:
    """The study's marker of a country without human data for the question."""
    try:
        return float(v) == -1
    except (TypeError, ValueError):
        return False


def _detect_goqa_csv(path: Path) -> bool:
    cols = set(_csv_columns(path)) if path.suffix == ".csv" else set()
    return {"model_id", "probs", "question", "options"} <= cols


def _read_goqa_csv(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    _check_base(opts, path)
    df = tabular.read_csv(path)
    missing = [c for c in opts.countries if c not in df.columns]
    if missing:
        raise InputError(f"no column for {missing}", path)
    rows: list[dict[str, Any]] = []
    kept = 0
    for pos, (i, r) in enumerate(zip(df.index, df.itertuples(index=False))):
        rec = dict(zip(df.columns, r))
        sims = {
            c: (None if pd.isna(rec[c]) else rec[c])
            for c in opts.countries
            if not _is_minus_one(rec[c])
        }
        try:
            probs = json.loads(rec["probs"])
        except (TypeError, json.JSONDecodeError) as e:
            raise InputError("probs is not a list", path, i, "probs") from e
        new, ok = _goqa_rows(
            str(rec["model_id"]), str(pos), probs, sims, opts, f"{path}:{i}", skips
        )
        rows.extend(new)
        kept += ok
    opts.filters.setdefault("questions_kept", {})[str(path.name)] = kept
    return pd.DataFrame(rows)


# --- tydiqa -------------------------------------------------------------------------------


def _tydiqa_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.json"))
    return [path]


def _detect_tydiqa(path: Path) -> bool:
    files = _tydiqa_files(path)
    if not files or not all(f.suffix == ".json" for f in files):
        return False
    try:
        with open(files[0], encoding="utf-8") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith("{") and '"data"' not in head[:200] and "-" in head[:200]


def _model_from_dir(d: Path) -> str:
    name = d.name
    # the study's output folders are literally named "{Model_8bit}"
    return name[1:-1] if name.startswith("{") and name.endswith("}") else name


def _read_tydiqa(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    files = _tydiqa_files(path)
    langs = tuple(f.stem for f in files)
    unknown = [lang for lang in langs if lang not in task.groups]
    if unknown:
        raise InputError(f"not TyDiQA languages: {unknown}", path)
    gold_key = (opts.data, langs)
    cache = opts.filters.setdefault("_gold_cache", {})
    if gold_key not in cache:
        cache[gold_key] = task.load_items(opts.data, groups=langs, shots=0).set_index("item_id")
    gold = cache[gold_key]
    model_dir = path if path.is_dir() else path.parent
    model = _model_from_dir(model_dir)
    rows = []
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                gens = json.load(fh)
        except json.JSONDecodeError as e:
            raise InputError(f"not valid JSON: {e.msg}", f, e.lineno) from e
        if not isinstance(gens, dict):
            raise InputError("expected {question id: generation}", f)
        for qid in gens:
            if qid not in gold.index:
                skips.add("question id not in the gold data", str(f), detail=qid)
        # The study averages over every dev question of the language: one without a
        # prediction (absent or null) scores 0, and is counted.
        for qid, item in gold[gold["group"] == f.stem].iterrows():
            gen = gens.get(qid)
            if gen is None:
                skips.add("no prediction for a dev question (scored 0)", str(f), detail=qid)
            for s in task.score(item.to_dict(), None if gen is None else str(gen)):
                rows.append(
                    {"model": canonical_model(model), "source_model": model, "item_id": qid, **s}
                )
    return pd.DataFrame(rows)


# --- belebele -----------------------------------------------------------------------------


def _detect_belebele(path: Path) -> bool:
    cols = _csv_columns(path) if path.suffix == ".csv" else []
    return "language_code" in cols and any(c.endswith("_is_correct") for c in cols)


def _read_belebele(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    df = tabular.read_csv(path)
    missing = [c for c in ("link", "question_num") if c not in df.columns]
    if missing:
        raise InputError(f"missing columns {missing}", path, 1)
    prefixes = [c[: -len("_is_correct")] for c in df.columns if c.endswith("_is_correct")]
    where = pd.Series(_where(path, df.index), index=df.index)
    has_value = pd.Series(False, index=df.index)
    for prefix in prefixes:
        has_value |= df[f"{prefix}_is_correct"].notna()
    rows = []
    for k, prefix in enumerate(prefixes):
        # A file of several models has one is_correct column per model and a value in the
        # model's own rows only; a row with no value at all is an empty cell of the first one.
        mine = df[f"{prefix}_is_correct"].notna() | (~has_value if k == 0 else False)
        sub = df[mine]
        names = sub["model"] if "model" in sub.columns else pd.Series(prefix, index=sub.index)
        prob_cols = [f"{prefix}_prob_{x}" for x in "ABCD"]
        has_probs = all(c in sub.columns for c in prob_cols)
        probs = {
            c: numeric_cells(sub[c], where[sub.index], c, "a probability")
            for c in prob_cols
            if has_probs
        }
        for i, r in sub.iterrows():
            name = str(names.loc[i]) if pd.notna(names.loc[i]) else prefix
            rows.append(
                {
                    "model": canonical_model(name),
                    "source_model": name,
                    "item_id": f"{r['link']}#{r['question_num']}",
                    "group": r["language_code"],
                    "correct": r[f"{prefix}_is_correct"],
                    "probs": [float(probs[c].loc[i]) for c in prob_cols] if has_probs else None,
                    WHERE: where.loc[i],
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["source_columns"] = {"group": "language_code"}
    if len(prefixes) == 1:
        out.attrs["source_columns"]["correct"] = f"{prefixes[0]}_is_correct"
        out.attrs["rows_in"] = len(df)
    return out


READERS: list[Reader] = [
    Reader("auditkit", None, _detect_auditkit, _read_auditkit),
    Reader("md3-study-csv", "md3-game", _detect_md3, _read_md3),
    Reader("goqa-study-jsonl", "globalopinionsqa", _detect_goqa_jsonl, _read_goqa_jsonl),
    Reader("goqa-study-csv", "globalopinionsqa", _detect_goqa_csv, _read_goqa_csv),
    Reader("tydiqa-study-json", "tydiqa-goldp", _detect_tydiqa, _read_tydiqa),
    Reader("belebele-study-csv", "belebele", _detect_belebele, _read_belebele),
]


def _detects(reader: Reader, path: Path) -> bool:
    # A file a detector cannot even parse (undecodable, nested too deeply) is not its format.
    try:
        return bool(reader.detect(path))
    except (OSError, ValueError, RecursionError, TypeError, KeyError):
        return False


def detect_format(path: Path, task: TaskSpec) -> Reader:
    for r in READERS:
        if r.task in (None, task.name) and _detects(r, path):
            return r
    other = [r.name for r in READERS if r.task not in (None, task.name) and _detects(r, path)]
    hint = f" (it looks like {other[0]}: wrong task?)" if other else ""
    known = ", ".join(r.name for r in READERS if r.task in (None, task.name))
    raise InputError(f"matches no known output format for {task.name}{hint}; known: {known}", path)


def expand_output_folders(path: Path, task: TaskSpec) -> list[tuple[Path, Reader]]:
    """[(path, reader)] for one --outputs argument. A folder that is no output itself but
    whose subfolders all are (the study's outputs/<task>/<model>/ layout), or without
    subfolders whose files all are (one file per model), stands for them."""
    try:
        return [(path, detect_format(path, task))]
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
            return [(d, detect_format(d, task)) for d in entries]
        except InputError:
            raise InputError(
                f"neither this folder nor all of its subfolders (or files) match a known "
                f"output format for {task.name}",
                path,
            ) from None


def read_outputs(
    paths: list[str | Path], task: TaskSpec, opts: ScoreOptions, skips: SkipLog
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Concatenated scored frame of all files, and one {path, format} record per input."""
    frames, sources = [], []
    expanded: list[tuple[Path, Reader]] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise AuditkitError(f"--outputs {raw}: no such file or folder")
        expanded += expand_output_folders(p, task)
    rows = opts.filters.setdefault("rows", {"read": 0, "scored": 0, "skipped": 0})
    for p, reader in expanded:
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
        df = df.assign(source=str(p))
        frames.append(df)
        sources.append({"path": str(p), "format": reader.name, "rows": int(len(df))})
    opts.filters.pop("_gold_cache", None)
    if not frames:
        raise NoScoredRows("no scored rows in the given --outputs")
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
    return frame, sources


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
    reader: Reader, path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog
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


def metric_values(frame: pd.DataFrame, metric: str) -> np.ndarray:
    return frame[metric].to_numpy(dtype=float)
