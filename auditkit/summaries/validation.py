"""Check a summary.json (or any JSON value) against the TypedDicts of this package.

The types are the one declaration of a summary's shape: the writers are annotated with them
and the readers validate with them, so a bad file is one error naming the file and the key
path instead of a TypeError in the middle of rendering. The rules:

* a TypedDict is an object whose declared keys are each optional (older summaries lack newer
  keys) and must have their declared type when present; undeclared keys are ignored (newer
  writers add keys);
* ``list[T]`` / ``dict[str, T]`` check every element; ``X | None`` also accepts null;
* scalars are checked by the :class:`~auditkit.summaries.checks.Check` in their
  ``Annotated`` metadata; numbers accept null (auditkit writes null for NaN), a plain ``str``
  does not; ``Any`` and ``Literal`` accept anything (the value's meaning is the reader's).
"""

from __future__ import annotations

import types
import typing
from functools import cache
from pathlib import Path
from typing import Any

from auditkit.errors import InputError
from auditkit.summaries.checks import BOOLEAN, NUMBER, Check

_STR = Check("a string", lambda v: isinstance(v, str), nullable=False)
_OPT_STR = Check("a string", lambda v: isinstance(v, str))
_PLAIN = {str: _STR, float: NUMBER, bool: BOOLEAN}


def validate(value: Any, shape: Any, where: Path, path: str = "") -> None:
    """Raise InputError naming ``where`` and the key path where ``value`` is not ``shape``."""
    _check(value, shape, where, path, nullable=False)


def _fail(value: Any, path: str, where: Path, what: str) -> None:
    shown = repr(value)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise InputError(f"expected {what}, got {shown}", where, field=path or None)


def _check(value: Any, shape: Any, where: Path, path: str, nullable: bool) -> None:
    origin = typing.get_origin(shape)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(shape) if a is not type(None)]
        if len(args) == 1:
            return _check(value, args[0], where, path, nullable=True)
        return None  # a union of shapes: the reader tells them apart
    if origin is typing.Annotated:
        check = next(m for m in shape.__metadata__ if isinstance(m, Check))
        return _scalar(value, check, where, path)
    if shape is str:
        return _scalar(value, _OPT_STR if nullable else _STR, where, path)
    if shape in _PLAIN:
        return _scalar(value, _PLAIN[shape], where, path)
    if value is None and nullable:
        return None
    if origin is list:
        if not isinstance(value, list):
            _fail(value, path, where, "a list")
        (item,) = typing.get_args(shape)
        for i, v in enumerate(value):
            _check(v, item, where, f"{path}.{i}", nullable=False)
    elif origin is dict:
        if not isinstance(value, dict):
            _fail(value, path, where, "an object")
        _, item = typing.get_args(shape)
        for k, v in value.items():
            _check(v, item, where, f"{path}.{k}" if path else str(k), nullable=False)
    elif typing.is_typeddict(shape):
        if not isinstance(value, dict):
            _fail(value, path, where, "an object")
        for k, s in _fields(shape).items():
            if k in value:
                _check(value[k], s, where, f"{path}.{k}" if path else k, nullable=False)
    return None  # Any, Literal, int...: accepted as they are


def _scalar(value: Any, check: Check, where: Path, path: str) -> None:
    if value is None and check.nullable:
        return
    if not check.ok(value):
        _fail(value, path, where, check.what + (" or null" if check.nullable else ""))


@cache
def _fields(typed_dict: type) -> dict[str, Any]:
    return typing.get_type_hints(typed_dict, include_extras=True)
