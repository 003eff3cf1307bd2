"""What an evaluation task is: a declaration (data) plus its loader, prompt builder and scorer.

In the style of lm-evaluation-harness, each task is a frozen :class:`TaskSpec` registered by name
in :data:`TASKS`. The spec holds the data the study fixed (prompt template, groups, decoding,
metrics) and the callables for everything task-specific (items, prompts, per-item scores, the
arguments its scorer takes, what its summary notes), so the evaluator never names a task.

Items are pandas DataFrames with at least ``item_id`` (str) and ``group`` columns; scored outputs
are DataFrames with ``model``, ``item_id``, ``group`` and one column per metric, so every task
shares the same analysis (CIs, paired tests along chains, disparities).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.registry import Registry

# what a task's hub loading error suggests (data is loaded from the Hub only without --data)
LOCAL_DATA_HINT = "pass --data with a local copy"


@dataclass(frozen=True)
class TaskMetric:
    """A per-item score column. ``binary`` metrics get Wilson CIs and McNemar tests; the
    others bootstrap CIs and paired permutation tests. ``percent``: reported in points."""

    name: str
    description: str
    binary: bool
    percent: bool = True


@dataclass(frozen=True)
class LmEvalTask:
    """How lm-evaluation-harness ``--log_samples`` rows of a task map to auditkit's."""

    prefix: str  # lm-eval task names of this auditkit task start with it (belebele_eng_Latn)
    metric: str  # the per-sample key lm-eval writes
    auditkit_metric: str  # what it is in auditkit
    group_field: str  # the doc field naming the group (else the task-name suffix)


@dataclass(frozen=True)
class TaskChoices:
    """What a run chose that a task's scorer or summary may use (each task takes what it
    needs): the groups compared and the Jensen-Shannon log base."""

    groups: tuple[str, ...]
    jsd_base: str = "e"


def _per_group_counts(items: pd.DataFrame) -> dict[str, Any]:
    return {g: int(n) for g, n in items["group"].value_counts().sort_index().items()}


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
    metrics: tuple[TaskMetric, ...]
    default_metric: str
    mode: str
    prompt_template: str
    max_new_tokens: int = 0
    hub_id: str | None = None
    source: str = ""  # where the study's prompt/scoring comes from
    # every group scores the same items (countries answering the same questions): groups are
    # compared on one common item set, paired per item
    groups_share_items: bool = False
    # groups outside `groups` are valid groups too (Belebele has 122 languages, the study
    # scored a few): outside the selection they are "not selected", never "unknown"
    any_group: bool = False
    # free-form group names made canonical (GlobalOpinionQA's country spellings); such groups
    # are not checked against `groups`
    canonical_group: Callable[[str], str] | None = field(repr=False, default=None)
    uses_shots: bool = False  # in-context examples (--shots) shape its prompts
    # stored generations are scored again against gold items given with --data
    rescore_with_data: bool = False
    lm_eval: LmEvalTask | None = None  # its lm-eval --log_samples rows, when comparable
    # item DataFrame from a local path (or the hub when None)
    load_items: Callable[..., pd.DataFrame] = field(repr=False, default=None)  # type: ignore[assignment]
    build_prompt: Callable[[dict[str, Any]], str] = field(repr=False, default=None)  # type: ignore[assignment]
    # option continuations scored by log-probability (option_logprob mode)
    options: Callable[[dict[str, Any]], list[str]] | None = field(repr=False, default=None)
    # (item row, model output, **score_arguments) -> scored rows (one per group for opinions)
    score: Callable[..., list[dict[str, Any]]] = field(repr=False, default=None)  # type: ignore[assignment]
    # TaskChoices -> the keyword arguments `score` takes beyond (item, output)
    score_arguments: Callable[[TaskChoices], dict[str, Any]] | None = field(
        repr=False, default=None
    )
    # TaskChoices -> how it was scored, for the summary's task_options
    scoring_notes: Callable[[TaskChoices], dict[str, Any]] | None = field(repr=False, default=None)
    # item DataFrame -> the summary's item counts (default: per group)
    count_items: Callable[[pd.DataFrame], dict[str, Any]] = field(
        repr=False, default=_per_group_counts
    )
    # scored frame -> task-specific summary entries of `eval score`
    scored_extra: Callable[[pd.DataFrame], dict[str, Any]] | None = field(repr=False, default=None)

    def metric(self, name: str | None = None) -> TaskMetric:
        name = name or self.default_metric
        for m in self.metrics:
            if m.name == name:
                return m
        known = ", ".join(m.name for m in self.metrics)
        raise AuditkitError(f"task {self.name!r} has no metric {name!r}; known: {known}")

    @property
    def open_groups(self) -> bool:
        """Whether a group outside `groups` may still be one of the task's."""
        return self.any_group or self.canonical_group is not None

    def choose_groups(self, groups: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
        """The groups a run compares: the task's when none are given."""
        if not groups:
            return self.groups
        if self.canonical_group is not None:
            return tuple(self.canonical_group(g) for g in groups)
        unknown = [g for g in groups if g not in self.groups]
        if unknown and not self.any_group:
            raise AuditkitError(
                f"unknown {self.group_label} {unknown} for {self.name}; known: "
                f"{', '.join(self.groups)}"
            )
        return tuple(groups)

    def score_kwargs(self, choices: TaskChoices) -> dict[str, Any]:
        return self.score_arguments(choices) if self.score_arguments else {}

    def notes(self, choices: TaskChoices) -> dict[str, Any]:
        return self.scoring_notes(choices) if self.scoring_notes else {}

    def scored_summary(self, frame: pd.DataFrame) -> dict[str, Any]:
        return self.scored_extra(frame) if self.scored_extra else {}


TASKS: Registry[TaskSpec] = Registry("eval task")


def get_task(name: str) -> TaskSpec:
    """The registered task (importing the task modules on first use)."""
    import auditkit.evals.tasks  # noqa: F401  (registers every task)

    return TASKS.get(name)


def task_names() -> list[str]:
    import auditkit.evals.tasks  # noqa: F401

    return TASKS.names()
