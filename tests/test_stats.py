"""Eval statistics against values computed by hand (formulas in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from auditkit import stats


def test_wilson_ci_hand_computed():
    # p = 0.8, n = 10, z = 1.959964: centre = (0.8 + z²/20) / (1 + z²/10) = 0.716738,
    # half = z·sqrt(0.016 + z²/400) / (1 + z²/10) = 0.226576
    lo, hi = stats.wilson_ci(8, 10)
    assert lo == pytest.approx(0.490162, abs=1e-6)
    assert hi == pytest.approx(0.943318, abs=1e-6)
    # 0 successes: lower bound 0, upper z²/n / (1 + z²/n) = 3.841459/13.841459
    lo, hi = stats.wilson_ci(0, 10)
    assert lo == 0.0
    assert hi == pytest.approx(3.841459 / 13.841459, abs=1e-6)
    assert all(math.isnan(x) for x in stats.wilson_ci(0, 0))
    with pytest.raises(ValueError):
        stats.wilson_ci(11, 10)


def test_mcnemar_exact_and_midp_hand_computed():
    # b = 2, c = 8, n = 10: P(X <= 2) = (1 + 10 + 45) / 1024
    assert stats.mcnemar_exact(2, 8) == pytest.approx(2 * 56 / 1024)
    assert stats.mcnemar_exact(8, 2) == pytest.approx(2 * 56 / 1024)
    # mid-p: 2·P(X <= 2) - P(X = 2) = (112 - 45) / 1024
    assert stats.mcnemar_midp(2, 8) == pytest.approx(67 / 1024)
    # b = 0, c = 5: 2 / 32
    assert stats.mcnemar_exact(0, 5) == pytest.approx(2 / 32)
    assert stats.mcnemar_midp(0, 5) == pytest.approx(1 / 32)
    assert stats.mcnemar_exact(5, 5) == 1.0
    assert stats.mcnemar_midp(5, 5) == pytest.approx(1.0)
    assert stats.mcnemar_exact(0, 0) == 1.0


def test_mcnemar_counts():
    before = np.array([1, 1, 0, 0, 1, 0])
    after = np.array([1, 0, 1, 1, 0, 0])
    assert stats.mcnemar_counts(before, after) == (2, 2)
    assert stats.mcnemar_counts([0, 0, 0], [1, 1, 0]) == (0, 2)
    with pytest.raises(ValueError):
        stats.mcnemar_counts([0, 1], [1])


def test_holm_hand_computed():
    # sorted 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 -> running max 0.06
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    # 0.01·4, 0.02·3, 0.04·2, 0.5·1
    assert stats.holm([0.04, 0.01, 0.02, 0.5]) == pytest.approx([0.08, 0.04, 0.06, 0.5])
    assert stats.holm([0.6, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    out = stats.holm([0.01, float("nan"), 0.04])
    assert out[0] == pytest.approx(0.02) and math.isnan(out[1]) and out[2] == pytest.approx(0.04)
    assert stats.holm([]).size == 0


def test_paired_permutation_exact_enumeration():
    # differences (1, 1, 1): of the 8 sign patterns only ± all-ones reach |sum| = 3
    assert stats.paired_permutation_test([0, 0, 0, 1], [1, 1, 1, 1]) == pytest.approx(0.25)
    # differences (2, -1): |±2 ± 1| >= 1 always
    assert stats.paired_permutation_test([0, 1], [2, 0]) == pytest.approx(1.0)
    assert stats.paired_permutation_test([1, 2], [1, 2]) == 1.0


def test_paired_permutation_monte_carlo_is_seeded_and_small_for_a_clear_shift():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    y = x + 0.5 + rng.normal(scale=0.1, size=60)
    p1 = stats.paired_permutation_test(x, y, n_resamples=2000, seed=3)
    p2 = stats.paired_permutation_test(x, y, n_resamples=2000, seed=3)
    assert p1 == p2
    assert p1 == pytest.approx(1 / 2001)


def test_paired_bootstrap_ci_of_constant_shift_is_the_shift():
    lo, hi = stats.paired_bootstrap_ci(np.arange(10.0), np.arange(10.0) + 0.25)
    assert lo == pytest.approx(0.25) and hi == pytest.approx(0.25)


def test_js_similarity_bases():
    assert stats.js_similarity([0.2, 0.8], [0.2, 0.8]) == pytest.approx(1.0)
    # disjoint supports: JS divergence = ln 2 nats = 1 bit
    assert stats.js_similarity([1, 0], [0, 1]) == pytest.approx(1 - math.sqrt(math.log(2)))
    assert stats.js_similarity([1, 0], [0, 1], base=2) == pytest.approx(0.0)
    # inputs are normalised first
    assert stats.js_similarity([2, 8], [0.2, 0.8]) == pytest.approx(1.0)
    assert math.isnan(stats.js_similarity([0, 0], [0.5, 0.5]))
    assert math.isnan(stats.js_similarity([0.5, 0.5], [1, 0, 0]))
