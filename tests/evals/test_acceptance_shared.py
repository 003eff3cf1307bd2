"""Acceptance on the study's released outputs (../shared/data/global_representation).

* md3-game: `auditkit eval score` reproduces the paper's MD3 deltas. The paper's numbers use the
  study's analysis setting: column generated_correct_answer(_num), prompt_mode no_answers,
  seed 221, no chat template, 8-bit models; each delta is the difference of the two models'
  accuracies, each rounded to 0.1 point (Mistral -> Mistral SFT, Indian English:
  23.1 - 7.9 = 15.2; the unrounded difference is 15.28).
* globalopinionsqa: the study's country filter keeps 245 questions, 244 with a similarity for
  every country (the common question set).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from auditkit.evals.api import score_outputs
from auditkit.evals.tasks.goqa import STUDY_COUNTRIES
from auditkit.evals.tasks.md3 import game_success, parse_word_list
from auditkit.stats import js_similarity
from tests.conftest import require_shared

pytestmark = pytest.mark.slow  # end-to-end: model runs or the whole released outputs

PUBLISHED_MD3 = {
    # (chain, to stage): {dialect: accuracy points}
    ("mistral-zephyr", "sft"): {"en_in": 15.2, "en_ng": 20.3, "en_us": 29.3},
    ("mistral-starling", "sft"): {"en_in": 20.3, "en_ng": 27.9, "en_us": 36.3},
}


@pytest.fixture(scope="module")
def md3_summary(tmp_path_factory):
    preds = require_shared("global_representation", "md3_game", "md3_game_predictions.csv")
    out = tmp_path_factory.mktemp("md3")
    return score_outputs(
        "md3-game",
        [str(preds)],
        chain=["study"],
        out=str(out / "run"),
        json_path=str(out / "s.json"),
        n_resamples=500,
    )


def test_md3_score_reproduces_published_deltas(md3_summary):
    steps = {
        (s["chain"], s["from_stage"], s["to_stage"], s["group"]): s for s in md3_summary["steps"]
    }
    for (chain, to_stage), groups in PUBLISHED_MD3.items():
        for g, published in groups.items():
            s = steps[(chain, "base", to_stage, g)]
            assert s["delta_points_rounded"] == pytest.approx(published, abs=1e-9), (chain, g)
            # the unrounded change is within rounding of the published one
            assert abs(s["delta_points"] - published) < 0.1
            assert s["n"] == {"en_in": 216, "en_ng": 251, "en_us": 427}[g]
            assert s["test"] == "mcnemar-exact" and s["p_holm"] < 1e-8
    assert md3_summary["filters"]["prompt_mode"] == "no_answers"
    assert md3_summary["filters"]["seed"] == 221
    assert md3_summary["metric"] == "correct"


def test_md3_disparity_us_gains_most(md3_summary):
    d = {(r["chain"], r["from_stage"], r["to_stage"]): r for r in md3_summary["disparities"]}
    r = d[("mistral-zephyr", "base", "sft")]
    assert r["max_group"] == "en_us" and r["min_group"] == "en_in"
    # US gain minus Indian gain, unrounded: (38.17 - 8.90) - (23.15 - 7.87) points
    assert 100 * r["vs_reference"]["en_in"]["value"] == pytest.approx(29.2740 - 15.2778, abs=1e-3)
    assert r["vs_reference"]["en_in"]["ci_low"] > 0


def test_md3_json_has_the_issue_keys(md3_summary, tmp_path_factory):
    s = md3_summary
    assert {"task", "metric", "models", "steps"} <= set(s)
    v = s["models"]["mistralai/Mistral-7B-v0.1"]["en_in"]
    assert set(v) == {"value", "ci_low", "ci_high", "n"}
    assert v["value"] == pytest.approx(17 / 216) and v["ci_low"] < v["value"] < v["ci_high"]
    assert {"from", "to", "group", "delta", "p", "p_holm"} <= set(s["steps"][0])


def test_md3_study_scorer_matches_released_success_flags():
    preds = pd.read_csv(
        require_shared("global_representation", "md3_game", "md3_game_predictions.csv"),
        keep_default_na=False,
    )
    items = pd.read_csv(require_shared("global_representation", "md3_game", "md3_game_items.csv"))
    m = preds.merge(items, on=["item_id", "dialect"])
    ours = [
        game_success(g, c, parse_word_list(d, "items", 0, "distractors"))
        for g, c, d in zip(m["generated_answer"], m["correct_answer"], m["distractors"])
    ]
    assert len(m) == len(preds)
    assert (pd.Series(ours) == m["generated_correct_answer"].astype(bool)).all()


def test_goqa_common_question_set_of_244(tmp_path):
    folder = require_shared("global_representation", "globalopinionsqa", "salt_model_outputs")
    files = sorted(str(p) for p in folder.glob("Mistral*.jsonl"))
    s = score_outputs("globalopinionsqa", files, out=str(tmp_path / "run"), n_resamples=200)
    # the study's -1 filter keeps 245 questions; row 2446 has empty cells for 6 of the 7
    # countries, so every country is compared on the other 244
    assert set(s["questions_kept"].values()) == {244}
    assert s["groups"] == list(STUDY_COUNTRIES)
    assert s["task_options"]["jsd_base"] == "e"
    mistral = s["models"]["mistralai/Mistral-7B-v0.1"]
    assert {v["n"] for v in mistral.values()} == {244}
    reasons = {r: v["count"] for r, v in s["skips"]["by_reason"].items()}
    assert reasons["no value for this group: item dropped from the common item set"] == 2 * 6
    assert reasons["item dropped from the common item set: another group has no value"] == 2
    assert reasons[
        "question without human data for a compared country (the study's -1 filter)"
    ] == 2 * (2556 - 245)
    with pytest.raises(Exception, match="natural log"):
        score_outputs("globalopinionsqa", files, jsd_base="2", out=str(tmp_path / "b2"))


def test_goqa_released_similarity_is_natural_log_jsd():
    """Our similarity in natural log reproduces the study's stored values from its probs.

    The human distributions here are GlobalOpinionBench's copy, which differs from the study's
    source for some (question, country) pairs, so the check is on the share of exact matches:
    about 80% agree to 1e-6 in natural log, almost none in base 2.
    """
    base = require_shared("global_representation", "globalopinionsqa")
    human = {}
    with open(base / "goqa_human_distributions_partial.jsonl") as f:
        for line in f:
            r = json.loads(line)
            if r["row_index"] is not None:
                human[r["row_index"]] = r["selections"]
    err_e, err_2 = [], []
    with open(base / "salt_model_outputs" / "Mistral-7B-v0.1_8bit.jsonl") as f:
        for line in f:
            r = json.loads(line)
            for country, sim in r["similarity_1_minus_jsd"].items():
                h = human.get(r["row_index"], {}).get(country)
                if sim is None or h is None or sum(h) == 0 or len(h) != len(r["probs"]):
                    continue
                err_e.append(abs(js_similarity(r["probs"], h) - sim))
                err_2.append(abs(js_similarity(r["probs"], h, base=2) - sim))
    assert len(err_e) > 1000
    assert sum(e < 1e-6 for e in err_e) / len(err_e) > 0.75
    assert sum(e < 1e-6 for e in err_2) / len(err_2) < 0.05


def test_tydiqa_released_outputs_score_along_chains(tmp_path):
    outs = require_shared("global_representation", "tydiqa_outputs")
    gold = require_shared("global_representation", "tydiqa_goldp_dev")
    models = [
        outs / m for m in ("Mistral-7B-v0.1_8bit", "Mistral-SFT-7B_8bit", "zephyr-7b-beta_8bit")
    ]
    s = score_outputs(
        "tydiqa-goldp",
        [str(m) for m in models],
        data=str(gold),
        out=str(tmp_path / "run"),
        n_resamples=200,
    )
    assert s["metric"] == "cfm" and s["percent"] is True and s["binary"] is False
    assert s["models"]["HuggingFaceH4/zephyr-7b-beta"]["bengali"]["n"] == 113
    assert {c["name"] for c in s["chains"]} == {"mistral-zephyr"}
    assert s["models_without_chain"] == []
    assert len(s["steps"]) == 3 * 9
    assert all(r["test"] == "paired-permutation" for r in s["steps"])
    assert all(0 <= r["p_holm"] <= 1 and r["p_holm"] >= r["p"] for r in s["steps"])
    f1 = score_outputs(
        "tydiqa-goldp",
        [str(models[0])],
        data=str(gold),
        metric="f1",
        out=str(tmp_path / "f1"),
        n_resamples=200,
    )
    v = f1["models"]["mistralai/Mistral-7B-v0.1"]["english"]
    assert 0 < v["value"] < 1 and not math.isnan(v["ci_low"])
    assert f1["models_without_chain"] == ["mistralai/Mistral-7B-v0.1"]
