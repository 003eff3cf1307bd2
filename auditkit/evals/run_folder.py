"""The run folder both `eval score` and `eval run` write: ``outputs.parquet`` (one row per model,
item and group), ``summary.json`` and ``audit.json`` (the config that replays the run, with
fingerprints of its inputs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import SUMMARY_FILE, build_record, write_record
from auditkit.evals.base import TaskSpec
from auditkit.evals.readers import OUTPUTS_FILE
from auditkit.evals.summary import KIND
from auditkit.io import sha256_file, write_json, write_parquet


def input_record(path: str) -> dict[str, Any]:
    p = Path(path)
    if p.is_file():
        return {"path": str(p), "sha256": sha256_file(p)}
    files = sorted(f for f in p.rglob("*") if f.is_file())
    return {"path": str(p), "files": {str(f.relative_to(p)): sha256_file(f) for f in files}}


def write_run_folder(
    out_dir: Path,
    spec: TaskSpec,
    frame: pd.DataFrame,
    summary: dict[str, Any],
    started: str,
    config: dict[str, Any],
    inputs: list[dict[str, Any]],
    components: dict[str, Any],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    table = frame.drop(columns=[c for c in ("source", "task") if c in frame.columns])
    table.insert(0, "task", spec.name)
    write_parquet(table, out_dir / OUTPUTS_FILE)
    write_json(out_dir / SUMMARY_FILE, summary)
    findings = {"models": summary["models"], "disparities": summary["disparities"]}
    # `api` names the function whose keyword arguments `config` holds
    api = "run_eval" if "model" in config else "score_outputs"
    record = build_record(
        KIND, config, inputs, components, findings, started,
        extra={"api": f"auditkit.evals.api:{api}"},
    )  # fmt: skip
    write_record(out_dir, record)
