"""The registry of run kinds: what `auditkit rerun` replays and `report` reads.

A run kind is the ``kind`` of an audit record ("lang", "countries", "probe-rm", "eval"): the
config class(es) its ``config`` holds and the function that runs one. Each side registers its
kind in its package ``__init__`` (importing only its light config module; the run function
imports the heavy code when called), so this registry never names a side. The top-level
modules that replay runs (:mod:`auditkit.rerun`) import the registering packages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditkit.registry import Registry


@dataclass(frozen=True)
class RunSettings:
    """Resources of a run: never part of its identity, so they may differ on a re-run."""

    workers: int | None = None
    progress: bool = False


@dataclass(frozen=True)
class RunKind:
    """configs: the config classes a record of this kind may hold (one per API of the kind);
    choose: which of them a recorded config mapping is (None: the only one);
    run: (config, out_dir, settings) -> summary dict, writing the run folder."""

    configs: tuple[type, ...]
    run: Callable[[Any, Path, RunSettings], dict[str, Any]]
    choose: Callable[[Mapping[str, Any]], type] | None = None

    def config_class(self, recorded: Mapping[str, Any]) -> type:
        return self.choose(recorded) if self.choose else self.configs[0]


RUN_KINDS: Registry[RunKind] = Registry("run kind")
