"""Rankings, win rates and correlations checked against values computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.probes.analysis import (
    ScoreMatrix,
    Survey,
    analyze,
    rank_matrix,
    ranking_correlations,
    survey_correlation,
    wins_against,
)
from auditkit.probes.countries import lookup
from auditkit.probes.scorefiles import read_scores
from auditkit.stats import (
    bootstrap_ci,
    bootstrap_mean_ci_columns,
    ordinal_ranks,
    spearman,
    spearman_matrix,
)
from tests.conftest import FIXTURES

FX = FIXTURES / "probes"


def test_ordinal_ranks_directions_and_ties():
    x = np.array([3.0, 1.0, 2.0, 2.0])
    assert ordinal_ranks(x, ascending=True).tolist() == [4, 1, 2, 3]
    # Descending: the study's pandas sort (reverse, stable small sort, reverse) puts the
    # earlier of two tied columns first.
    assert ordinal_ranks(x, ascending=False).tolist() == [1, 4, 2, 3]
    assert ordinal_ranks(x, ascending=False, ties="average").tolist() == [1, 4, 2.5, 2.5]
    with pytest.raises(ValueError, match="NaN"):
        ordinal_ranks(np.array([1.0, np.nan]), True)


def test_study_ties_match_pandas_sort_values_on_an_object_row():
    """The rule behind ties='study', checked against pandas itself on many tied rows."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 60))
        row = rng.integers(0, 6, size=n).astype(float)  # many ties
        for asc in (True, False):
            s = pd.Series(row, dtype=object).sort_values(ascending=asc)
            expected = np.empty(n)
            expected[s.index.to_numpy()] = np.arange(1, n + 1)
            assert ordinal_ranks(row, asc).tolist() == expected.tolist()


def test_rank_matrix_inverts_negative_questions_and_loss_scores():
    v = np.array([[1.0, 3.0, 2.0], [1.0, 3.0, 2.0]])
    neg = np.array([False, True])
    assert rank_matrix(v, neg, "higher").tolist() == [[3, 1, 2], [1, 3, 2]]
    assert rank_matrix(v, neg, "lower").tolist() == [[1, 3, 2], [3, 1, 2]]
    # Wins are strict and follow the same direction.
    w = wins_against(v, neg, "higher", ref=2)
    assert w.tolist() == [[False, True, False], [True, False, False]]


def test_bootstrap_of_all_columns_equals_bootstrap_ci_per_column():
    x = np.random.default_rng(3).normal(size=(40, 5))
    lo, hi = bootstrap_mean_ci_columns(x, n_resamples=300, confidence=0.9, seed=7)
    for j in range(5):
        a, b = bootstrap_ci(x[:, j], np.mean, n_resamples=300, confidence=0.9, seed=7)
        assert lo[j] == pytest.approx(a, abs=1e-12) and hi[j] == pytest.approx(b, abs=1e-12)


def test_spearman_helpers():
    r = spearman(np.array([1, 2, 3, 4.0]), np.array([10, 20, 40, 30.0]))
    assert r["rho"] == pytest.approx(0.8) and r["n"] == 4
    assert np.isnan(spearman(np.array([1.0, 2]), np.array([2.0, 1]))["rho"])
    m = spearman_matrix(np.array([[1, 4, 1], [2, 3, 3], [3, 2, 2], [4, 1, 4.0]]))
    assert m[0, 1] == pytest.approx(-1) and m[0, 2] == pytest.approx(0.8) and m[1, 1] == 1


def test_small_study_file_by_hand():
    (m,) = read_scores(FX / "study_wide_small.csv")
    assert (m.model, m.favourable, m.countries) == (
        "toy/rm",
        "higher",
        ["France", "Netherlands", "United States of America", "Kosovo"],
    )
    a = analyze(m, None, n_resamples=50)
    st = a.country_stats.set_index("country")
    # Q1 (+): F1 U2 N3 K4 | Q2 (-): K1 N2 U3 F4 | Q3 (+, N and U tied): K1 N2 U3 F4
    assert a.ranks.tolist() == [[1, 3, 2, 4], [4, 2, 3, 1], [4, 2, 3, 1]]
    assert st["total_rank"].to_dict() == {
        "Kosovo": 6,
        "Netherlands": 7,
        "United States of America": 8,
        "France": 9,
    }
    assert list(st.index) == ["Kosovo", "Netherlands", "United States of America", "France"]
    assert st["rank"].tolist() == [1, 2, 3, 4]
    assert pd.isna(st.loc["Kosovo", "iso3"])  # no ISO 3166-1 code, still analysed by name
    from auditkit.io import dumps_json

    assert '"iso3": null' in dumps_json(a.summary["countries"][0])
    assert st.loc["France", "positive_wins"] == 1 and st.loc["France", "negative_wins"] == 0
    assert st.loc["Netherlands", "win_rate_positive"] == 0
    assert st.loc["Netherlands", "win_rate_negative"] == 1
    assert st.loc["Kosovo", "win_rate_positive"] == 0.5
    assert a.summary["share_ranked_below_reference"] == pytest.approx(1 / 3)
    assert a.summary["reference_country"] == "United States of America"
    assert a.summary["reference_rank"] == 3
    assert st.loc["France", "category_mean_rank:Food"] == 2.5
    assert st.loc["France", "category_mean_rank:Tourism"] == 4
    by_cat = a.summary["countries"][0]["category_mean_ranks"]
    assert by_cat == {"Food": 2.5, "Tourism": 1.0}
    avg = analyze(m, None, ties="average", n_resamples=50).country_stats.set_index("country")
    assert (
        avg.loc["Netherlands", "total_rank"]
        == avg.loc["United States of America", "total_rank"]
        == 7.5
    )


def test_study_181_selection_drops_and_reports_other_places():
    (m,) = read_scores(FX / "study_wide_small.csv")
    from auditkit.probes.countries import study_countries

    a = analyze(m, list(study_countries()), n_resamples=50)
    sel = a.summary["country_selection"]
    assert sel["excluded_from_scores"] == {"count": 1, "names": ["Kosovo"]}
    assert len(sel["missing_from_scores"]) == 181 - 3
    st = a.country_stats.set_index("country")
    assert st["total_rank"].to_dict() == {
        "Netherlands": 5,
        "United States of America": 6,
        "France": 7,
    }


def test_missing_score_skips_the_question_and_counts_it():
    (m,) = read_scores(FX / "study_wide_missing.csv")
    a = analyze(m, None, reference="Japan", n_resamples=20)
    assert a.summary["n_questions"] == 1
    sk = a.summary["skips"]
    assert sk["total"] == 1
    assert "question with a missing score" in sk["by_reason"]
    assert (
        "1 countries without a score"
        in sk["by_reason"]["question with a missing score"]["examples"][0]
    )


def test_reference_not_analysed_is_reported_not_guessed():
    (m,) = read_scores(FX / "study_wide_small.csv")
    a = analyze(m, [lookup("France"), lookup("Netherlands")], n_resamples=20)
    assert a.summary["reference_found"] is False
    assert a.summary["share_ranked_below_reference"] is None
    assert "win_rate_positive" not in a.country_stats.columns


def test_survey_correlation_matches_names_by_iso_code():
    survey = Survey(
        "s", ("Great Britain", "The Netherlands", "Narnia-free Chad", "Japan"), (1, 2, 3, 4)
    )
    with pytest.raises(AuditkitError, match="unknown country name"):
        survey_correlation(np.array([1.0]), ["GBR"], ["United Kingdom"], survey)
    survey = Survey("s", ("Great Britain", "The Netherlands", "Chad", "Japan"), (1, 2, 3, 4))
    res = survey_correlation(
        np.array([10.0, 30.0, 20.0]),
        ["GBR", "NLD", "JPN"],
        ["United Kingdom", "Netherlands", "Japan"],
        survey,
    )
    assert res["countries"] == ["United Kingdom", "Netherlands", "Japan"]
    assert res["missing"] == ["Chad"]
    assert res["n"] == 3 and res["rho"] == pytest.approx(0.5)


def test_ranking_correlations_between_models():
    def matrix(values, name):
        q = pd.DataFrame({"question_id": ["a", "b"], "sentiment": ["positive", "positive"]})
        return ScoreMatrix(
            name,
            "higher",
            "reward",
            q,
            ["France", "Japan", "Chad", "Peru"],
            np.array(values, dtype=float),
        )

    a = analyze(matrix([[4, 3, 2, 1], [4, 3, 2, 1]], "a"), None, n_resamples=10)
    b = analyze(matrix([[1, 2, 3, 4], [1, 2, 3, 4]], "b"), None, n_resamples=10)
    c = analyze(matrix([[4, 3, 1, 2], [4, 3, 1, 2]], "c"), None, n_resamples=10)
    rc = ranking_correlations({"a": a, "b": b, "c": c})
    assert rc["n_countries"] == 4
    assert rc["spearman"]["a"]["b"] == pytest.approx(-1)
    assert rc["spearman"]["a"]["c"] == pytest.approx(0.8)


def test_score_file_errors_name_file_line_and_field():
    with pytest.raises(InputError) as e:
        read_scores(FX / "study_wide_bad_cell.csv")
    assert (e.value.line, e.value.field) == (3, "France")
    assert "study_wide_bad_cell.csv:3: field 'France': score is not a number: 'abc'" in str(e.value)
    with pytest.raises(InputError) as e:
        read_scores(FX / "study_wide_bad_column.csv")
    assert e.value.field == "Narnia" and e.value.line == 1
    with pytest.raises(AuditkitError, match="no such score file"):
        read_scores(FX / "nope.csv")


def test_survey_table_ranks_the_union_of_survey_countries():
    from auditkit.probes.analysis import Survey, survey_table

    surveys = [
        Survey("a", ("Canada", "France", "Chad"), (1, 2, 3)),
        Survey("b", ("France", "Japan"), (1, 2)),
    ]
    names = ["France", "Canada", "Japan", "Peru"]
    codes = ["FRA", "CAN", "JPN", "PER"]
    t = survey_table(np.array([3.0, 5.0, 1.0, 0.5]), codes, names, surveys)
    assert t["n_countries"] == 3  # Chad was not scored; Peru is in no survey
    assert [(r["country"], r["final_rank"]) for r in t["rows"]] == [
        ("Japan", 1),
        ("France", 2),
        ("Canada", 3),
        ("Chad", None),
    ]
    assert t["rows"][0]["survey_ranks"] == {"a": None, "b": 2}
    assert t["rows"][3]["mean_rank"] is None
