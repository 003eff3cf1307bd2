"""Run configurations: one frozen dataclass per command, checked where it is made.

Every command's Python API takes one config (``LangConfig``, ``ProbeConfig``, ...); the CLI
builds it from options, ``auditkit rerun`` from an audit record, a script directly. The audit
record stores it as is (``to_record``), so what a run recorded is exactly what replays it.

Fields carry their limits as metadata (``setting(10_000, min=1)``): ``check_config`` verifies
types and limits in ``__post_init__`` of :class:`RunConfig`, so a bad value is one error naming
the field whether it came from a flag, a record or code.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditkit.errors import AuditkitError, InputError


class ConfigError(AuditkitError):
    """A configuration value out of its type or range; names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field, self.reason = field, message
        super().__init__(f"{field}: {message}")


def setting(
    default: Any = dataclasses.MISSING,
    *,
    min: float | None = None,  # noqa: A002 - the natural names for a range
    max: float | None = None,  # noqa: A002
    choices: tuple[Any, ...] | None = None,
    identity: bool = True,
    default_factory: Any = dataclasses.MISSING,
) -> Any:
    """A config field with its limits. ``identity=False``: an analysis option that changes the
    summary but not the rows (left out of a run's resume identity)."""
    meta = {"min": min, "max": max, "choices": choices, "identity": identity}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # an annotation that cannot be resolved: names only
        return {}


def type_matches(value: Any, hint: Any) -> bool:
    """Whether a value fits an annotation; JSON lists stand for tuples and strings for Paths."""
    if hint is Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(type_matches(value, h) for h in typing.get_args(hint))
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
        return isinstance(value, (str, Path)) if hint is Path else isinstance(value, str)
    import collections.abc as cabc

    if origin in (list, tuple, cabc.Sequence, cabc.Iterable) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        args = [a for a in typing.get_args(hint) if a is not Ellipsis]
        return all(type_matches(v, args[0]) for v in value) if len(args) == 1 else True
    if origin in (dict, cabc.Mapping) or hint is dict:
        return isinstance(value, dict)
    return True  # an annotation this checker does not know: the API checks it


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def check_config(cfg: Any) -> None:
    """Every field of the type its annotation names and within its declared limits."""
    hints = _hints(type(cfg))
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        hint = hints.get(f.name, Any)
        if not type_matches(value, hint):
            raise ConfigError(f.name, f"{value!r} is not of type {_type_name(hint)}")
        if value is None:
            continue
        lo, hi, choices = (f.metadata.get(k) for k in ("min", "max", "choices"))
        for v in value if isinstance(value, (list, tuple)) else (value,):
            if choices is not None and v not in choices:
                raise ConfigError(f.name, f"{v!r} is not one of {', '.join(map(repr, choices))}")
            if lo is not None and isinstance(v, (int, float)) and v < lo:
                raise ConfigError(f.name, f"{v!r} is below the minimum {lo}")
            if hi is not None and isinstance(v, (int, float)) and v > hi:
                raise ConfigError(f.name, f"{v!r} is above the maximum {hi}")


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Base of every command's configuration: frozen, checked when made."""

    def __post_init__(self) -> None:
        # JSON and click give lists where a config holds tuples (hashable, immutable)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        check_config(self)

    def identity(self) -> dict[str, Any]:
        """The fields that determine a run's rows (what a resumed run must match)."""
        return {
            f.name: _jsonable(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.metadata.get("identity", True)
        }

    def replace(self, **changes: Any) -> Any:
        return dataclasses.replace(self, **changes)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def to_record(cfg: Any) -> dict[str, Any]:
    """The config as the audit record stores it (JSON types only)."""
    return {f.name: _jsonable(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}


def from_record(
    cls: type,
    data: Any,
    where: str | Path | None = None,
    *,
    ignore: frozenset[str] = frozenset(),
) -> Any:
    """Build ``cls`` from a recorded mapping: unknown, missing or ill-typed keys are one-line
    errors naming the record and the key. ``ignore``: keys older records hold beside the
    config (e.g. where the results went)."""
    if not isinstance(data, Mapping):
        raise InputError("the record has no config object", where, field="config")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields) - ignore)
    if unknown:
        raise InputError(
            f"unknown config key(s) {', '.join(map(repr, unknown))}: not fields of "
            f"{cls.__module__}.{cls.__name__}",
            where,
            field="config",
        )
    missing = sorted(
        n
        for n, f in fields.items()
        if n not in data
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    )
    if missing:
        raise InputError(
            f"missing config key(s) {', '.join(map(repr, missing))} of "
            f"{cls.__module__}.{cls.__name__}",
            where,
            field="config",
        )
    kwargs = {k: v for k, v in data.items() if k in fields}
    try:
        return cls(**kwargs)
    except ConfigError as e:
        raise InputError(e.reason, where, field=f"config.{e.field}") from None
