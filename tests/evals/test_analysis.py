"""The chain analysis by hand: group values with CIs, paired steps, common item sets and reference gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.evals import analysis
from auditkit.evals.base import TaskMetric
from auditkit.evals.chains import (
    Chain,
)
from auditkit.skips import SkipLog

BIN = TaskMetric("correct", "", binary=True)
CONT = TaskMetric("similarity", "", binary=False, percent=False)


def test_common_item_set_and_reference_gaps_by_hand():
    """USA minus country per question, paired; its change along a step, paired per question."""
    sims = {
        # model: {item: (USA, China)}
        "base": {"q1": (0.9, 0.8), "q2": (0.5, 0.7), "q3": (0.6, None)},
        "chat": {"q1": (0.9, 0.6), "q2": (0.6, 0.6), "q3": (0.7, 0.7)},
    }
    frame = pd.DataFrame(
        [
            {"model": m, "item_id": q, "group": g, "similarity": np.nan if v is None else v}
            for m, per in sims.items()
            for q, pair in per.items()
            for g, v in zip(("United States", "China"), pair)
        ]
    )
    skips = SkipLog()
    common = analysis.common_item_set(frame, "similarity", ["United States", "China"], skips)
    assert sorted(common[common["model"] == "base"]["item_id"].unique()) == ["q1", "q2"]
    assert sorted(common[common["model"] == "chat"]["item_id"].unique()) == ["q1", "q2", "q3"]
    assert skips.counts == {
        "no value for this group: item dropped from the common item set": 1,
        "item dropped from the common item set: another group has no value": 1,
    }
    gaps = analysis.reference_gaps(
        common, "similarity", ["United States", "China"], "United States"
    )
    assert gaps["base"]["China"]["value"] == pytest.approx((0.1 - 0.2) / 2)
    assert gaps["chat"]["China"]["value"] == pytest.approx((0.3 + 0.0 + 0.0) / 3)
    steps = [{"chain": "c", "from_stage": "base", "to_stage": "pt", "from": "base", "to": "chat"}]
    (r,) = analysis.reference_gap_steps(
        common, steps, "similarity", ["United States", "China"], "United States", n_resamples=50
    )
    # on the questions both models have (q1, q2): before (0.1, -0.2), after (0.3, 0.0)
    assert r["n"] == 2
    assert (r["from_value"], r["to_value"]) == (pytest.approx(-0.05), pytest.approx(0.15))
    assert r["delta"] == pytest.approx(0.2) and r["data"] == []
    assert r["p"] == pytest.approx(0.5)  # 2 equal differences: exact sign-flip test, 2 of 4
    assert r["p_holm"] == pytest.approx(0.5)


def _frame(rows):
    return pd.DataFrame(rows, columns=["model", "item_id", "group", "correct"]).assign(
        source_model=lambda d: d["model"]
    )


def test_chain_steps_hand_computed():
    # group us: 4 items, A right on 1, B right on 4 -> delta 0.75, b = 0, c = 3
    # group in: 4 items, A right on 2, B right on 2 (different ones) -> delta 0, b = 1, c = 1
    rows = []
    for i, (a, b) in enumerate([(1, 1), (0, 1), (0, 1), (0, 1)]):
        rows += [("A", str(i), "us", a), ("B", str(i), "us", b)]
    for i, (a, b) in enumerate([(1, 0), (0, 1), (1, 1), (0, 0)]):
        rows += [("A", str(i), "in", a), ("B", str(i), "in", b)]
    frame = _frame(rows)
    steps, disp, missing = analysis.chain_steps(
        frame, [Chain("c", (("base", "A"), ("sft", "B")))], BIN, ["in", "us"], "us", n_resamples=500
    )
    assert missing == []
    by = {s["group"]: s for s in steps}
    assert by["us"]["delta"] == pytest.approx(0.75)
    assert (by["us"]["b_lost"], by["us"]["c_gained"]) == (0, 3)
    assert by["us"]["p"] == pytest.approx(2 / 8)  # exact McNemar, n = 3
    assert by["in"]["delta"] == 0 and by["in"]["p"] == 1.0
    # Holm over 2 groups: 0.25·2 = 0.5, then max(0.5, 1·1)
    assert by["us"]["p_holm"] == pytest.approx(0.5) and by["in"]["p_holm"] == 1.0
    assert by["us"]["delta_points_rounded"] == pytest.approx(75.0)
    (d,) = disp
    assert d["range"] == pytest.approx(0.75)
    assert (d["max_group"], d["min_group"]) == ("us", "in")
    assert d["vs_reference"]["in"]["value"] == pytest.approx(0.75)
    # a chain naming a model that is not there is reported, not silently dropped
    _, _, missing = analysis.chain_steps(
        frame, [Chain("x", (("base", "A"), ("sft", "Z")))], BIN, ["us"], "us"
    )
    assert missing == ["chain x: Z not in the outputs"]


def test_paired_arrays_use_shared_items_only():
    frame = pd.DataFrame(
        {
            "model": ["A", "A", "A", "B", "B"],
            "item_id": ["1", "2", "3", "2", "3"],
            "group": ["g"] * 5,
            "similarity": [0.1, 0.2, np.nan, 0.4, 0.5],
        }
    )
    ids, x, y = analysis.paired_arrays(frame, "A", "B", "g", "similarity")
    assert list(ids) == ["2"] and list(x) == [0.2] and list(y) == [0.4]
    rec = analysis.paired_step(np.array([0.1, 0.2, 0.3]), np.array([0.2, 0.4, 0.6]), CONT)
    assert rec["delta"] == pytest.approx(0.2) and rec["test"] == "paired-permutation"
    assert rec["p"] == pytest.approx(2 / 8)  # 3 positive differences, exact enumeration
    assert "delta_points" not in rec


def test_value_with_ci_binary_is_wilson_continuous_is_bootstrap():
    v = analysis.value_with_ci(np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0.0]), BIN)
    assert (v["value"], v["n"]) == (0.8, 10)
    assert v["ci_low"] == pytest.approx(0.490162, abs=1e-6)
    c = analysis.value_with_ci(np.array([0.5, 0.5, np.nan]), CONT)
    assert c == {"value": 0.5, "ci_low": 0.5, "ci_high": 0.5, "n": 2}
