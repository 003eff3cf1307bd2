"""Counted skips: nothing is dropped silently; every skip is counted by reason with examples."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from auditkit.errors import format_location


@dataclass
class SkipLog:
    """Counts skipped inputs per reason and keeps the first few locations of each."""

    max_examples: int = 5
    counts: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(
        self,
        reason: str,
        path: str | None = None,
        line: int | None = None,
        field_name: str | None = None,
        detail: str = "",
    ) -> None:
        self.counts[reason] += 1
        ex = self.examples.setdefault(reason, [])
        if len(ex) < self.max_examples:
            ex.append((format_location(path, line, field_name) + detail).rstrip(": "))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: SkipLog) -> None:
        for reason, n in other.counts.items():
            self.counts[reason] += n
            ex = self.examples.setdefault(reason, [])
            ex.extend(other.examples.get(reason, [])[: max(0, self.max_examples - len(ex))])

    @classmethod
    def from_dict(cls, d: dict | None) -> SkipLog:
        """The inverse of ``as_dict`` (a run's done markers keep their shard's skips)."""
        log = cls()
        for reason, entry in ((d or {}).get("by_reason") or {}).items():
            log.counts[reason] += int(entry.get("count", 0))
            log.examples[reason] = list(entry.get("examples", []))[: log.max_examples]
        return log

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "by_reason": {
                r: {"count": n, "examples": self.examples.get(r, [])}
                for r, n in sorted(self.counts.items())
            },
        }
