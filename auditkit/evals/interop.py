"""Readers of per-item results made by other tools, for `auditkit eval score`.

* ``lm-eval-samples``: lm-evaluation-harness ``--log_samples`` output, i.e.
  ``<output_path>/<model_name_sanitized>/samples_<task>_<date>.jsonl`` (a file, that model
  folder, or the output folder above it). Each line is one document of one lm-eval task:
  ``doc_id``, ``doc`` (the dataset row), ``target``, ``arguments``, ``resps``,
  ``filtered_resps``, newer versions ``filter``, ``metrics``, ``doc_hash``, and the per-item
  metric values (``acc``, ``acc_norm``, ...). Only tasks where lm-eval records a per-item
  correctness that means what auditkit's metric means are read (:data:`LM_EVAL_TASKS`).
  The model is ``model_name`` (or ``pretrained=`` of ``config.model_args``) of the
  ``results_<date>.json`` next to the samples, else the folder name with ``__`` read as ``/``.
* ``per-item-table``: a plain table (.csv, .tsv, .jsonl, .parquet) with one row per model,
  item and group: columns ``model``, ``item_id``, ``group`` and the metric (the task's metric
  name, or ``value``). A table without them is rejected with the expected columns named.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.errors import InputError
from auditkit.evals.base import TaskSpec
from auditkit.evals.chains import canonical_model
from auditkit.evals.formats import READERS, Reader, ScoreOptions
from auditkit.skips import SkipLog


@dataclass(frozen=True)
class LmEvalTask:
    prefix: str  # lm-eval task names of this auditkit task start with it (belebele_eng_Latn)
    metric: str  # the per-sample key lm-eval writes
    auditkit_metric: str  # what it is in auditkit
    group_field: str  # the doc field naming the group (else the task-name suffix)


# belebele: lm-eval's `acc` is 1 when the highest-loglikelihood letter is the target, the
# same per-item correctness as auditkit's (and the study's) `correct`. Its prompt differs from
# the study's, so compare models scored the same way, not lm-eval rows against auditkit rows.
LM_EVAL_TASKS = {
    "belebele": LmEvalTask("belebele_", "acc", "correct", "dialect"),
}
SAMPLES_RE = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[\d\-\.:]+)\.jsonl$")


def _samples_task(path: Path) -> str | None:
    m = SAMPLES_RE.match(path.name)
    return m.group("task") if m else None


def _sample_files(path: Path, task: TaskSpec) -> list[Path]:
    spec = LM_EVAL_TASKS.get(task.name)
    if spec is None:
        return []
    if path.is_file():
        files = [path]
    elif path.is_dir():
        files = sorted(path.glob("samples_*.jsonl")) or sorted(path.glob("*/samples_*.jsonl"))
    else:
        return []
    return [f for f in files if (_samples_task(f) or "").startswith(spec.prefix)]


def _detect_lm_eval(path: Path, task: TaskSpec) -> bool:
    return bool(_sample_files(path, task))


def _model_name(samples: Path) -> str:
    """The model an lm-eval samples file belongs to."""
    results = sorted(samples.parent.glob("results_*.json"))
    for r in reversed(results):  # the newest run first
        try:
            data = json.loads(r.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        name = data.get("model_name")
        if isinstance(name, str) and name:
            return name
        args = str((data.get("config") or {}).get("model_args") or "")
        m = re.search(r"(?:^|,)pretrained=([^,]+)", args)
        if m:
            return m.group(1)
    return samples.parent.name.replace("__", "/", 1)


def _read_lm_eval(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    spec = LM_EVAL_TASKS[task.name]
    rows: list[dict[str, Any]] = []
    for f in _sample_files(path, task):
        model = _model_name(f)
        lm_task = _samples_task(f) or ""
        suffix_group = lm_task[len(spec.prefix) :]
        seen: set[Any] = set()
        with open(f, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    s = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(f"not valid JSON: {e.msg}", f, line=n) from None
                if not isinstance(s, dict) or "doc_id" not in s:
                    raise InputError("not an lm-eval sample (no doc_id)", f, line=n)
                # several filters log the same document once each; the first is kept
                if s["doc_id"] in seen:
                    skips.add("lm-eval sample of a second filter", str(f), line=n)
                    continue
                seen.add(s["doc_id"])
                if spec.metric not in s:
                    raise InputError(
                        f"no per-item {spec.metric!r} (keys: {', '.join(sorted(s))})",
                        f,
                        line=n,
                        field=spec.metric,
                    )
                doc = s.get("doc") if isinstance(s.get("doc"), dict) else {}
                group = str(doc.get(spec.group_field) or suffix_group)
                if "link" in doc and "question_number" in doc:
                    item = f"{doc['link']}#{doc['question_number']}"
                else:
                    item = f"{lm_task}:{s['doc_id']}"
                rows.append(
                    {
                        "model": canonical_model(model),
                        "source_model": model,
                        "item_id": item,
                        "group": group,
                        spec.auditkit_metric: float(s[spec.metric]),
                    }
                )
    out = pd.DataFrame(rows)
    return out[out["group"].isin(task.groups)] if not out.empty else out


# --- a plain per-item table -----------------------------------------------------------------

TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl", ".parquet")


def expected_columns(task: TaskSpec) -> str:
    return (
        f"model, item_id, group ({'/'.join(task.groups[:4])}"
        f"{', ...' if len(task.groups) > 4 else ''}) and {task.default_metric} (or value)"
    )


def _table(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".jsonl":
            return pd.read_json(path, lines=True, dtype=False)
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", dtype={"item_id": str})
    except Exception as e:
        raise InputError(f"cannot read as a table: {e}", path) from None


def _read_table(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    df = _table(path)
    metric_cols = [m.name for m in task.metrics if m.name in df.columns]
    if "value" in df.columns and task.default_metric not in df.columns:
        df = df.rename(columns={"value": task.default_metric})
        metric_cols = [task.default_metric, *metric_cols]
    missing = [c for c in ("model", "item_id", "group") if c not in df.columns]
    if missing or not metric_cols:
        lack = missing + ([] if metric_cols else [f"{task.default_metric} (or value)"])
        raise InputError(
            f"matches no known output format for {task.name}; as a per-item table it lacks "
            f"{', '.join(lack)}. Expected columns: {expected_columns(task)}; "
            f"found: {', '.join(map(str, df.columns)) or 'none'}",
            path,
        )
    out = df[["model", "item_id", "group", *metric_cols]].copy()
    out["source_model"] = out["model"].astype(str)
    out["model"] = out["source_model"].map(canonical_model)
    out["item_id"] = out["item_id"].astype(str)
    out["group"] = out["group"].astype(str)
    unknown = sorted(set(out["group"]) - set(task.groups))
    if unknown and task.name not in ("belebele", "globalopinionsqa"):
        raise InputError(
            f"unknown {task.group_label} {', '.join(unknown[:5])}; known: {', '.join(task.groups)}",
            path,
            field="group",
        )
    return out


def _task(name: str) -> TaskSpec:
    from auditkit.evals.base import get_task

    return get_task(name)


def _detect_table(path: Path) -> bool:
    if not (path.is_file() and path.suffix.lower() in TABLE_SUFFIXES):
        return False
    if path.suffix.lower() == ".parquet":
        # auditkit's own outputs.parquet has a task column; a user's table does not
        try:
            import pyarrow.parquet as pq

            return "task" not in pq.read_schema(path).names
        except Exception:
            return False
    # last resort: only files no format-specific reader (of any task) claims
    return not any(r.detect(path) for r in READERS if r.name != "per-item-table")


def register() -> None:
    """Add the readers to auditkit.evals.formats.READERS (once)."""
    if any(r.name == "per-item-table" for r in READERS):
        return
    for task_name in LM_EVAL_TASKS:
        READERS.append(
            Reader(
                "lm-eval-samples",
                task_name,
                lambda p, t=task_name: _detect_lm_eval(p, _task(t)),
                _read_lm_eval,
            )
        )
    # first for parquet files without a task column (else the auditkit reader claims them),
    # and for other files only when no format-specific reader does
    READERS.insert(0, Reader("per-item-table", None, _detect_table, _read_table))


register()
