"""What an evaluation task is: a declaration (data) plus its loader, prompt builder and scorer.

In the style of lm-evaluation-harness, each task is a frozen :class:`TaskSpec` registered by name
in :data:`TASKS`. The spec holds the data the study fixed (prompt template, groups, decoding,
metrics); the callables turn items into prompts and model outputs into per-item scores.

Items are pandas DataFrames with at least ``item_id`` (str) and ``group`` columns; scored outputs
are DataFrames with ``model``, ``item_id``, ``group`` and one column per metric, so every task
shares the same analysis (CIs, paired tests along chains, disparities).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from auditkit.registry import Registry

# The study's seed (every script of SALT-NLP/unintended-impacts-of-alignment defaults to 221).
STUDY_SEED = 221


@dataclass(frozen=True)
class Metric:
    """A per-item score column. ``binary`` metrics get Wilson CIs and McNemar tests; the
    others bootstrap CIs and paired permutation tests. ``percent``: reported in points."""

    name: str
    description: str
    binary: bool
    percent: bool = True


@dataclass(frozen=True)
class TaskSpec:
    """A registered evaluation task.

    mode: "generate" (greedy decoding, scored from the text) or "option_logprob" (the model's
    probability of each option continuation, normalised over the options).
    """

    name: str
    axis: str  # dialect | language | opinion
    description: str
    group_label: str  # what a group is: dialect | language | country
    groups: tuple[str, ...]
    reference_group: str  # disparities are "reference change minus group change"
    metrics: tuple[Metric, ...]
    default_metric: str
    mode: str
    prompt_template: str
    max_new_tokens: int = 0
    hub_id: str | None = None
    source: str = ""  # where the study's prompt/scoring comes from
    # every group scores the same items (countries answering the same questions): groups are
    # compared on one common item set, paired per item
    groups_share_items: bool = False
    # item DataFrame from a local path (or the hub when None)
    load_items: Callable[..., pd.DataFrame] = field(repr=False, default=None)  # type: ignore[assignment]
    build_prompt: Callable[[dict[str, Any]], str] = field(repr=False, default=None)  # type: ignore[assignment]
    # option continuations scored by log-probability (option_logprob mode)
    options: Callable[[dict[str, Any]], list[str]] | None = field(repr=False, default=None)
    # (item row, model output) -> list of scored rows (one per group for opinion tasks)
    score: Callable[..., list[dict[str, Any]]] = field(repr=False, default=None)  # type: ignore[assignment]

    def metric(self, name: str | None = None) -> Metric:
        from auditkit.errors import AuditkitError

        name = name or self.default_metric
        for m in self.metrics:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.metrics)
        raise AuditkitError(f"task {self.name!r} has no metric {name!r}; known: {known}")


TASKS: Registry[TaskSpec] = Registry("eval task")


def get_task(name: str) -> TaskSpec:
    """The registered task (importing the task modules on first use)."""
    import auditkit.evals.tasks  # noqa: F401  (registers every task)

    return TASKS.get(name)


def task_names() -> list[str]:
    import auditkit.evals.tasks  # noqa: F401

    return TASKS.names()
