"""Extractive-QA metrics by hand: SQuAD exact match / F1, the containment rule, and the CFMatch
re-implementation on a tiny classifier (the shared-data test compares the shipped classifier
with the original code's scores)."""

from __future__ import annotations

import math

import pytest

from auditkit.evals.qa_metrics import (
    CFMatcher,
    cfm_f1_precision_recall,
    cfm_normalize,
    cfm_score,
    exact_match,
    gold_in_answer,
    normalize_answer,
    token_f1,
)
from auditkit.evals.tasks.tydiqa import extract_answer


def _tiny(classes=("correct", "incorrect")) -> CFMatcher:
    return CFMatcher(
        {
            "format": "cfmatch-linear/1",
            "tfidf": {
                "vocabulary": {"paris": 0, "cls": 1, "sep": 2},
                "idf": [2.0, 1.0, 1.0],
                "token_pattern": r"(?u)\b\w\w+\b",
                "lowercase": True,
                "ngram_range": [1, 1],
                "norm": "l2",
                "smooth_idf": True,
                "sublinear_tf": False,
            },
            "classifier": {
                "coef": [1.0, 0.0, 0.5, 2.0, 0.0, -1.0],
                "intercept": -0.5,
                "classes": list(classes),
            },
        }
    )


def test_normalisation_deletes_punctuation_and_expands_contractions():
    assert cfm_normalize("  The U.S.A.!  ") == "the usa"  # articles are kept
    assert cfm_normalize("Don't") == "do not"  # "dont" after punctuation deletion
    assert cfm_normalize("1,000") == "1000"


def test_set_based_overlap_with_the_librarys_definitions():
    # ref {a, b, c}, cand {b, c, d, e}: tp 2, fp = |ref - cand| = 1, fn = |cand - ref| = 2
    f1, p, r = cfm_f1_precision_recall("a b c c", "b c d e")
    assert (p, r) == (2 / 3, 2 / 4)
    assert f1 == pytest.approx(2 * p * r / (p + r))
    assert cfm_f1_precision_recall("", "x") == (0.0, 0.0, 0.0)


def test_score_by_hand():
    m = _tiny()
    # text "[CLS] paris [SEP] paris [SEP] where [SEP]": counts paris 2, cls 1, sep 3
    x = [2 * 2.0, 1 * 1.0, 3 * 1.0]
    norm = math.sqrt(sum(v * v for v in x))
    z = (x[0] * 1.0 + x[2] * 0.5) / norm + 2.0 * 1.0 + (-1.0) * 1.0 - 0.5  # f1 = p = r = 1
    expected = 1 - 1 / (1 + math.exp(-z))
    assert m.score("Paris", "paris.", "Where?") == pytest.approx(expected, abs=1e-15)
    # classes in the other order: the probability of the second class
    flipped = _tiny(("incorrect", "correct"))
    assert flipped.score("Paris", "paris", "Where") == pytest.approx(1 - expected, abs=1e-15)
    # several gold answers: the maximum; none: undefined
    both = [m.score(g, "paris", "Where") for g in ("Lyon", "Paris")]
    assert both[0] != both[1] and m.best("paris", ["Lyon", "Paris"], "Where") == max(both)
    assert math.isnan(m.best("paris", [], "Where"))


def test_unsupported_model_files_are_refused():
    m = _tiny()
    bad = {"format": "other"}
    with pytest.raises(ValueError, match="format"):
        CFMatcher(bad)
    assert m.intercept == -0.5


def test_shipped_classifier_scores_without_network():
    right = cfm_score("Paris", ["Paris"], "What is the capital of France?")
    wrong = cfm_score("Berlin", ["Paris"], "What is the capital of France?")
    assert 0.5 < right <= 1.0 and 0.0 <= wrong < 0.5


def test_qa_metrics_hand_computed():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert exact_match("the Nile", ["Nile"]) == 1.0
    # prediction "river nile in africa" vs gold "nile river": 2 common, P = 2/4, R = 2/2
    assert token_f1("river Nile in Africa", ["Nile river"]) == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert gold_in_answer("It is the Nile river.", ["Nile"]) == 1.0
    assert gold_in_answer("Amazon", ["Nile"]) == 0.0
    assert gold_in_answer("", ["Nile"]) == 0.0
    # the study's cut: up to the first blank line, then strip (a single newline is kept)
    assert extract_answer("\n Paris\n\nContext: more") == "Paris"
    assert extract_answer("Paris\nFrance\n\nContext: x") == "Paris\nFrance"
    assert extract_answer("\n\nParis") == ""
