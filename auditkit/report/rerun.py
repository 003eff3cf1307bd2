"""`auditkit rerun AUDIT_JSON`: replay a run from its audit record.

The record's ``kind`` picks the side's Python API (a registry kind -> callable) and its
``config`` holds the keyword arguments that reproduce the run. Before running, the input
fingerprints are checked, so a re-run on changed data is an error rather than a quietly
different result; afterwards the new summary.json is compared byte for byte with the
original one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditkit.audit import AUDIT_FILE, SUMMARY_FILE
from auditkit.errors import AuditkitError, InputError
from auditkit.io import read_json, sha256_file
from auditkit.registry import Registry

# kind -> function(config, out_dir, workers) -> summary dict. `workers` is a resource setting,
# never part of a run's identity, so it is not in the record and may differ on a re-run.
Runner = Callable[[dict[str, Any], Path, int | None], dict[str, Any]]
RERUNNERS: Registry[Runner] = Registry("run kind")


def _import(target: str) -> Callable[..., Any]:
    module, attr = target.split(":")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as e:
        raise AuditkitError(f"cannot re-run: {target} is unavailable ({e})") from e


@RERUNNERS.register("lang")
def rerun_lang(config: dict[str, Any], out: Path, workers: int | None = None) -> dict[str, Any]:
    run_lang = _import("auditkit.langid.runner:run_lang")
    cfg = dict(config)
    cfg.pop("out", None)
    source = cfg.pop("source", "sample")
    return run_lang(source, out=out, overwrite=True, workers=workers, **cfg)


@RERUNNERS.register("eval")
def rerun_eval(config: dict[str, Any], out: Path, workers: int | None = None) -> dict[str, Any]:
    # score_outputs re-scores stored outputs; run_eval runs a model. Their configs differ.
    target = "score_outputs" if "outputs" in config else "run_eval"
    fn = _import(f"auditkit.evals.api:{target}")
    cfg = dict(config)
    cfg["out"] = str(out)
    cfg["json_path"] = None  # never overwrite the original run's extra JSON copy
    return fn(**cfg)


@RERUNNERS.register("probe-rm")
def rerun_probe_rm(config: dict[str, Any], out: Path, workers: int | None = None) -> dict[str, Any]:
    # the pipeline adds language ID for --pairs runs without a language column
    fn = _import("auditkit.pipelines.rm_languages:probe_rm")
    cfg = dict(config)
    cfg["out"] = str(out)
    return fn(**cfg)


@dataclass
class InputCheck:
    path: str
    status: str  # ok | changed | missing | not-checked
    detail: str = ""


@dataclass
class RerunResult:
    record_path: Path
    kind: str
    out: Path
    summary: dict[str, Any]
    identical: bool | None  # None when the original summary.json is not next to the record
    differing_keys: list[str] = field(default_factory=list)
    inputs: list[InputCheck] = field(default_factory=list)


def check_inputs(record: dict[str, Any]) -> list[InputCheck]:
    """Compare each input's recorded sha256 with the file as it is now."""
    checks = []
    for inp in record.get("inputs") or []:
        if not isinstance(inp, dict):
            continue
        if inp.get("hub_id") and not inp.get("path"):
            rev = inp.get("revision") or "unpinned revision"
            checks.append(InputCheck(str(inp["hub_id"]), "not-checked", f"hub dataset, {rev}"))
            continue
        path = inp.get("path")
        if not path:
            continue
        p = Path(path)
        if inp.get("sha256"):
            if not p.is_file():
                checks.append(InputCheck(path, "missing"))
            elif (h := sha256_file(p)) != inp["sha256"]:
                checks.append(
                    InputCheck(
                        path, "changed", f"sha256 {h[:12]}… != recorded {inp['sha256'][:12]}…"
                    )
                )
            else:
                checks.append(InputCheck(path, "ok"))
        elif isinstance(inp.get("files"), dict):
            bad = []
            for rel, want in sorted(inp["files"].items()):
                f = p / rel
                if not f.is_file():
                    bad.append(f"{rel} missing")
                elif sha256_file(f) != want:
                    bad.append(f"{rel} changed")
            checks.append(
                InputCheck(path, "ok" if not bad else "changed", "; ".join(bad[:5]))
                if p.exists()
                else InputCheck(path, "missing")
            )
        else:
            checks.append(InputCheck(path, "not-checked", "no fingerprint recorded"))
    return checks


def default_rerun_dir(record_path: Path) -> Path:
    run_dir = record_path.parent
    return run_dir.with_name(run_dir.name + "-rerun")


def rerun(
    audit_json: str | Path,
    out: str | Path | None = None,
    allow_changed_inputs: bool = False,
    workers: int | None = None,
) -> RerunResult:
    """Re-run the audit recorded in ``audit_json`` (a file, or its run folder) into ``out``
    (default: a sibling folder '<run>-rerun', so the original is never overwritten).

    workers: processes for `lang` re-runs (default: the number of CPUs); results do not
    depend on it."""
    p = Path(audit_json)
    if p.is_dir():
        p = p / AUDIT_FILE
    if not p.is_file():
        raise InputError("no such audit record", p)
    try:
        record = read_json(p)
    except ValueError as e:
        raise InputError(f"not valid JSON: {e}", p) from e
    if not isinstance(record, dict):
        raise InputError("expected a JSON object", p)
    kind = record.get("kind")
    if not isinstance(kind, str):
        raise InputError("the record has no kind", p, field="kind")
    runner = RERUNNERS.get(kind)
    config = record.get("config")
    if not isinstance(config, dict):
        raise InputError("the record has no config object", p, field="config")
    checks = check_inputs(record)
    bad = [c for c in checks if c.status in ("changed", "missing")]
    if bad and not allow_changed_inputs:
        lines = "; ".join(
            f"{c.path}: {c.status}" + (f" ({c.detail})" if c.detail else "") for c in bad
        )
        raise InputError(
            f"the inputs differ from the record ({lines}); pass --allow-changed-inputs to "
            "re-run anyway",
            p,
            field="inputs",
        )
    out_dir = Path(out) if out is not None else default_rerun_dir(p)
    if out_dir.resolve() == p.parent.resolve():
        raise AuditkitError(f"--out {out_dir} is the original run folder; choose another folder")
    summary = runner(config, out_dir, workers)
    original = p.parent / SUMMARY_FILE
    identical: bool | None = None
    differing: list[str] = []
    new = out_dir / SUMMARY_FILE
    if original.is_file() and new.is_file():
        identical = original.read_bytes() == new.read_bytes()
        if not identical:
            a, b = read_json(original), read_json(new)
            differing = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return RerunResult(p, kind, out_dir, summary, identical, differing, checks)
