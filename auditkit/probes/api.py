"""Python API of `auditkit probe-rm`: score probes with a model, or analyse existing scores.

``run_probe(ProbeConfig(...), out)`` does the whole run and returns the summary dict;
``probe_rm(model=..., ...)`` is its keyword form (the config's fields as keyword arguments).
The kind of probe picks the module that runs it:

* country templates (the study): auditkit.probes.country_probe
* ``{language}`` or user-list templates: auditkit.probes.slot_probe
* parallel text (``probes="languages"``) and preference pairs: auditkit.probes.conversation_api
* existing score files: country_probe, or conversation_api for language-probe scores

The scoring loop on its own (``score_questions``, any subset of questions) is in
auditkit.probes.scoring.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from auditkit.errors import AuditkitError
from auditkit.io import default_out_dir, holds_run_folder, slug
from auditkit.probes.config import DEFAULT_QUESTION_CHUNK, ENGINES, ProbeConfig
from auditkit.probes.run_context import ProbeRun
from auditkit.probes.scoring import (
    SCORES_FILE,
    concat_chunks,
    question_chunks,
    score_chunks,
    score_questions,
)

__all__ = [
    "DEFAULT_QUESTION_CHUNK",
    "ENGINES",
    "SCORES_FILE",
    "ProbeConfig",
    "concat_chunks",
    "default_out",
    "probe_rm",
    "question_chunks",
    "run_probe",
    "score_chunks",
    "score_questions",
]


def default_out(model: str | Sequence[str] | None, scores: Sequence[str] | None) -> Path:
    """reports/probe-rm/<model or score-file name>; several: reports/probe-rm/compare-a-vs-b.

    Model ids keep their owner ('org/model' -> 'org__model', see ``slug``) so that two
    models of one name from different owners get different folders."""
    names = [model] if isinstance(model, str) else list(model or [])
    if scores:
        names = [Path(s).stem if Path(s).suffix else Path(s).name for s in scores]
    root = default_out_dir("probe-rm", "x").parent
    if len(names) == 1:
        return root / slug(names[0])
    name = "compare-" + "-vs-".join(slug(n) for n in names)
    if len(name) > 120:
        name = name[:100] + "-" + hashlib.sha256("\0".join(names).encode()).hexdigest()[:10]
    return root / name


def _out_of(args: dict[str, Any]) -> Path:
    config = args["config"]
    return args["out"] or default_out(config.model, config.scores)


@holds_run_folder(_out_of)
def run_probe(
    config: ProbeConfig,
    out: str | Path | None = None,
    *,
    progress: bool = False,
    engine: str = "local",
    ray_address: str | None = None,
    language_labeller: Callable[[list[str]], list[str]] | None = None,
) -> dict[str, Any]:
    """Probe MODEL(s) with country templates, or analyse existing SCORES; write a run folder.

    Returns the summary written to ``out/summary.json``. With several models (or score files,
    or a parquet holding several models) each gets a subfolder and the top summary compares
    them.

    ``engine="ray"`` scores on Ray actors (the cluster at ``ray_address``, else a local one);
    both engines score the same ``question_chunk``-question chunks with the same torch thread
    count, so the scores and summary.json are identical to a local run's.
    ``language_labeller`` labels the prompts of ``pairs`` without a language column
    (auditkit.pipelines passes language ID). None of these is part of the recorded config.
    """
    if engine not in ENGINES:
        raise AuditkitError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")
    run = ProbeRun(
        config,
        Path(out) if out is not None else default_out(config.model, config.scores),
        progress=progress,
        engine=engine,
        ray_address=ray_address,
        language_labeller=language_labeller,
    )
    if config.pairs or (run.models and _is_parallel(config.probes)):
        if config.scores:
            raise AuditkitError(
                "--scores analyses country scores; not with --pairs or --probes languages"
            )
        _preflight(run)
        from auditkit.probes.conversation_api import run_conversation_probe

        return run_conversation_probe(run)
    if run.models and config.scores:
        raise AuditkitError("give a MODEL to score, or --scores FILE to analyse, not both")
    if not run.models and not config.scores:
        raise AuditkitError(
            "give a MODEL to score (e.g. `auditkit probe-rm starling`) or --scores FILE to "
            "analyse existing scores"
        )
    return _analyse_scores(run) if config.scores else _probe_models(run)


def _is_parallel(probes: str) -> bool:
    from auditkit.probes.parallel import is_parallel_spec

    return is_parallel_spec(probes)


def _preflight(run: ProbeRun) -> None:
    """Seconds, not minutes, when Ray or a model is missing: before torch is imported."""
    from auditkit import hub
    from auditkit.modeling import parse_model_args
    from auditkit.probes.scorers import KNOWN_MODELS

    if not run.models:
        return
    if run.engine == "ray":
        from auditkit.raytools import require_ray

        require_ray()  # a missing Ray says how to install it before the Hub is tried
    c = run.config
    rev = parse_model_args(c.model_args).get("revision", c.revision)
    for name in run.models:
        spec = KNOWN_MODELS.get(name) if name in KNOWN_MODELS else None
        hub.preflight_model(spec.model_id if spec else name, rev)
    hub.preflight_model(c.reference_model, None, "reference model")


def _analyse_scores(run: ProbeRun) -> dict[str, Any]:
    from auditkit.probes import country_probe
    from auditkit.probes.conversation_api import (
        analyze_language_score_files,
        language_scores_file,
    )

    wanted = country_probe.wanted_countries(run)
    language_files = [language_scores_file(p) for p in run.config.scores or ()]
    if all(language_files):
        return analyze_language_score_files(run, language_files)
    return country_probe.analyse_score_files(run, wanted)


def _probe_models(run: ProbeRun) -> dict[str, Any]:
    from auditkit.probes import country_probe
    from auditkit.probes.probesets import load_probe_set

    wanted = country_probe.wanted_countries(run)
    _preflight(run)
    c = run.config
    probe_set = load_probe_set(c.probes, c.probes_revision).subset(c.limit)
    if probe_set.slot.kind != "country":
        return _probe_template(run, probe_set)
    return country_probe.probe_countries(run, probe_set, wanted)


def _probe_template(run: ProbeRun, probe_set: Any) -> dict[str, Any]:
    """A ``{language}`` or user-list template probe (auditkit.probes.slot_probe)."""
    from auditkit.facts.languages import normalise_code
    from auditkit.probes.slot_probe import run_slot_probe
    from auditkit.probes.slots import resolve_fillers

    slot = probe_set.slot
    fillers = resolve_fillers(slot, run.config.languages)
    if slot.kind == "language":
        reference = normalise_code(slot.reference or run.config.reference_language)
    else:
        reference = slot.reference
    return run_slot_probe(run, probe_set, fillers, reference)


def probe_rm(
    model: str | Sequence[str] | None = None,
    scores: Sequence[str] | None = None,
    out: str | Path | None = None,
    *,
    progress: bool = False,
    engine: str = "local",
    ray_address: str | None = None,
    language_labeller: Callable[[list[str]], list[str]] | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """``run_probe`` with the config's fields as keyword arguments (see ProbeConfig):
    ``probe_rm("starling", limit=20)``, ``probe_rm(scores=["starling.csv"])``.

    ``probes="languages"`` (or a parallel CSV/JSONL: item_id, language, prompt, response)
    ranks languages instead; ``pairs=[DATA...]`` scores the chosen and rejected answers of
    preference corpora and reports accuracy by language. ``model_args`` takes
    lm-evaluation-harness's ``--model_args`` spelling ('revision=R,dtype=bfloat16,peft=ADAPTER,
    trust_remote_code=True,device_map=auto,attn_implementation=sdpa'; ``pretrained=ID`` stands
    for MODEL). ``batch_size`` fixes the sequences per forward pass instead of the automatic
    token budget.
    """
    if isinstance(scores, (str, Path)):
        scores = [scores]
    settings = {k: _paths_as_strings(v) for k, v in settings.items()}
    config = ProbeConfig(model=model, scores=_paths_as_strings(scores) or None, **settings)
    return run_probe(
        config,
        out,
        progress=progress,
        engine=engine,
        ray_address=ray_address,
        language_labeller=language_labeller,
    )


def _paths_as_strings(value: Any) -> Any:
    """Paths given where the config holds strings (score files, surveys, pairs, a country
    file): recorded as strings."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [str(v) if isinstance(v, Path) else v for v in value]
    return value
