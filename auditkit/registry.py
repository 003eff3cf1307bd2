"""A small named registry, one per side (corpus formats, detectors, scorers, tasks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from auditkit.errors import AuditkitError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps names (and aliases) to objects; unknown names give an error listing the known ones."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, obj: T | None = None, *, aliases: tuple[str, ...] = ()):
        """Register ``obj`` under ``name``; usable as a decorator when ``obj`` is omitted."""

        def add(o: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[name] = o
            for a in aliases:
                self._aliases[a] = name
            return o

        if obj is None:
            return add
        return add(obj)

    def get(self, name: str) -> T:
        key = self._aliases.get(name, name)
        if key not in self._items:
            raise AuditkitError(
                f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self._items))}"
            )
        return self._items[key]

    def __contains__(self, name: object) -> bool:
        return name in self._items or name in self._aliases

    def names(self) -> list[str]:
        return list(self._items)

    def items(self) -> Iterator[tuple[str, T]]:
        return iter(self._items.items())
