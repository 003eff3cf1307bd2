"""auditkit.summaries: the summary.json each side writes validates against its TypedDict and
declares every top-level key it writes (the shape is declared once, in the types)."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest

from auditkit.errors import InputError
from auditkit.summaries import (
    SUMMARY_VERSIONS,
    LanguageComparisonSummary,
    PairsProbeSummary,
    ProbeComparisonSummary,
    ProbeCountrySummary,
    TemplateProbeSummary,
    probe_summary_type,
    summary_type,
    validate_summary,
)
from tests.cli_run import assert_clean_exit, run_cli
from tests.conftest import FIXTURES, require_shared


def _check(path: Path) -> type:
    """Validate a written summary.json; its top-level keys must all be declared."""
    summary = json.loads(path.read_text("utf-8"))
    validate_summary(summary["kind"], summary, path)
    shape = summary_type(summary["kind"], summary)
    undeclared = set(summary) - set(typing.get_type_hints(shape))
    assert not undeclared, f"{path}: keys not declared in {shape.__name__}: {undeclared}"
    return shape


def _summaries(root: Path) -> list[Path]:
    found = sorted(root.rglob("summary.json"))
    assert found, root
    return found


def test_every_kind_has_a_version():
    assert set(SUMMARY_VERSIONS) == {"lang", "countries", "probe-rm", "eval"}
    assert all(isinstance(v, int) and v >= 1 for v in SUMMARY_VERSIONS.values())


@pytest.mark.parametrize(
    "summary,shape",
    [
        ({"countries": []}, ProbeCountrySummary),
        ({"models": {"a": {"folder": "a"}}}, ProbeComparisonSummary),
        ({"probe": "pairs", "pairwise_accuracy": {}}, PairsProbeSummary),
        ({"probe": "languages", "models": {}}, LanguageComparisonSummary),
        ({"probe": "template", "slot": {}}, TemplateProbeSummary),
    ],
)
def test_probe_rm_variants_are_told_apart(summary, shape):
    assert probe_summary_type(summary) is shape


def test_a_wrong_type_names_the_key_path(tmp_path):
    bad = {"kind": "countries", "countries": [{"iso3": "USA", "mentions": -1}]}
    with pytest.raises(InputError, match="countries.0.mentions"):
        validate_summary("countries", bad, tmp_path / "summary.json")


def test_report_fixtures_validate():
    for path in _summaries(FIXTURES / "report" / "runs"):
        _check(path)


@pytest.mark.slow
def test_lang_and_countries_summaries_validate(tmp_path):
    res = run_cli("lang", "--limit", "200", "--out", tmp_path / "lang", "-q")
    assert_clean_exit(res, (0,))
    res = run_cli("countries", "--limit", "200", "--out", tmp_path / "countries", "-q")
    assert_clean_exit(res, (0,))
    assert [_check(p).__name__ for p in _summaries(tmp_path)] == [
        "CountriesSummary",
        "LangSummary",
    ]


@pytest.mark.slow
@pytest.mark.shared
def test_study_output_summaries_validate(tmp_path):
    g = require_shared("global_representation")
    scores = sorted((g / "askreddit_scores").glob("*.csv"))
    runs = {
        "md3": [
            "eval",
            "score",
            "md3-game",
            "--outputs",
            g / "md3_game" / "md3_game_predictions.csv",
        ],
        "probe": ["probe-rm", "--scores", *scores[:2]],
    }
    for name, args in runs.items():
        res = run_cli(*args, "--out", tmp_path / name, "-q")
        assert_clean_exit(res, (0,))
    shapes = {p.relative_to(tmp_path).parts[0]: _check(p) for p in _summaries(tmp_path)}
    assert shapes["md3"].__name__ == "EvalSummary"
    assert {s.__name__ for s in shapes.values()} >= {"ProbeComparisonSummary"}
    assert [_check(p).__name__ for p in _summaries(tmp_path / "probe")].count(
        "ProbeCountrySummary"
    ) == 2
