"""The summary of an eval run (`eval run` and `eval score` alike): per model and group the
metric with its CI, the changes along alignment chains with paired tests, and disparities.

Every number comes from :mod:`auditkit.evals.analysis`; this module decides which chains are
compared and lays the summary out (its keys are what report/ and the terminal tables read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.evals import analysis
from auditkit.evals.base import TaskMetric, TaskSpec
from auditkit.evals.chains import Chain, auto_chains, models_in_no_chain
from auditkit.summaries import EvalSummary

KIND = "eval"


@dataclass(frozen=True)
class Statistics:
    """How CIs and tests are computed (the same for every group and step of a run)."""

    confidence: float = 0.95
    n_resamples: int = 2000
    seed: int = 0
    mcnemar: str = "exact"

    def describe(self, metric: TaskMetric) -> dict[str, Any]:
        return {
            "confidence": self.confidence,
            "ci": "wilson" if metric.binary else "percentile-bootstrap",
            "delta_ci": "paired percentile bootstrap",
            "paired_test": f"mcnemar-{self.mcnemar}"
            if metric.binary
            else "paired sign-flip permutation",
            "correction": "holm across the groups of each step",
            "disparity": "max - min of the groups' changes; reference change minus each group's "
            "change (bootstrap CI)",
            "n_resamples": self.n_resamples,
            "seed": self.seed,
        }


@dataclass
class ChainComparison:
    """The chains compared and what comparing them gave."""

    chains: list[Chain]
    steps: list[dict[str, Any]]
    disparities: list[dict[str, Any]]
    unmatched: list[str]


def _compare(
    frame: pd.DataFrame,
    chains: list[Chain],
    task: TaskSpec,
    metric: TaskMetric,
    groups: list[str],
    st: Statistics,
) -> ChainComparison:
    steps, disparities, unmatched = analysis.chain_steps(
        frame,
        chains,
        metric,
        groups,
        task.reference_group,
        st.mcnemar,
        st.confidence,
        st.n_resamples,
        st.seed,
    )
    return ChainComparison(list(chains), steps, disparities, unmatched)


def _keep_matched_and_add_auto(
    cmp: ChainComparison,
    frame: pd.DataFrame,
    task: TaskSpec,
    metric: TaskMetric,
    groups: list[str],
    st: Statistics,
) -> ChainComparison:
    """Built-in chains are tried by default: only those that matched something are reported,
    then base -> chat/instruct pairs among the given models that no chain compares."""
    matched = {s["chain"] for s in cmp.steps}
    chains = [c for c in cmp.chains if c.name in matched]
    unmatched = [u for u in cmp.unmatched if u.split(":")[0].removeprefix("chain ") in matched]
    covered = {(s["from"], s["to"]) for s in cmp.steps}
    formed = auto_chains(sorted(map(str, frame["model"].unique())), covered)
    steps, disparities = cmp.steps, cmp.disparities
    if formed:
        more = _compare(frame, formed, task, metric, groups, st)
        steps, disparities, chains = (
            steps + more.steps,
            disparities + more.disparities,
            chains + formed,
        )
    return ChainComparison(chains, steps, disparities, unmatched)


def _reference_gaps(
    frame: pd.DataFrame,
    steps: list[dict[str, Any]],
    task: TaskSpec,
    metric: TaskMetric,
    groups: list[str],
    st: Statistics,
) -> dict[str, Any]:
    """Groups answering the same items: the reference group minus each group, per model and
    along each step (the paper's Figure 5)."""
    ref, ci = task.reference_group, (st.confidence, st.n_resamples, st.seed)
    return {
        "reference_gaps": analysis.reference_gaps(frame, metric.name, groups, ref, *ci),
        "reference_gap_steps": analysis.reference_gap_steps(
            frame, steps, metric.name, groups, ref, *ci
        ),
    }


def _model_names(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Canonical model -> the names the files gave it."""
    return (
        frame.groupby("model")["source_model"].apply(lambda s: sorted(set(map(str, s)))).to_dict()
    )


def eval_summary(
    task: TaskSpec,
    frame: pd.DataFrame,
    metric_name: str | None,
    groups: tuple[str, ...],
    chains: list[Chain],
    chains_mode: str,
    st: Statistics,
    extra: dict[str, Any],
) -> EvalSummary:
    """The summary of a scored frame. chains_mode: "given" (--chain), "auto" (the built-in
    chains that match, then pairs formed from the model names) or "none" (one model)."""
    metric = task.metric(metric_name)
    if metric.name not in frame.columns or frame[metric.name].isna().all():
        raise AuditkitError(f"the outputs have no values for metric {metric.name!r}")
    present = [g for g in groups if g in set(frame["group"])]
    models = analysis.model_group_metrics(
        frame, metric, present, st.confidence, st.n_resamples, st.seed
    )
    cmp = _compare(frame, chains, task, metric, present, st)
    if chains_mode == "auto":
        cmp = _keep_matched_and_add_auto(cmp, frame, task, metric, present, st)
    if task.groups_share_items:
        extra = {**extra, **_reference_gaps(frame, cmp.steps, task, metric, present, st)}
    model_list = sorted(map(str, frame["model"].unique()))
    return {
        "kind": KIND,
        "task": task.name,
        "axis": task.axis,
        "metric": metric.name,
        "metric_description": metric.description,
        "binary": metric.binary,
        "percent": metric.percent,
        "group_label": task.group_label,
        "groups": present,
        "reference_group": task.reference_group,
        "models": models,
        "model_names": _model_names(frame),
        "chains": [c.as_dict() for c in cmp.chains],
        "chains_mode": chains_mode,
        "models_without_chain": models_in_no_chain(model_list, cmp.chains),
        "steps": cmp.steps,
        "disparities": cmp.disparities,
        "unmatched_chains": cmp.unmatched,
        "statistics": st.describe(metric),
        **extra,
    }
