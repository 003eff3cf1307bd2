"""Group metrics with CIs, paired tests along chains, Holm correction and disparities.

Input is a scored frame (see :mod:`auditkit.evals.outputs`); every number is computed by the
pure functions of :mod:`auditkit.stats` on arrays taken from it.

* value per (model, group): mean of the metric; 95% Wilson CI for binary metrics, percentile
  bootstrap CI for the others.
* a step (from -> to) per group: on the items both models answered, the change of the mean,
  its paired bootstrap CI, and a paired test: McNemar (exact, or mid-p) for binary metrics,
  a sign-flip permutation test otherwise; Holm correction across the groups of the step.
* disparity per step: the spread of the changes between groups (max - min) and, for every
  group, the reference group's change minus that group's change (e.g. US gain minus Indian
  gain) with a bootstrap CI.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from auditkit import stats
from auditkit.evals.base import TaskMetric
from auditkit.evals.chains import Chain, match_model
from auditkit.skips import SkipLog


def _values(frame: pd.DataFrame, metric: str) -> np.ndarray:
    v = frame[metric].to_numpy(dtype=float)
    return v[~np.isnan(v)]


def value_with_ci(
    values: np.ndarray,
    metric: TaskMetric,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = int(v.size)
    if n == 0:
        return {"value": None, "ci_low": None, "ci_high": None, "n": 0}
    if metric.binary:
        lo, hi = stats.wilson_ci(int(round(v.sum())), n, confidence)
    else:
        lo, hi = stats.bootstrap_ci(v, np.mean, n_resamples, confidence, seed)
    return {"value": float(v.mean()), "ci_low": lo, "ci_high": hi, "n": n}


def model_group_metrics(
    frame: pd.DataFrame,
    metric: TaskMetric,
    groups: list[str],
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, dict[str, dict[str, Any]]]:
    """model -> group -> {value, ci_low, ci_high, n}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model, mdf in frame.groupby("model", sort=True):
        out[str(model)] = {}
        for g in groups:
            gdf = mdf[mdf["group"] == g]
            if len(gdf):
                out[str(model)][g] = value_with_ci(
                    _values(gdf, metric.name), metric, confidence, n_resamples, seed
                )
    return out


def paired_arrays(
    frame: pd.DataFrame, from_model: str, to_model: str, group: str, metric: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item ids, before, after) on the items of ``group`` both models have a value for."""
    sub = frame[(frame["group"] == group) & frame["model"].isin([from_model, to_model])]
    wide = sub.pivot_table(index="item_id", columns="model", values=metric, aggfunc="first")
    if from_model not in wide.columns or to_model not in wide.columns:
        return np.array([], dtype=str), np.array([]), np.array([])
    wide = wide[[from_model, to_model]].dropna().sort_index()
    return (
        wide.index.to_numpy(dtype=str),
        wide[from_model].to_numpy(float),
        wide[to_model].to_numpy(float),
    )


def paired_step(
    before: np.ndarray,
    after: np.ndarray,
    metric: TaskMetric,
    mcnemar: str = "exact",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    n = int(before.size)
    if n == 0:
        return {
            "n": 0,
            "from_value": None,
            "to_value": None,
            "delta": None,
            "delta_ci_low": None,
            "delta_ci_high": None,
            "test": None,
            "p": None,
        }
    lo, hi = stats.paired_bootstrap_ci(before, after, n_resamples, confidence, seed)
    rec: dict[str, Any] = {
        "n": n,
        "from_value": float(before.mean()),
        "to_value": float(after.mean()),
        "delta": float(after.mean() - before.mean()),
        "delta_ci_low": lo,
        "delta_ci_high": hi,
    }
    if metric.binary:
        b, c = stats.mcnemar_counts(before, after)
        test = stats.mcnemar_midp if mcnemar == "midp" else stats.mcnemar_exact
        rec.update(test=f"mcnemar-{mcnemar}", p=test(b, c), b_lost=b, c_gained=c)
    else:
        rec.update(
            test="paired-permutation", p=stats.paired_permutation_test(before, after, 10000, seed)
        )
    if metric.percent:
        rec["delta_points"] = 100 * rec["delta"]
        # The paper reports per-model accuracies to 0.1 point and differences of those
        # rounded values (e.g. Mistral -> Mistral SFT, en_in: 23.1 - 7.9 = 15.2).
        rec["delta_points_rounded"] = round(
            round(100 * rec["to_value"], 1) - round(100 * rec["from_value"], 1), 1
        )
    return rec


def disparity(
    diffs: dict[str, tuple[np.ndarray, np.ndarray]],
    reference: str,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """Spread of per-group changes; reference change minus each group's change with a CI.

    diffs: group -> (item ids, after - before per item). Groups that share exactly the same
    items (e.g. countries answering the same questions) are resampled jointly; otherwise each
    group's items are resampled independently.
    """
    deltas = {g: float(d.mean()) for g, (_, d) in diffs.items() if d.size}
    if not deltas:
        return {}
    hi_g = max(deltas, key=lambda g: deltas[g])
    lo_g = min(deltas, key=lambda g: deltas[g])
    out: dict[str, Any] = {
        "range": deltas[hi_g] - deltas[lo_g],
        "max_group": hi_g,
        "min_group": lo_g,
        "reference_group": reference if reference in deltas else None,
        "vs_reference": {},
    }
    if reference not in deltas:
        return out
    ref_ids, ref_d = diffs[reference]
    alpha = (1 - confidence) / 2
    for g in sorted(deltas):
        if g == reference:
            continue
        ids, d = diffs[g]
        rng = np.random.default_rng(seed)
        if ids.size == ref_ids.size and np.array_equal(ids, ref_ids):
            idx = rng.integers(0, d.size, size=(n_resamples, d.size))
            boot = ref_d[idx].mean(axis=1) - d[idx].mean(axis=1)
        else:
            i_ref = rng.integers(0, ref_d.size, size=(n_resamples, ref_d.size))
            i_g = rng.integers(0, d.size, size=(n_resamples, d.size))
            boot = ref_d[i_ref].mean(axis=1) - d[i_g].mean(axis=1)
        lo, hi = np.quantile(boot, [alpha, 1 - alpha])
        out["vs_reference"][g] = {
            "value": deltas[reference] - deltas[g],
            "ci_low": float(lo),
            "ci_high": float(hi),
        }
    return out


def chain_steps(
    frame: pd.DataFrame,
    chains: list[Chain],
    metric: TaskMetric,
    groups: list[str],
    reference: str,
    mcnemar: str = "exact",
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """(step rows, one disparity record per step, messages about models not in the outputs)."""
    available = sorted(frame["model"].unique())
    steps: list[dict[str, Any]] = []
    disparities: list[dict[str, Any]] = []
    missing: list[str] = []
    for chain in chains:
        for from_stage, from_name, to_stage, to_name in chain.steps():
            a, b = match_model(from_name, available), match_model(to_name, available)
            if a is None or b is None:
                lacking = [n for n, m in ((from_name, a), (to_name, b)) if m is None]
                missing.append(f"chain {chain.name}: {', '.join(lacking)} not in the outputs")
                continue
            rows = []
            diffs = {}
            for g in groups:
                ids, x, y = paired_arrays(frame, a, b, g, metric.name)
                if ids.size == 0:
                    continue
                rec = paired_step(x, y, metric, mcnemar, confidence, n_resamples, seed)
                rows.append(
                    {
                        "chain": chain.name,
                        "from_stage": from_stage,
                        "to_stage": to_stage,
                        "from": a,
                        "to": b,
                        "data": chain.step_data(from_stage, to_stage),
                        "group": g,
                        **rec,
                    }
                )
                diffs[g] = (ids, y - x)
            adjusted = stats.holm(np.array([r["p"] for r in rows], dtype=float))
            for r, p in zip(rows, adjusted):
                r["p_holm"] = float(p)
            steps.extend(rows)
            disparities.append(
                {
                    "chain": chain.name,
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "from": a,
                    "to": b,
                    "data": chain.step_data(from_stage, to_stage),
                    **disparity(diffs, reference, confidence, n_resamples, seed),
                }
            )
    return steps, disparities, missing


# --- groups that answer the same items (opinion tasks: countries on the same questions) ------


def common_item_set(
    frame: pd.DataFrame, metric: str, groups: list[str], skips: SkipLog
) -> pd.DataFrame:
    """Per model, keep the items that have a value for every group; count every dropped
    (item, group) cell as a skip with its reason. Every group's mean is then taken over the
    same items, and group comparisons pair per item (the study compares countries on one
    question set)."""
    sub = frame[frame["group"].isin(groups)]
    valued = sub[metric].notna()
    n_valued = valued.groupby([sub["model"], sub["item_id"]]).transform("sum")
    complete = n_valued == len(groups)
    # an item lacking a group's row altogether is incomplete too (n_valued counts rows)
    dropped = sub[~complete]
    for r in dropped.itertuples(index=False):
        reason = (
            "no value for this group: item dropped from the common item set"
            if pd.isna(getattr(r, metric))
            else "item dropped from the common item set: another group has no value"
        )
        skips.add(
            reason,
            str(r.source) if "source" in sub.columns else None,
            field_name=str(r.group),
            detail=f"{r.model} item {r.item_id}",
        )
    return sub[complete].reset_index(drop=True)


def _gap_arrays(
    frame: pd.DataFrame, model: str, reference: str, group: str, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """(item ids, reference value minus group value per item) of one model."""
    sub = frame[(frame["model"] == model) & frame["group"].isin([reference, group])]
    wide = sub.pivot_table(index="item_id", columns="group", values=metric, aggfunc="first")
    if reference not in wide.columns or group not in wide.columns:
        return np.array([], dtype=str), np.array([])
    wide = wide[[reference, group]].dropna().sort_index()
    return wide.index.to_numpy(dtype=str), (wide[reference] - wide[group]).to_numpy(float)


def reference_gaps(
    frame: pd.DataFrame,
    metric: str,
    groups: list[str],
    reference: str,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> dict[str, dict[str, dict[str, Any]]]:
    """model -> group -> reference value minus group value, paired per item, with a
    percentile bootstrap CI over items (the paper's Figure 5 quantity: USA minus country)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for model in sorted(map(str, frame["model"].unique())):
        per: dict[str, dict[str, Any]] = {}
        for g in groups:
            if g == reference:
                continue
            _, d = _gap_arrays(frame, model, reference, g, metric)
            if d.size == 0:
                continue
            lo, hi = stats.bootstrap_ci(d, np.mean, n_resamples, confidence, seed)
            per[g] = {"value": float(d.mean()), "ci_low": lo, "ci_high": hi, "n": int(d.size)}
        if per:
            out[model] = per
    return out


def reference_gap_steps(
    frame: pd.DataFrame,
    steps: list[dict[str, Any]],
    metric: str,
    groups: list[str],
    reference: str,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Change of each group's reference gap along every chain step: on the items both models
    have, mean(gap after - gap before) with a paired bootstrap CI and a paired sign-flip
    permutation test, Holm-corrected across the groups of the step."""
    seen: list[tuple[str, str, str, str, str]] = []
    data: dict[tuple[str, str, str, str, str], list[str]] = {}
    for s in steps:
        key = (s["chain"], s["from_stage"], s["to_stage"], s["from"], s["to"])
        if key not in data:
            seen.append(key)
            data[key] = list(s.get("data") or [])
    out: list[dict[str, Any]] = []
    for key in seen:
        chain, from_stage, to_stage, a, b = key
        rows = []
        for g in groups:
            if g == reference:
                continue
            ids_a, gap_a = _gap_arrays(frame, a, reference, g, metric)
            ids_b, gap_b = _gap_arrays(frame, b, reference, g, metric)
            common, ia, ib = np.intersect1d(ids_a, ids_b, return_indices=True)
            if common.size == 0:
                continue
            before, after = gap_a[ia], gap_b[ib]
            lo, hi = stats.paired_bootstrap_ci(before, after, n_resamples, confidence, seed)
            rows.append(
                {
                    "chain": chain,
                    "from_stage": from_stage,
                    "to_stage": to_stage,
                    "from": a,
                    "to": b,
                    "data": data[key],
                    "group": g,
                    "n": int(common.size),
                    "from_value": float(before.mean()),
                    "to_value": float(after.mean()),
                    "delta": float(after.mean() - before.mean()),
                    "delta_ci_low": lo,
                    "delta_ci_high": hi,
                    "test": "paired-permutation",
                    "p": stats.paired_permutation_test(before, after, 10000, seed),
                }
            )
        adjusted = stats.holm(np.array([r["p"] for r in rows], dtype=float))
        for r, p in zip(rows, adjusted):
            r["p_holm"] = float(p)
        out.extend(rows)
    return out
