"""Readers of the study's output formats, chain parsing and the chain analysis by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.evals import analysis
from auditkit.evals.api import score_outputs
from auditkit.evals.base import Metric
from auditkit.evals.chains import (
    Chain,
    builtin_chains,
    canonical_model,
    match_model,
    parse_chain_spec,
    resolve_chains,
)

BIN = Metric("correct", "", binary=True)
CONT = Metric("similarity", "", binary=False, percent=False)


# --- chains -------------------------------------------------------------------------------


def test_builtin_chains_are_the_study_chains():
    c = builtin_chains()
    assert [s for s, _ in c["llama-tulu"].stages] == ["base", "sft", "pt"]
    assert dict(c["mistral-starling"].stages)["pt"] == "berkeley-nest/Starling-LM-7B-alpha"
    assert dict(c["mistral-zephyr"].stages)["sft"] == "HuggingFaceH4/mistral-7b-sft-beta"
    assert [ch.name for ch in resolve_chains(["study"])] == list(c)
    assert [(a, c2) for a, _, c2, _ in c["llama-tulu"].steps()] == [
        ("base", "sft"),
        ("sft", "pt"),
        ("base", "pt"),
    ]


def test_study_file_names_map_to_hub_ids():
    assert canonical_model("Mistral-SFT-7B_8bit") == "HuggingFaceH4/mistral-7b-sft-beta"
    assert canonical_model("mistral-7b-sft-beta") == "HuggingFaceH4/mistral-7b-sft-beta"
    assert canonical_model("starling-alpha-7b_8bit") == "berkeley-nest/Starling-LM-7B-alpha"
    assert canonical_model("Tulu-2-SFT_8bit") == "allenai/tulu-2-7b"
    assert canonical_model("my/own-model") == "my/own-model"
    avail = ["allenai/tulu-2-7b", "/runs/models/causal_lm"]
    assert match_model("Tulu-2-SFT_8bit", avail) == "allenai/tulu-2-7b"
    assert match_model("causal_lm", avail) == "/runs/models/causal_lm"
    assert match_model("zephyr", avail) is None


def test_chain_spec_and_yaml(tmp_path):
    c = parse_chain_spec("base=a/b, sft=c/d ,pt=e")
    assert c.stages == (("base", "a/b"), ("sft", "c/d"), ("pt", "e"))
    with pytest.raises(AuditkitError, match="stage=model"):
        parse_chain_spec("base=a,sft")
    with pytest.raises(AuditkitError, match="two stages"):
        parse_chain_spec("base=a")
    f = tmp_path / "chains.yaml"
    f.write_text("chains:\n  mine:\n    base: x/base\n    dpo: x/dpo\n")
    (ch,) = resolve_chains([str(f)])
    assert ch.name == "mine" and ch.stages == (("base", "x/base"), ("dpo", "x/dpo"))
    f.write_text("models: []\n")
    with pytest.raises(InputError, match="chains:"):
        resolve_chains([str(f)])
    with pytest.raises(AuditkitError, match="unknown chain 'nope'"):
        resolve_chains(["nope"])


# --- analysis by hand ---------------------------------------------------------------------


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


# --- study formats ------------------------------------------------------------------------


def test_md3_study_per_model_file_and_filters(tmp_path):
    rows = []
    for seed in (221, 5):
        for d, ok in [("en_in", True), ("en_us", False), ("en_us", True)]:
            rows.append(
                {
                    "model": "mistralai/Mistral-7B-v0.1",
                    "load_8bit": True,
                    "prompt_mode": "no_answers",
                    "seed": seed,
                    "dialect": d,
                    "generated_answer": "x",
                    "generated_correct_answer": ok,
                    "chose_correct_answer": not ok,
                    "using_chat_template": "",
                }
            )
    f = tmp_path / "Mistral-7B-v0.1_8bit-no-answers.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    with pytest.raises(InputError, match="several seeds"):
        score_outputs("md3-game", [str(f)], out=str(tmp_path / "o"))
    s = score_outputs("md3-game", [str(f)], seed=221, out=str(tmp_path / "o"), n_resamples=100)
    m = s["models"]["mistralai/Mistral-7B-v0.1"]
    assert m["en_us"]["value"] == 0.5 and m["en_in"]["n"] == 1
    assert s["skips"]["by_reason"]["seed is not 221"]["count"] == 3
    s = score_outputs(
        "md3-game",
        [str(f)],
        seed=5,
        metric="choice_correct",
        out=str(tmp_path / "o2"),
        n_resamples=100,
    )
    assert s["models"]["mistralai/Mistral-7B-v0.1"]["en_us"]["value"] == 0.5
    with pytest.raises(InputError, match="prompt_mode 'answers'"):
        score_outputs("md3-game", [str(f)], seed=5, prompt_mode="answers", out=str(tmp_path / "o3"))


def test_goqa_study_csv_minus_one_and_empty_cells(tmp_path):
    countries = ["United States", "China", "Jordan", "Brazil", "Nigeria", "Germany", "Australia"]
    rows = [
        {
            "question": "q0",
            "options": "['a', 'b']",
            "probs": "[0.5, 0.5]",
            "model_id": "zephyr-7b-beta",
            **{c: 0.9 for c in countries},
        },
        {
            "question": "q1",
            "options": "['a', 'b']",
            "probs": "[0.2, 0.8]",
            "model_id": "zephyr-7b-beta",
            **{c: 0.8 for c in countries},
            "Jordan": -1,
        },  # Jordan has no human data: dropped
        {
            "question": "q2",
            "options": "['a', 'b']",
            "probs": "[0.2, 0.8]",
            "model_id": "zephyr-7b-beta",
            **{c: 0.7 for c in countries},
            "China": None,
        },  # empty cell: China has no similarity, so q2 leaves the common question set
    ]
    f = tmp_path / "zephyr-7b-beta_8bit.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    s = score_outputs("globalopinionsqa", [str(f)], out=str(tmp_path / "o"), n_resamples=100)
    # every country on the same question (q0): none averaged over a different set
    assert s["questions_kept"] == {"HuggingFaceH4/zephyr-7b-beta": 1}
    m = s["models"]["HuggingFaceH4/zephyr-7b-beta"]
    assert {c: (v["value"], v["n"]) for c, v in m.items()} == {c: (0.9, 1) for c in countries}
    reasons = {r: v["count"] for r, v in s["skips"]["by_reason"].items()}
    assert reasons == {
        "question without human data for a compared country (the study's -1 filter)": 1,
        "no value for this group: item dropped from the common item set": 1,
        "item dropped from the common item set: another group has no value": 6,
    }
    gaps = s["reference_gaps"]["HuggingFaceH4/zephyr-7b-beta"]
    assert gaps["China"] == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0, "n": 1}


def test_belebele_study_csv(tmp_path):
    rows = []
    for model, correct in (
        ("Mistral-7B-v0.1_8bit", [1, 0, 1, 1]),
        ("Mistral-SFT-7b_8bit", [1, 1, 1, 1]),
    ):
        mid = {
            "Mistral-7B-v0.1_8bit": "mistralai/Mistral-7B-v0.1",
            "Mistral-SFT-7b_8bit": "HuggingFaceH4/mistral-7b-sft-beta",
        }[model]
        for k, (lang, ok) in enumerate(
            zip(["eng_Latn", "eng_Latn", "swh_Latn", "swh_Latn"], correct)
        ):
            rows.append(
                {
                    "model": model,
                    "language_code": lang,
                    "link": "u",
                    "question_num": k % 2 + 1,
                    "correct_answer_num": 1,
                    f"{mid}_is_correct": ok,
                    **{f"{mid}_prob_{x}": 0.25 for x in "ABCD"},
                }
            )
    f = tmp_path / "belebele.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    s = score_outputs(
        "belebele",
        [str(f)],
        groups=["eng_Latn", "swh_Latn"],
        out=str(tmp_path / "o"),
        n_resamples=100,
    )
    assert s["models"]["mistralai/Mistral-7B-v0.1"]["eng_Latn"]["value"] == 0.5
    steps = {r["group"]: r for r in s["steps"]}
    assert steps["eng_Latn"]["delta"] == 0.5 and steps["swh_Latn"]["delta"] == 0.0
    assert [c["name"] for c in s["chains"]] == ["mistral-zephyr"]  # auto: the matching chain


def test_unknown_and_wrong_task_formats_name_the_file(tmp_path):
    f = tmp_path / "notes.csv"
    f.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match=r"notes.csv: matches no known output format"):
        score_outputs("md3-game", [str(f)], out=str(tmp_path / "o"))
    g = tmp_path / "goqa.jsonl"
    g.write_text(
        json.dumps({"model_id": "m", "row_index": 0, "probs": [1.0], "similarity_1_minus_jsd": {}})
        + "\n"
    )
    with pytest.raises(InputError, match="looks like goqa-study-jsonl: wrong task"):
        score_outputs("md3-game", [str(g)], out=str(tmp_path / "o"))
    with pytest.raises(AuditkitError, match="no such file"):
        score_outputs("md3-game", [str(tmp_path / "missing.csv")], out=str(tmp_path / "o"))
