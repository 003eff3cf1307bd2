"""End to end: `auditkit probe-rm` on a tiny Starling replica and on score files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.io import read_json
from auditkit.modeling import LoadOptions
from auditkit.probes.api import SCORES_FILE, probe_rm, score_questions
from auditkit.probes.batching import Encoded, plan_batches, run_batches
from auditkit.probes.countries import lookup
from auditkit.probes.probesets import default_probe_set
from tests.conftest import FIXTURES

FX = FIXTURES / "probes"
COUNTRY_NAMES = [
    "France",
    "Netherlands",
    "United States of America",
    "Japan",
    "Nigeria",
    "India",
    "The Bahamas",
    "Canada",
    "China",
    "Russia",
]


@pytest.fixture
def country_file(tmp_path):
    f = tmp_path / "countries.txt"
    f.write_text("\n".join(COUNTRY_NAMES) + "\n")
    return f


def _run(args, capsys=None):
    with pytest.raises(SystemExit) as e:
        main(args)
    return e.value.code


@pytest.mark.slow
def test_cli_scores_a_tiny_starling_replica(tiny_models, country_file, tmp_path, capsys):
    out = tmp_path / "run"
    args = [
        "probe-rm",
        str(tiny_models.starling_like),
        "--countries",
        str(country_file),
        "--limit",
        "4",
        "--dtype",
        "float32",
        "--device",
        "cpu",
        "--bootstrap",
        "50",
        "--out",
        str(out),
    ]
    try:
        main(args)
    except SystemExit as e:  # click's standalone_mode=False returns; a SystemExit is an error
        pytest.fail(f"exit {e.code}")
    shown = " ".join(capsys.readouterr().out.split())  # rich wraps lines
    assert "countries by mean rank over 4 questions" in shown and "Spearman vs gallup_2023" in shown
    scores = pd.read_parquet(out / SCORES_FILE)
    assert len(scores) == 4 * len(COUNTRY_NAMES)
    for col in (
        "question",
        "country",
        "iso3",
        "template",
        "text",
        "score",
        "rank",
        "model",
        "revision",
    ):
        assert col in scores.columns
    bah = scores[scores["country"] == "The Bahamas"]
    assert any(t.startswith("The Bahamas") for t in bah["text"])
    assert (
        scores.groupby("question_id")["rank"].apply(sorted).map(list).tolist()
        == [list(map(float, range(1, 11)))] * 4
    )
    summary = read_json(out / "summary.json")
    assert summary["kind"] == "probe-rm"
    assert [c["rank"] for c in summary["countries"]] == sorted(
        c["rank"] for c in summary["countries"]
    )
    assert set(summary["correlations"]) == {"gallup_2017", "gallup_2023"}
    # Of the probed countries, France, Japan, India, Canada, China and Russia are in Gallup 2023.
    assert summary["correlations"]["gallup_2023"]["n"] == 6
    assert summary["correlations"]["gallup_2023"]["missing"][:2] == ["United Kingdom", "Germany"]
    assert summary["reference_country"] == "United States of America"
    assert 0 <= summary["share_ranked_below_reference"] <= 1
    audit = read_json(out / "audit.json")
    assert audit["kind"] == "probe-rm"
    assert audit["config"]["limit"] == 4 and audit["config"]["dtype"] == "float32"
    comp = next(iter(audit["components"].values()))
    assert comp["scorer"] == "starling" and len(comp["checkpoint_sha256"]) == 64
    assert comp["prompt_format"] == "<s>[INST] {question} </s> [/INST] {response}</s>"
    assert audit["timings"]["total_s"] > 0

    # Deterministic summary: a second run compares byte for byte.
    out2 = tmp_path / "run2"
    main(args[:-1] + [str(out2), "--quiet"])
    assert (out / "summary.json").read_bytes() == (out2 / "summary.json").read_bytes()

    # The run's own parquet re-analysed with --scores gives the same ranking.
    again = probe_rm(
        scores=[str(out)], out=tmp_path / "again", countries=str(country_file), n_resamples=50
    )
    from auditkit.io import dumps_json

    assert dumps_json(again["countries"]) == dumps_json(summary["countries"])
    assert dumps_json(again["correlations"]) == dumps_json(summary["correlations"])


def test_scoring_subsets_and_merging_equals_scoring_all(tiny_models):
    """The contract a distributed engine relies on: split by question, concatenate."""
    from auditkit.probes.scorers import LMScorer

    s = LMScorer(str(tiny_models.causal_lm), LoadOptions(dtype="float32", device="cpu"))
    qs = default_probe_set().questions[:5]
    cs = [lookup(n) for n in COUNTRY_NAMES[:6]]
    whole = score_questions(s, qs, cs, token_budget=2048)
    parts = pd.concat(
        [score_questions(s, qs[:2], cs, token_budget=300), score_questions(s, qs[2:], cs)],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(
        whole.drop(columns="score"), parts.drop(columns="score"), check_like=False
    )
    np.testing.assert_allclose(whole["score"], parts["score"], atol=1e-5)


def test_compare_several_score_files(tmp_path):
    a = tmp_path / "a.csv"
    b = tmp_path / "b.csv"
    src = (FX / "study_wide_small.csv").read_text()
    a.write_text(src)
    b.write_text(src.replace("toy/rm", "toy/rm2").replace("3.0,1.0,2.0,0.5", "1.0,3.0,2.0,0.5"))
    s = probe_rm(scores=[str(a), str(b)], out=tmp_path / "cmp", countries="all", n_resamples=20)
    assert s["kind"] == "probe-rm"
    assert set(s["models"]) == {"toy/rm", "toy/rm2"}
    rc = s["ranking_correlations"]
    assert rc["n_countries"] == 4 and rc["spearman"]["toy/rm"]["toy/rm"] == pytest.approx(1)
    for name in ("toy__rm", "toy__rm2"):
        assert read_json(tmp_path / "cmp" / name / "summary.json")["kind"] == "probe-rm"
        assert (tmp_path / "cmp" / name / "audit.json").exists()


def test_cli_user_errors_are_clean(tmp_path, capsys):
    assert (
        _run(
            [
                "probe-rm",
                "--scores",
                str(FX / "study_wide_bad_cell.csv"),
                "--out",
                str(tmp_path / "x"),
            ]
        )
        == 2
    )
    err = " ".join(capsys.readouterr().err.split())
    assert "study_wide_bad_cell.csv:3: field 'France': score is not a number" in err
    assert "Traceback" not in err
    assert _run(["probe-rm", "starling", "--scores", str(FX / "study_wide_small.csv")]) == 2
    assert "not both" in capsys.readouterr().err
    assert _run(["probe-rm", "--probes", "nope", "--scorer", "lm", "x"]) == 2


def test_help_shows_defaults(capsys):
    main(["probe-rm", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for needle in ("--scores", "--token-budget", "default: 2000", "study-181", "--load-in-8bit"):
        assert needle in text.replace("[default: 2000]", "default: 2000")


def test_plan_batches_is_length_sorted_and_within_budget():
    lengths = [5, 30, 7, 12, 30, 6, 100]
    plan = plan_batches(lengths, token_budget=40)
    assert sorted(i for b in plan for i in b) == list(range(7))
    for b in plan:
        assert len(b) == 1 or len(b) * max(lengths[i] for i in b) <= 40
    flat = [lengths[i] for b in plan for i in b]
    assert flat == sorted(flat)
    assert plan[-1] == [6]  # longer than the budget: alone


def test_out_of_memory_halves_the_budget_and_keeps_results():
    items = [Encoded(tuple(range(1, n + 1))) for n in (4, 9, 3, 8, 5, 7, 6, 2)]

    def forward(ids, mask, starts):
        if ids.numel() > 16:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return mask.sum(dim=1).numpy() * 1.5

    scores, budget = run_batches(items, forward, pad_id=0, token_budget=64)
    assert budget == 16
    assert scores.tolist() == [1.5 * len(e) for e in items]

    def broken(ids, mask, starts):
        raise RuntimeError("some other failure")

    with pytest.raises(RuntimeError, match="other failure"):
        run_batches(items, broken, pad_id=0, token_budget=64)
