"""Configurations of `auditkit eval score` and `auditkit eval run` (light: the CLI and the
run-kind registry import it without pandas or torch).

Field names are those of the keyword arguments `score_outputs` / `run_eval` always took, so
audit records written before these classes existed still replay. Where the results go (``out``),
the CLI's extra JSON copy (``--json``) and the progress bar are not part of a run's config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditkit.config import ConfigError, RunConfig, setting
from auditkit.modeling import DTYPES

# The study's seed (every script of SALT-NLP/unintended-impacts-of-alignment defaults to 221).
STUDY_SEED = 221
JSD_BASE_CHOICES = ("e", "2")
MCNEMAR_CHOICES = ("exact", "midp")


def _check_confidence(cfg: Any) -> None:
    # an open interval, which setting(min=, max=) (closed bounds) cannot say
    if not 0 < cfg.confidence < 1:
        raise ConfigError(
            "confidence", f"must be between 0 and 1 (exclusive), got {cfg.confidence!r}"
        )


@dataclass(frozen=True)
class ScoreConfig(RunConfig):
    """`eval score`: score per-item outputs (auditkit's, the study's, other tools') and compare
    models along chains."""

    task: str
    outputs: tuple[str, ...]
    chain: tuple[str, ...] = ()
    metric: str | None = None
    groups: tuple[str, ...] = ()
    data: str | None = None
    prompt_mode: str = "no_answers"
    seed: int | None = None
    chat_template: bool = False
    jsd_base: str = setting("e", choices=JSD_BASE_CHOICES)
    mcnemar: str = setting("exact", choices=MCNEMAR_CHOICES)
    confidence: float = 0.95
    n_resamples: int = setting(2000, min=1)
    bootstrap_seed: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_confidence(self)


@dataclass(frozen=True)
class RunEvalConfig(RunConfig):
    """`eval run`: evaluate one model on one task or several (``task`` 'a,b' or a list; then
    ``data`` is TASK=PATH pairs). The audit record of each task holds the config with that
    task, its data and the model resolved."""

    task: str | tuple[str, ...]
    model: str | None = None
    data: str | tuple[str, ...] | dict[str, str] | None = None
    groups: tuple[str, ...] | None = None
    limit: int | None = setting(None, min=1)
    revision: str | None = None
    dtype: str = setting("auto", choices=DTYPES)
    device: str = "auto"
    load_in_8bit: bool = False
    load_in_4bit: bool = False
    batch_size: str | int = "auto"
    chat_template: bool = False
    max_new_tokens: int | None = setting(None, min=1)
    shots: int = setting(1, min=0)
    seed: int = STUDY_SEED
    jsd_base: str = setting("e", choices=JSD_BASE_CHOICES)
    confidence: float = 0.95
    n_resamples: int = setting(2000, min=1)
    bootstrap_seed: int = 0
    model_args: str | dict[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_confidence(self)
