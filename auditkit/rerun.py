"""`auditkit rerun AUDIT_JSON`: replay a run from its audit record.

The record's ``kind`` picks a run kind from :mod:`auditkit.runkinds` (each side registers its
own: config class + run function), and its ``config`` is that config class as the run
recorded it. The config is rebuilt through the class itself (:func:`auditkit.config.
from_record`), so a hand-edited or tampered record gets the same type and range checks as a
command-line flag, as a one-line error naming the key. Before running, the input fingerprints
are checked, so a re-run on changed data is an error rather than a quietly different result;
afterwards the new summary.json is compared byte for byte with the original one.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditkit.audit import AUDIT_FILE, SUMMARY_FILE
from auditkit.config import from_record
from auditkit.errors import AuditkitError, InputError
from auditkit.io import read_json, sha256_file
from auditkit.registry import Registry
from auditkit.runkinds import RUN_KINDS, RunKind, RunSettings

# Keys records written before configs were dataclasses hold beside the config: where the
# results went (the re-run chooses its own folder) and the CLI's extra JSON copy (never
# overwritten by a re-run).
LEGACY_KEYS = frozenset({"out", "json_path"})
# ...and runtime settings older records hold: whether a progress bar showed (`eval run`), the
# engine and the Ray cluster (`probe-rm`). None changes a result, so a re-run ignores them.
LEGACY_RUNTIME_KEYS = frozenset({"show_progress", "engine", "ray_address"})


# The packages that register a run kind when imported (each side's __init__, and the
# composition layer for probe-rm, which adds language ID to --pairs runs).
REGISTERING_PACKAGES = (
    "auditkit.langid",
    "auditkit.countries",
    "auditkit.pipelines",
    "auditkit.evals",
)


def run_kinds() -> Registry[RunKind]:
    """The run-kind registry with every side's kind registered."""
    for name in REGISTERING_PACKAGES:
        importlib.import_module(name)
    return RUN_KINDS


def _check_inputs_shape(inputs: Any, where: Path) -> None:
    if not isinstance(inputs, list):
        raise InputError("must be a list", where, field="inputs")
    for i, inp in enumerate(inputs):
        f = f"inputs[{i}]"
        if not isinstance(inp, dict):
            raise InputError("must be an object", where, field=f)
        for key in ("path", "hub_id", "revision", "sha256"):
            if inp.get(key) is not None and not isinstance(inp[key], str):
                raise InputError(f"must be a string, got {inp[key]!r}", where, field=f"{f}.{key}")
        sha = inp.get("sha256")
        if sha is not None and not (len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
            raise InputError(f"not a sha256 digest: {sha!r}", where, field=f"{f}.sha256")
        files = inp.get("files")
        # {name: sha256} for a folder of outputs, or the list of a corpus' files
        if files is not None and not (
            (
                isinstance(files, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())
            )
            or (isinstance(files, list) and all(isinstance(v, str) for v in files))
        ):
            raise InputError(
                "must map file names to sha256 digests or list file names",
                where,
                field=f"{f}.files",
            )
        if inp.get("path") is not None and ("\x00" in inp["path"] or not inp["path"]):
            raise InputError("not a usable path", where, field=f"{f}.path")


def load_config(record: Any, where: Path) -> Any:
    """The run config a record holds, checked: its kind registered, every config key a field
    of the kind's config class, of its type and within its limits."""
    if not isinstance(record, dict):
        raise InputError("expected a JSON object", where)
    kind = record.get("kind")
    if not isinstance(kind, str) or not kind:
        raise InputError("the record has no kind", where, field="kind")
    kinds = run_kinds()
    if kind not in kinds:
        raise InputError(
            f"unknown run kind {kind!r}; known: {', '.join(kinds.names())}", where, field="kind"
        )
    config = record.get("config")
    if not isinstance(config, dict):
        raise InputError("the record has no config object", where, field="config")
    inputs = record.get("inputs", [])
    _check_inputs_shape([] if inputs is None else inputs, where)
    for key in LEGACY_KEYS & set(config):
        if config[key] is not None and not isinstance(config[key], str):
            raise InputError(
                f"must be a path (string), got {config[key]!r}", where, field=f"config.{key}"
            )
    cls = kinds.get(kind).config_class(config)
    return from_record(cls, config, where, ignore=LEGACY_KEYS | LEGACY_RUNTIME_KEYS)


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


def read_record(audit_json: str | Path) -> tuple[Path, dict[str, Any]]:
    """(absolute path of the audit.json, its JSON) for a record file or its run folder."""
    # absolute: 'audit.json' or '.' given inside the run folder has no parent folder name to
    # derive '<run>-rerun' from
    p = Path(audit_json).absolute()
    if p.is_dir():
        p = p / AUDIT_FILE
    if not p.is_file():
        raise InputError("no such audit record", audit_json)
    try:
        return p, read_json(p)
    except (ValueError, RecursionError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"not valid JSON: {msg}", audit_json) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", audit_json) from None


def _refuse_changed_inputs(checks: list[InputCheck], record_path: Path) -> None:
    bad = [c for c in checks if c.status in ("changed", "missing")]
    if bad:
        lines = "; ".join(
            f"{c.path}: {c.status}" + (f" ({c.detail})" if c.detail else "") for c in bad
        )
        raise InputError(
            f"the inputs differ from the record ({lines}); pass --allow-changed-inputs to "
            "re-run anyway",
            record_path,
            field="inputs",
        )


def compare_summaries(original: Path, new: Path) -> tuple[bool | None, list[str]]:
    """(byte-identical?, top-level keys that differ); None when either file is absent."""
    if not (original.is_file() and new.is_file()):
        return None, []
    if original.read_bytes() == new.read_bytes():
        return True, []
    a, b = read_json(original), read_json(new)
    return False, sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def rerun(
    audit_json: str | Path,
    out: str | Path | None = None,
    allow_changed_inputs: bool = False,
    workers: int | None = None,
) -> RerunResult:
    """Re-run the audit recorded in ``audit_json`` (a file, or its run folder) into ``out``
    (default: a sibling folder '<run>-rerun', so the original is never overwritten).

    workers: processes for `lang` and `countries` re-runs (default: the number of CPUs);
    results do not depend on it."""
    p, record = read_record(audit_json)
    config = load_config(record, Path(audit_json))
    kind = record["kind"]
    checks = check_inputs(record)
    if not allow_changed_inputs:
        _refuse_changed_inputs(checks, p)
    out_dir = Path(out) if out is not None else default_rerun_dir(p)
    if out_dir.resolve() == p.parent.resolve():
        raise AuditkitError(f"--out {out_dir} is the original run folder; choose another folder")
    summary = run_kinds().get(kind).run(config, out_dir, RunSettings(workers=workers))
    identical, differing = compare_summaries(p.parent / SUMMARY_FILE, out_dir / SUMMARY_FILE)
    return RerunResult(p, kind, out_dir, summary, identical, differing, checks)
