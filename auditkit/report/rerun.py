"""`auditkit rerun AUDIT_JSON`: replay a run from its audit record.

The record's ``kind`` picks the side's Python API (a registry kind -> callable) and its
``config`` holds the keyword arguments that reproduce the run. Before running, the input
fingerprints are checked, so a re-run on changed data is an error rather than a quietly
different result; afterwards the new summary.json is compared byte for byte with the
original one.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

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


# --- validating a record -------------------------------------------------------------------
# An audit.json is an input like any other: edited by hand, truncated or tampered with. Each
# config key must be a parameter of the side's Python API, of the type its annotation names and
# within the range its CLI option declares (e.g. --shard-size >= 1), so a bad record is a
# one-line error naming the key rather than a TypeError deep in the run.

# kind -> (the API whose parameters a config holds, the CLI command declaring their ranges)
_API = {
    "lang": ("auditkit.langid.runner:LangConfig", "auditkit.cli.lang:lang"),
    "countries": ("auditkit.countries.runner:CountriesConfig", "auditkit.cli.countries:countries"),
    "probe-rm": ("auditkit.probes.api:probe_rm", "auditkit.cli.probe_rm:probe_rm"),
    "eval:score_outputs": ("auditkit.evals.api:score_outputs", "auditkit.cli.eval:score_cmd"),
    "eval:run_eval": ("auditkit.evals.api:run_eval", "auditkit.cli.eval:run_cmd"),
}
# config keys every kind may hold besides the API's parameters (where its results went)
_ALWAYS = {"out"}
# keys a kind records beside its config dataclass: analysis options that change the summary
# but not the rows (so they are no part of the run's resume identity)
_EXTRA_KEYS: dict[str, dict[str, Any]] = {"countries": {"ratio_confidence": float}}


def _hints(target: Any) -> dict[str, Any]:
    """Parameter name -> type annotation of a function or dataclass."""
    try:
        hints = typing.get_type_hints(target)
    except Exception:  # an annotation that cannot be resolved: check the names only
        hints = {}
    if dataclasses.is_dataclass(target):
        names = [f.name for f in dataclasses.fields(target)]
    else:
        names = [
            n
            for n, prm in inspect.signature(target).parameters.items()
            if prm.kind not in (prm.VAR_KEYWORD, prm.VAR_POSITIONAL)
        ]
    return {n: hints.get(n, Any) for n in names}


def _required(target: Any) -> list[str]:
    """Parameters without a default (a config must hold them)."""
    if dataclasses.is_dataclass(target):
        return [
            f.name
            for f in dataclasses.fields(target)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]
    return [
        n
        for n, prm in inspect.signature(target).parameters.items()
        if prm.default is prm.empty and prm.kind not in (prm.VAR_KEYWORD, prm.VAR_POSITIONAL)
    ]


def _type_ok(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits an annotation (JSON has no tuples or Paths: lists and strings
    stand for them)."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(float(value))
        )
    if hint is str or hint is Path:
        return isinstance(value, str)
    import collections.abc as cabc

    if origin in (list, tuple, cabc.Sequence, cabc.Iterable) or hint in (list, tuple):
        if not isinstance(value, list):
            return False
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return all(_type_ok(v, args[0]) for v in value) if len(args) == 1 else True
    if origin in (dict, cabc.Mapping) or hint is dict:
        return isinstance(value, dict)
    return True  # an annotation this checker does not know: the API checks it


def _cli_params(command: click.Command) -> dict[str, click.Parameter]:
    """Config key -> CLI parameter: by the parameter's name or its long option's name."""
    out: dict[str, click.Parameter] = {}
    for prm in command.params:
        for opt in getattr(prm, "opts", []):
            if opt.startswith("--"):
                out.setdefault(opt[2:].replace("-", "_"), prm)
        if prm.name:
            out.setdefault(prm.name, prm)
    return out


_RANGED = (click.IntRange, click.FloatRange, click.Choice)


def _check_range(key: str, value: Any, prm: click.Parameter | None, where: Path) -> None:
    if prm is None or not isinstance(prm.type, _RANGED) or value is None:
        return
    values = value if isinstance(value, list) and (prm.multiple or prm.nargs != 1) else [value]
    for v in values:
        if isinstance(prm.type, click.Choice) and not isinstance(v, str):
            continue  # the type check reports it
        try:
            prm.type.convert(v, prm, None)
        except click.BadParameter as e:
            raise InputError(f"{e.message}", where, field=f"config.{key}") from None


def validate_config(kind: str, record: dict[str, Any], where: Path) -> None:
    """Every config key known to the side's API, of its type and within its CLI range."""
    config = record["config"]
    if kind == "eval":
        api = _eval_api(config)
        kind = f"eval:{api}"
    if kind not in _API:
        return
    target, command = (_import(t) for t in _API[kind])
    hints = {**_hints(target), **_EXTRA_KEYS.get(kind, {})}
    params = _cli_params(command)
    missing = sorted(set(_required(target)) - set(config))
    if missing:
        raise InputError(
            f"missing config key(s) {', '.join(map(repr, missing))} of {_API[kind][0]}",
            where,
            field="config",
        )
    unknown = sorted(set(config) - set(hints) - _ALWAYS)
    if unknown:
        raise InputError(
            f"unknown config key(s) {', '.join(map(repr, unknown))}: not parameters of "
            f"{_API[kind][0]}",
            where,
            field="config",
        )
    for key, value in config.items():
        if key in _ALWAYS:
            if value is not None and not isinstance(value, str):
                raise InputError(
                    f"must be a path (string), got {value!r}", where, field=f"config.{key}"
                )
            continue
        hint = hints[key]
        if not _type_ok(value, hint):
            want = getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
            raise InputError(f"{value!r} is not of type {want}", where, field=f"config.{key}")
        _check_range(key, value, params.get(key), where)


def validate_record(record: Any, where: Path) -> None:
    """The parts of an audit record that `rerun` uses, with one-line errors."""
    if not isinstance(record, dict):
        raise InputError("expected a JSON object", where)
    kind = record.get("kind")
    if not isinstance(kind, str) or not kind:
        raise InputError("the record has no kind", where, field="kind")
    if kind not in RERUNNERS.names():
        raise InputError(
            f"unknown run kind {kind!r}; known: {', '.join(RERUNNERS.names())}", where, field="kind"
        )
    if not isinstance(record.get("config"), dict):
        raise InputError("the record has no config object", where, field="config")
    inputs = record.get("inputs", [])
    if inputs is None:
        inputs = []
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
    validate_config(kind, record, where)


@RERUNNERS.register("lang")
def rerun_lang(config: dict[str, Any], out: Path, workers: int | None = None) -> dict[str, Any]:
    run_lang = _import("auditkit.langid.runner:run_lang")
    cfg = dict(config)
    cfg.pop("out", None)
    source = cfg.pop("source", "sample")
    return run_lang(source, out=out, overwrite=True, workers=workers, **cfg)


@RERUNNERS.register("countries")
def rerun_countries(
    config: dict[str, Any], out: Path, workers: int | None = None
) -> dict[str, Any]:
    run_countries = _import("auditkit.countries.runner:run_countries")
    cfg = dict(config)
    cfg.pop("out", None)
    source = cfg.pop("source", "sample")
    return run_countries(source, out=out, overwrite=True, workers=workers, **cfg)


def _eval_api(config: dict[str, Any]) -> str:
    return "score_outputs" if "outputs" in config else "run_eval"


@RERUNNERS.register("eval")
def rerun_eval(config: dict[str, Any], out: Path, workers: int | None = None) -> dict[str, Any]:
    # score_outputs re-scores stored outputs; run_eval runs a model. Their configs differ.
    fn = _import(f"auditkit.evals.api:{_eval_api(config)}")
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
    # absolute: 'audit.json' or '.' given inside the run folder has no parent folder name to
    # derive '<run>-rerun' from
    p = Path(audit_json).absolute()
    if p.is_dir():
        p = p / AUDIT_FILE
    if not p.is_file():
        raise InputError("no such audit record", audit_json)
    try:
        record = read_json(p)
    except (ValueError, RecursionError) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"not valid JSON: {msg}", audit_json) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", audit_json) from None
    validate_record(record, Path(audit_json))
    kind = record["kind"]
    runner = RERUNNERS.get(kind)
    config = record["config"]
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
