"""Study-exact scoring on the released outputs (../shared/data/global_representation).

* CFMatch: the shipped classifier reproduces the original qa-metrics code's scores
  (``cfmatch_2024_01/reference_scores.jsonl``, 506 pairs) to 1e-9.
* TyDiQA with no metric flag (CFMatch, the study's first-blank-line cut, a missing prediction
  scoring 0) gives the paper's Bengali changes: Llama-2 -> Llama-2-Chat -12.7, Llama-2 ->
  Tulu-2-DPO -8.2, Mistral -> Zephyr -9.7, Mistral -> Starling -0.8 (issue #10: -12.76, -8.23,
  -9.71, -0.81 unrounded).
* GlobalOpinionsQA: every country on the same 244 questions; the paper's Figure 5 quantity
  (USA minus country, x100) for Llama-2 -> Llama-2-Chat: Jordan 0.3 -> 4.5, China 1.4 -> 3.1,
  Nigeria -2.5 -> 3.5 (issue #10: 0.351 -> 4.464, 1.427 -> 3.197, -2.575 -> 3.518).
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict

import pandas as pd
import pytest

from auditkit.evals.api import score_outputs
from auditkit.evals.qa_metrics import CFMATCH_RESOURCE, CFMatcher
from tests.conftest import REPO_ROOT, require_shared

pytestmark = [pytest.mark.shared, pytest.mark.slow]
GR = "global_representation"
LLAMA, LLAMA_CHAT = "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"


def _reference_rows() -> list[dict]:
    path = require_shared(GR, "cfmatch_2024_01", "reference_scores.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_shipped_classifier_is_the_shared_one():
    shared = json.loads(require_shared(GR, "cfmatch_2024_01", "cfmatch_2024_01.json").read_text())
    shipped = json.loads(
        gzip.decompress((REPO_ROOT / "auditkit" / "evals" / CFMATCH_RESOURCE).read_bytes())
    )
    assert shipped == shared


def test_cfmatch_matches_the_original_code_on_506_pairs():
    rows = _reference_rows()
    assert len(rows) == 506
    m = CFMatcher.shipped()
    worst = max(
        abs(m.score(r["reference"], r["candidate"], r["question"]) - r["cfm_score"]) for r in rows
    )
    assert worst < 1e-9
    # the study's cut reproduces the candidates the reference was scored on
    from auditkit.evals.tasks.tydiqa import extract_answer

    assert all(extract_answer(r["generation"]) == r["candidate"] for r in rows)


@pytest.fixture(scope="module")
def tydiqa(tmp_path_factory):
    outs = require_shared(GR, "tydiqa_outputs")
    gold = require_shared(GR, "tydiqa_goldp_dev")
    out = tmp_path_factory.mktemp("tydiqa") / "run"
    folders = sorted(str(d) for d in outs.iterdir() if d.is_dir())
    assert len(folders) == 9
    summary = score_outputs("tydiqa-goldp", folders, data=str(gold), out=str(out), n_resamples=300)
    return summary, pd.read_parquet(out / "outputs.parquet")


def test_tydiqa_default_is_cfmatch_with_the_papers_bengali_changes(tydiqa):
    s, _ = tydiqa
    assert s["metric"] == "cfm"
    assert "CFMatch" in s["task_options"]["cfm"]
    assert {c["name"] for c in s["chains"]} == {
        "llama-chat",
        "llama-tulu",
        "mistral-zephyr",
        "mistral-starling",
    }
    assert s["models_without_chain"] == []
    step = {(r["chain"], r["from_stage"], r["to_stage"], r["group"]): r for r in s["steps"]}
    expected = {
        ("llama-chat", "base", "pt"): -12.76,
        ("llama-tulu", "base", "pt"): -8.23,
        ("mistral-zephyr", "base", "pt"): -9.71,
        ("mistral-starling", "base", "pt"): -0.81,
    }
    for (chain, a, b), points in expected.items():
        r = step[(chain, a, b, "bengali")]
        assert round(r["delta_points"], 2) == points, chain
        assert r["n"] == 113 and r["test"] == "paired-permutation"
        assert r["delta_ci_low"] <= r["delta"] <= r["delta_ci_high"]
    # the contract with the report: training data per step
    assert step[("llama-tulu", "base", "sft", "bengali")]["data"] == ["allenai/tulu-v2-sft-mixture"]
    assert step[("llama-chat", "base", "pt", "bengali")]["data"] == []
    assert step[("mistral-starling", "sft", "pt", "english")]["data"] == ["berkeley-nest/Nectar"]


def test_tydiqa_levels_are_the_original_cfmatch_scores(tydiqa):
    """Each item's level is the max over its gold answers of the original code's score."""
    _, df = tydiqa
    best: dict[tuple[str, str], float] = defaultdict(float)
    for r in _reference_rows():
        if r["model_dir"]:
            key = (r["model_dir"], r["id"])
            best[key] = max(best[key], r["cfm_score"])
    ours = df.set_index(["source_model", "item_id"])["cfm"]
    assert len(best) > 100
    for key, value in best.items():
        assert ours.loc[key] == pytest.approx(value, abs=1e-9), key
    # every dev question of every language counts (113 Bengali, 440 English, ...)
    per = df.groupby(["source_model", "group"]).size().unstack()
    assert (per["bengali"] == 113).all() and (per["english"] == 440).all()
    assert (df["answer"] == df["generation"].map(lambda g: g.split("\n\n")[0].strip())).all()


def test_goqa_usa_minus_country_along_llama_chat(tmp_path):
    folder = require_shared(GR, "globalopinionsqa", "salt_model_outputs")
    s = score_outputs("globalopinionsqa", [str(folder)], out=str(tmp_path / "r"), n_resamples=500)
    assert set(s["questions_kept"].values()) == {244}
    for per in s["models"].values():
        assert {v["n"] for v in per.values()} == {244}
    gaps = s["reference_gaps"]
    expected = {"Jordan": (0.351, 4.464), "China": (1.427, 3.197), "Nigeria": (-2.575, 3.518)}
    for country, (before, after) in expected.items():
        assert round(100 * gaps[LLAMA][country]["value"], 3) == before
        assert round(100 * gaps[LLAMA_CHAT][country]["value"], 3) == after
        for m in (LLAMA, LLAMA_CHAT):
            g = gaps[m][country]
            assert g["n"] == 244 and g["ci_low"] < g["value"] < g["ci_high"]
    steps = {
        (r["chain"], r["group"]): r
        for r in s["reference_gap_steps"]
        if (r["from_stage"], r["to_stage"]) == ("base", "pt")
    }
    for country, (before, after) in expected.items():
        r = steps[("llama-chat", country)]
        assert r["n"] == 244
        assert round(100 * r["from_value"], 3) == before
        assert round(100 * r["to_value"], 3) == after
        assert r["delta_ci_low"] < r["delta"] < r["delta_ci_high"]
        assert r["p_holm"] >= r["p"]
    assert steps[("llama-chat", "Nigeria")]["p_holm"] < 0.01
