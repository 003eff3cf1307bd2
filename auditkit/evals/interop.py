"""Readers of per-item results made by other tools, for `auditkit eval score`.

* ``lm-eval-samples``: lm-evaluation-harness ``--log_samples`` output, i.e.
  ``<output_path>/<model_name_sanitized>/samples_<task>_<date>.jsonl`` (a file, that model
  folder, or the output folder above it). Each line is one document of one lm-eval task:
  ``doc_id``, ``doc`` (the dataset row), ``target``, ``arguments``, ``resps``,
  ``filtered_resps``, newer versions ``filter``, ``metrics``, ``doc_hash``, and the per-item
  metric values (``acc``, ``acc_norm``, ...). Only tasks where lm-eval records a per-item
  correctness that means what auditkit's metric means are read (a task declares it with
  ``TaskSpec.lm_eval``).
  The model is ``model_name`` (or ``pretrained=`` of ``config.model_args``) of the
  ``results_<date>.json`` next to the samples, else the folder name with ``__`` read as ``/``.
* ``per-item-table``: a plain table (.csv, .tsv, .jsonl, .parquet) with one row per model,
  item and group: columns ``model``, ``item_id``, ``group`` and the metric (the task's metric
  name, or ``value``). A table without them is rejected with the expected columns named.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.errors import InputError
from auditkit.evals.base import TaskSpec
from auditkit.evals.chains import canonical_model
from auditkit.evals.readers import (
    RANK_FIRST,
    RANK_OTHER_TOOL,
    OutputReader,
    ScoreOptions,
    register_reader,
)
from auditkit.skips import SkipLog

# Which auditkit task an lm-eval task is, and how its samples map, is declared by the task
# (TaskSpec.lm_eval, see auditkit.evals.base.LmEvalTask).
SAMPLES_RE = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[\d\-\.:]+)\.jsonl$")


def _samples_task(path: Path) -> str | None:
    m = SAMPLES_RE.match(path.name)
    return m.group("task") if m else None


def _sample_files(path: Path, task: TaskSpec) -> list[Path]:
    spec = task.lm_eval
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
    spec = task.lm_eval
    assert spec is not None  # the reader serves tasks that declare their lm-eval mapping
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
    if unknown and not task.open_groups:
        raise InputError(
            f"unknown {task.group_label} {', '.join(unknown[:5])}; known: {', '.join(task.groups)}",
            path,
            field="group",
        )
    return out


def _detect_table(path: Path, task: TaskSpec) -> bool:
    if not (path.is_file() and path.suffix.lower() in TABLE_SUFFIXES):
        return False
    if path.suffix.lower() == ".parquet":
        # auditkit's own outputs.parquet has a task column; a user's table does not
        try:
            import pyarrow.parquet as pq

            return "task" not in pq.read_schema(path).names
        except Exception:
            return False
    from auditkit.evals.outputs import claimed_by_any_task
    from auditkit.evals.readers import output_readers

    # last resort: only files no format-specific reader (of any task) claims
    return not any(
        claimed_by_any_task(r, path) for r in output_readers() if r.name != "per-item-table"
    )


# first for parquet files without a task column (else the auditkit reader claims them), and
# for other files only when no format-specific reader does
register_reader(OutputReader("per-item-table", _detect_table, _read_table, rank=RANK_FIRST))
register_reader(
    OutputReader(
        "lm-eval-samples",
        _detect_lm_eval,
        _read_lm_eval,
        serves=lambda task: task.lm_eval is not None,
        rank=RANK_OTHER_TOOL,
    )
)
