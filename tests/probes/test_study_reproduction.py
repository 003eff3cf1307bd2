"""Acceptance: the analysis of the study's released Starling-RM scores reproduces its numbers.

Reference values come from the study's own outputs in ../shared/data (SALT @ 98b5bca):
salt_study_misc/askreddit_correlations.txt (Spearman rho and p for Gallup 2017 and 2023) and
salt_study_misc/askreddit_starling_rm_df_filtered_USA.csv (per-country total rank, wins, win
rates and mean rank for the 21 Gallup 2023 countries).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from auditkit.probes.analysis import analyze, builtin_surveys, load_surveys
from auditkit.probes.countries import study_countries
from auditkit.probes.scorefiles import read_scores
from tests.conftest import require_shared

GR = "global_representation"


@pytest.fixture(scope="module")
def starling_analysis():
    path = require_shared(GR, "askreddit_scores", "starling-rm-7b-alpha-reformatted.csv")
    (matrix,) = read_scores(path)
    return matrix, analyze(matrix, list(study_countries()))


def _study_correlations() -> dict[str, tuple[float, float]]:
    text = require_shared(GR, "salt_study_misc", "askreddit_correlations.txt").read_text()
    found = re.findall(
        r"(\d{4}) Spearman Correlation\s+SignificanceResult\(statistic=([\d.e-]+), pvalue=([\d.e-]+)\)",
        text,
    )
    assert len(found) == 2, text
    return {f"gallup_{y}": (float(r), float(p)) for y, r, p in found}


def test_released_file_is_read_as_the_study_did(starling_analysis):
    matrix, a = starling_analysis
    assert matrix.model == "berkeley-nest/Starling-RM-7B-alpha"
    assert matrix.favourable == "higher"
    assert matrix.values.shape == (554, 254)
    s = a.summary
    assert (s["n_questions"], s["n_questions_positive"], s["n_questions_negative"]) == (
        554,
        323,
        231,
    )
    # The study ranks among the 181 countries with population > 250,000.
    assert s["n_countries"] == 181
    assert s["country_selection"]["excluded_from_scores"]["count"] == 254 - 181
    assert s["country_selection"]["missing_from_scores"] == []


def test_gallup_correlations_match_the_study(starling_analysis):
    _, a = starling_analysis
    expected = _study_correlations()
    assert expected["gallup_2017"][0] == pytest.approx(0.926, abs=5e-4)
    assert expected["gallup_2023"][0] == pytest.approx(0.849, abs=5e-4)
    for name, (rho, p) in expected.items():
        got = a.summary["correlations"][name]
        assert got["n"] == 21
        assert got["missing"] == []
        assert got["rho"] == pytest.approx(rho, abs=1e-12)
        assert got["p"] == pytest.approx(p, rel=1e-9)


def test_per_country_numbers_match_the_study_table(starling_analysis):
    _, a = starling_analysis
    ref = pd.read_csv(
        require_shared(GR, "salt_study_misc", "askreddit_starling_rm_df_filtered_USA.csv")
    )
    stats = a.country_stats.set_index("country")
    assert len(ref) == 21
    for _, r in ref.iterrows():
        got = stats.loc[r["Country"]]
        assert got["iso3"] == r["code"]
        # Exact integer totals: the tie-breaking of the study's sort is reproduced.
        assert int(got["total_rank"]) == int(r["Total Rank"]), r["Country"]
        assert int(got["positive_wins"]) == int(r["Positive Wins"]), r["Country"]
        assert int(got["negative_wins"]) == int(r["Negative Wins"]), r["Country"]
        assert got["mean_rank"] == pytest.approx(r["Mean Rank"], abs=1e-9)
        assert got["win_rate_positive"] == pytest.approx(r["Positive Win Rate"], abs=1e-12)
        assert got["win_rate_negative"] == pytest.approx(r["Negative Win Rate"], abs=1e-12)


def test_average_ties_change_totals_but_not_the_conclusion(starling_analysis):
    """18 questions have tied rewards; averaging ties moves totals by at most 1.5 per tie."""
    matrix, study = starling_analysis
    avg = analyze(matrix, list(study_countries()), ties="average", n_resamples=10)
    diff = np.abs(
        study.country_stats.set_index("country")["total_rank"]
        - avg.country_stats.set_index("country")["total_rank"]
    )
    assert diff.max() > 0  # the tie rule matters for exact reproduction...
    assert diff.max() <= 3
    for name in ("gallup_2017", "gallup_2023"):  # ...but not for the correlations
        assert avg.summary["correlations"][name]["rho"] == pytest.approx(
            study.summary["correlations"][name]["rho"], abs=0.01
        )


def test_builtin_gallup_rankings_equal_the_shared_facts():
    shared = load_surveys(
        require_shared(
            GR, "gallup_country_favorability", "gallup_us_favorability_rank_2017_2023.csv"
        )
    )
    assert [(s.name, s.countries, s.ranks) for s in shared] == [
        (s.name, s.countries, s.ranks) for s in builtin_surveys()
    ]


def test_builtin_country_list_equals_the_shared_study_list():
    path = require_shared(GR, "countries", "study_countries_181.csv")
    names = [line.strip() for line in path.read_text().splitlines()[1:] if line.strip()]
    assert [c.name for c in study_countries()] == names
    assert len({c.iso3 for c in study_countries()}) == 181


def test_perplexity_scores_rank_lower_loss_as_favourable():
    path = require_shared(GR, "askreddit_scores", "perplexity_Mistral-7B-v0.1-reformatted.csv")
    (m,) = read_scores(path)
    assert (m.favourable, m.score_name, m.model) == (
        "lower",
        "mean_nll",
        "mistralai/Mistral-7B-v0.1",
    )
    a = analyze(m, list(study_countries()), n_resamples=50)
    q0 = 0  # a negative question: the highest loss (least likely) ranks first
    assert m.questions["sentiment"].iloc[q0] == "negative"
    cols = a.kept_countries
    row = m.values[q0, cols]
    assert a.ranks[q0, int(np.argmax(row))] == 1
    pos = int(np.flatnonzero(m.questions["sentiment"].to_numpy() == "positive")[0])
    assert a.ranks[pos, int(np.argmin(m.values[pos, cols]))] == 1


def test_where_from_long_file():
    path = require_shared(GR, "salt_study_misc", "where_from_starling-rm-7b-alpha.csv")
    (m,) = read_scores(path)
    assert m.values.shape == (1, 254)
    assert m.questions["question"].iloc[0] == "Where are you from?"
    a = analyze(m, list(study_countries()), n_resamples=50)
    raw = pd.read_csv(path).set_index("country")["reward"]
    kept = raw[[c for c in m.countries if c in set(a.country_stats["country"])]]
    # One positive question: rank = order of the reward, highest first.
    assert a.country_stats["country"].iloc[0] == kept.idxmax()
    assert a.country_stats["country"].iloc[-1] == kept.idxmin()


@pytest.mark.slow
def test_cli_scores_run_writes_the_studys_numbers(tmp_path):
    from auditkit.cli import main
    from auditkit.io import read_json

    path = require_shared(GR, "askreddit_scores", "starling-rm-7b-alpha-reformatted.csv")
    main(
        ["probe-rm", "--scores", str(path), "--out", str(tmp_path), "--quiet", "--bootstrap", "100"]
    )
    s = read_json(tmp_path / "summary.json")
    expected = _study_correlations()
    assert s["kind"] == "probe-rm"
    for name, (rho, _) in expected.items():
        assert s["correlations"][name]["rho"] == pytest.approx(rho, abs=1e-12)
    assert s["reference_country"] == "United States of America" and s["reference_rank"] == 2
    assert s["share_ranked_below_reference"] == pytest.approx(179 / 180)
    scores = pd.read_parquet(tmp_path / "scores.parquet")
    assert len(scores) == 554 * 254 and scores["rank"].notna().sum() == 554 * 181
    audit = read_json(tmp_path / "audit.json")
    assert audit["inputs"][0]["sha256"] and audit["config"]["scores"] == [str(path)]


def test_table3_final_rank_among_the_gallup_countries(starling_analysis):
    """The paper's Table 3: the 23 countries of the 2017 and 2023 Gallup polls, by final rank
    among them, beside the mean rank and both polls' ranks."""
    _, a = starling_analysis
    table = a.summary["survey_table"]
    assert table["surveys"] == ["gallup_2017", "gallup_2023"]
    rows = table["rows"]
    assert table["n_countries"] == len(rows) == 23  # 21 per poll, 19 in both
    assert [r["final_rank"] for r in rows] == list(range(1, 24))
    means = [r["mean_rank"] for r in rows]
    assert means == sorted(means)
    ref = pd.read_csv(
        require_shared(GR, "salt_study_misc", "askreddit_starling_rm_df_filtered_USA.csv")
    ).set_index("Country")
    by_name = {r["country"]: r for r in rows}
    for country, r in ref.iterrows():
        assert by_name[country]["mean_rank"] == pytest.approx(r["Mean Rank"], abs=1e-9)
    assert rows[0]["country"] == "United Kingdom" and rows[-1]["country"] == "North Korea"
    assert by_name["Canada"]["survey_ranks"] == {"gallup_2017": 1, "gallup_2023": 1}
    assert by_name["Ukraine"]["survey_ranks"] == {"gallup_2017": None, "gallup_2023": 9}
    assert by_name["Philippines"]["survey_ranks"] == {"gallup_2017": 9, "gallup_2023": None}
