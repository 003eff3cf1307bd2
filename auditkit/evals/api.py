"""Python API of `auditkit eval`: run a task on a model, and score per-item outputs along chains.

``score(ScoreConfig, out)`` (:mod:`auditkit.evals.scoring`) and ``run(RunEvalConfig, out)``
(:mod:`auditkit.evals.evaluation`) write a run folder (``outputs.parquet``, ``summary.json``,
``audit.json``) and return the summary dict; the audit record holds the config, which replays
the run. ``score_outputs`` / ``run_eval`` take the same settings as keyword arguments.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

from auditkit.evals.config import RunEvalConfig, ScoreConfig
from auditkit.evals.evaluation import run
from auditkit.evals.evaluation import task_list as _task_list  # noqa: F401  (auditkit.api)
from auditkit.evals.scoring import score
from auditkit.io import write_json

__all__ = ["RunEvalConfig", "ScoreConfig", "run", "run_eval", "score", "score_outputs"]

# --- keyword wrappers -----------------------------------------------------------------------
# The settings as keyword arguments (scripts, auditkit.api, records of earlier versions): each
# builds the config and calls the API above. `json_path` writes the summary a second time (the
# CLI's --json), outside the record.


def _keyword_signature(fn: Callable[..., Any], config_cls: type, first: int) -> None:
    """Give a keyword wrapper the config's fields as its signature (help(), IDEs, and tools
    that check a call's keywords against the function)."""
    params = list(inspect.signature(fn).parameters.values())
    runtime = [p for p in params if p.kind is p.KEYWORD_ONLY]
    fields = dataclasses.fields(config_cls)
    settings = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
            annotation=f.type,
        )
        for f in fields[first:]
    ]
    fn.__signature__ = inspect.Signature(params[:first] + runtime + settings)  # type: ignore[attr-defined]
    fn.__annotations__ = {
        **{f.name: f.type for f in fields},
        **{p.name: p.annotation for p in runtime},
    }


def _without_none(settings: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    # earlier versions took None for "none given" where the config holds an empty tuple
    return {k: v for k, v in settings.items() if not (k in keys and v is None)}


def score_outputs(
    task: str,
    outputs: list[str],
    *,
    out: str | None = None,
    json_path: str | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """Score per-item outputs (see :class:`ScoreConfig` for the settings)."""
    settings = _without_none(settings, ("chain", "groups"))
    summary = score(ScoreConfig(task=task, outputs=tuple(outputs), **settings), out)
    if json_path:
        write_json(json_path, summary)
    return summary


def run_eval(
    task: str | list[str],
    model: str | None = None,
    *,
    out: str | None = None,
    json_path: str | None = None,
    show_progress: bool = True,
    **settings: Any,
) -> dict[str, Any]:
    """Evaluate a model on a task or several (see :class:`RunEvalConfig` for the settings;
    ``model_args`` takes lm-evaluation-harness's ``--model_args`` spelling)."""
    result = run(
        RunEvalConfig(task=task, model=model, **settings), out, show_progress=show_progress
    )
    if json_path:
        write_json(json_path, result)
    return result


_keyword_signature(score_outputs, ScoreConfig, 2)
_keyword_signature(run_eval, RunEvalConfig, 2)
