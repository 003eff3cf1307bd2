"""Compositions of several sides, one level above them.

Sides (langid, probes, evals) never import each other; where a command needs two of them
(per-language reward-model accuracy needs language ID of the pairs' prompts), the composition
lives here and the top-level CLI calls it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.probes.config import ProbeConfig
from auditkit.runkinds import RUN_KINDS, RunKind, RunSettings


def _run_probe_rm(config: ProbeConfig, out: Path, settings: RunSettings) -> dict[str, Any]:
    # `probe-rm --pairs` without a language column needs the langid side's language ID
    from auditkit.pipelines.rm_languages import run_probe

    return run_probe(config, out, progress=settings.progress)


RUN_KINDS.register("probe-rm", RunKind(configs=(ProbeConfig,), run=_run_probe_rm))
