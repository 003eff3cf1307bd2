"""summary.json of `auditkit eval run|score` (written by auditkit.evals.api.build_summary).

Every eval metric is a proportion or a similarity in [0, 1]; ``percent`` says whether it is
shown in points.
"""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from auditkit.summaries.checks import (
    Count,
    Counts,
    Flag,
    Num,
    Points,
    PValue,
    Rho,
    Share,
    ShareGap,
    ShareRange,
)
from auditkit.summaries.common import Skips

# Raise when a key changes meaning or shape (not when one is added). Not in summary.json.
EVAL_SUMMARY_VERSION = 1


class GroupMetric(TypedDict, total=False):
    value: Share
    ci_low: Share
    ci_high: Share
    n: Count


class Stage(TypedDict, total=False):
    model: str | None
    stage: str | None
    data: list[str]  # the training data of this stage (not on the first stage)


class ChainSpec(TypedDict, total=False):
    name: str
    source: str | None
    stages: list[Stage]


# One group's change from one stage of a chain to the next ("from" is a Python keyword, hence
# the functional form).
Step = TypedDict(
    "Step",
    {
        "chain": str,
        "from": str | None,
        "to": str | None,
        "from_stage": str | None,
        "to_stage": str | None,
        "group": str,
        "n": Count,
        "test": str | None,
        "data": list[str],
        "delta": Rho,
        "delta_ci_low": Rho,
        "delta_ci_high": Rho,
        "delta_points": Points,
        "delta_points_rounded": Points,
        "from_value": Share,
        "to_value": Share,
        "p": PValue,
        "p_holm": PValue,
    },
    total=False,
)


class GapToReference(TypedDict, total=False):
    value: ShareGap
    ci_low: ShareGap
    ci_high: ShareGap
    p: PValue


class Disparity(TypedDict, total=False):
    """The spread of the groups' changes along one step."""

    chain: str
    from_stage: str | None
    to_stage: str | None
    max_group: str | None
    min_group: str | None
    reference_group: str | None
    range: ShareRange
    vs_reference: dict[str, GapToReference]


class ReferenceGap(TypedDict, total=False):
    value: Rho
    ci_low: Rho
    ci_high: Rho
    n: Count


class ReferenceGapStep(TypedDict, total=False):
    chain: str
    from_stage: str | None
    to_stage: str | None
    group: str
    n: Count
    data: list[str]
    from_value: Rho
    to_value: Rho
    delta: ShareGap
    delta_ci_low: ShareGap
    delta_ci_high: ShareGap
    p: PValue
    p_holm: PValue


class Statistics(TypedDict, total=False):
    confidence: Share
    n_resamples: Count
    seed: Num
    ci: str
    delta_ci: str
    paired_test: str
    correction: str
    disparity: str


class EvalSummary(TypedDict, total=False):
    kind: Literal["eval"]
    task: str | None
    axis: str | None
    metric: str | None
    metric_description: str | None
    binary: Flag
    percent: Flag  # shown in points (x100)
    group_label: str | None
    groups: list[str]
    reference_group: str | None
    models: dict[str, dict[str, GroupMetric]]  # {model: {group: metric}}
    model_names: dict[str, list[str]]  # {model: the names it had in the outputs}
    chains: list[ChainSpec]
    chains_mode: str | None  # "given" | "auto"
    models_without_chain: list[Any]
    steps: list[Step]
    disparities: list[Disparity]
    unmatched_chains: list[Any]
    statistics: Statistics
    # opinion tasks (groups share items): the reference group minus each group
    reference_gaps: dict[str, dict[str, ReferenceGap]]
    reference_gap_steps: list[ReferenceGapStep]
    task_options: dict[str, Any]  # the task's settings (prompt mode, seed, shots...)
    skips: Skips
    # eval score: what was read
    sources: list[dict[str, Any]]  # one per outputs file: format, path, rows
    filters: dict[str, Any]
    rows: Counts  # read = scored + skipped
    questions_kept: Counts  # GlobalOpinionsQA: questions per model after the common set
    # eval run: what was generated
    items: Counts  # per group (GlobalOpinionsQA: questions)
    model: dict[str, Any]  # the model as loaded: id, revision, dtype...
