"""`auditkit eval`: dialect, language and opinion evaluations of models along alignment chains.

Registers the "eval" run kind: a record holds a :class:`ScoreConfig` (``eval score``: it has
``outputs``) or a :class:`RunEvalConfig` (``eval run``). Only the light config module is
imported here; the run function imports the evaluator when called.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from auditkit.evals.config import RunEvalConfig, ScoreConfig
from auditkit.runkinds import RUN_KINDS, RunKind, RunSettings


def _choose(recorded: Mapping[str, Any]) -> type:
    return ScoreConfig if "outputs" in recorded else RunEvalConfig


def _run(config: Any, out: Path, settings: RunSettings) -> dict[str, Any]:
    from auditkit.evals import api

    if isinstance(config, ScoreConfig):
        return api.score(config, out)
    return api.run(config, out, show_progress=settings.progress)


RUN_KINDS.register("eval", RunKind(configs=(ScoreConfig, RunEvalConfig), run=_run, choose=_choose))
