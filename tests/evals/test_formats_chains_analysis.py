"""Readers of the study's output formats, chain parsing and the chain analysis by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.evals import analysis
from auditkit.evals.api import score_outputs
from auditkit.evals.base import TaskMetric
from auditkit.evals.chains import (
    Chain,
    auto_chains,
    builtin_chains,
    canonical_model,
    match_model,
    models_in_no_chain,
    parse_chain_spec,
    resolve_chains,
    variant_token,
)
from auditkit.skips import SkipLog

BIN = TaskMetric("correct", "", binary=True)
CONT = TaskMetric("similarity", "", binary=False, percent=False)


# --- chains -------------------------------------------------------------------------------


def test_builtin_chains_are_the_study_chains():
    c = builtin_chains()
    assert [s for s, _ in c["llama-tulu"].stages] == ["base", "sft", "pt"]
    assert dict(c["mistral-starling"].stages)["pt"] == "berkeley-nest/Starling-LM-7B-alpha"
    assert dict(c["mistral-zephyr"].stages)["sft"] == "HuggingFaceH4/mistral-7b-sft-beta"
    assert [ch.name for ch in resolve_chains(["study"])] == list(c)
    # the paper's first panel (Figures 3-5): Llama-2 -> Llama-2-Chat, no released SFT model
    assert c["llama-chat"].stages == (
        ("base", "meta-llama/Llama-2-7b-hf"),
        ("pt", "meta-llama/Llama-2-7b-chat-hf"),
    )
    assert {"llama-chat", "llama-tulu", "mistral-zephyr", "mistral-starling"} <= set(c)
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
    f.write_text(
        "chains:\n  mine:\n    base: x/base\n    sft: {model: x/sft, data: [d/one]}\n"
        "    pt:\n      model: x/pt\n      data: [d/two, d/one]\n"
    )
    (ch,) = resolve_chains([str(f)])
    assert ch.stages[1] == ("sft", "x/sft") and ch.source == "given"
    assert ch.step_data("base", "sft") == ["d/one"]
    assert ch.step_data("sft", "pt") == ["d/two", "d/one"]
    assert ch.step_data("base", "pt") == ["d/one", "d/two"]
    assert ch.as_dict()["stages"][2] == {"stage": "pt", "model": "x/pt", "data": ["d/two", "d/one"]}
    f.write_text("chains:\n  mine:\n    base: x/base\n    sft: {model: x/sft, data: d/one}\n")
    with pytest.raises(InputError, match=r"mine\.sft\.data"):
        resolve_chains([str(f)])
    f.write_text("models: []\n")
    with pytest.raises(InputError, match="chains:"):
        resolve_chains([str(f)])
    with pytest.raises(AuditkitError, match="unknown chain 'nope'"):
        resolve_chains(["nope"])


def test_builtin_steps_declare_their_training_data():
    c = builtin_chains()
    assert c["llama-tulu"].step_data("base", "sft") == ["allenai/tulu-v2-sft-mixture"]
    assert c["mistral-zephyr"].step_data("base", "pt") == [
        "HuggingFaceH4/ultrachat_200k",
        "HuggingFaceH4/ultrafeedback_binarized",
    ]
    assert c["mistral-starling"].step_data("sft", "pt") == ["berkeley-nest/Nectar"]
    assert c["llama-chat"].step_data("base", "pt") == []  # not published


def test_base_and_chat_variants_by_naming_convention():
    assert variant_token("meta-llama/Llama-2-13b-hf", "meta-llama/Llama-2-13b-chat-hf") == "chat"
    assert variant_token("Qwen/Qwen2-7B", "Qwen/Qwen2-7B-Instruct") == "instruct"
    assert variant_token("mistralai/Mistral-7B-v0.3", "mistralai/Mistral-7B-Instruct-v0.3")
    assert variant_token("google/gemma-2b", "google/gemma-2b-it") == "it"
    assert variant_token("yi-8b_8bit", "yi-8b-chat_8bit") == "chat"
    assert variant_token("a/Model-7B", "b/Model-7B-Chat") is None  # another organisation
    assert variant_token("x/Model-7B", "x/Model-7B-DPO") is None
    assert variant_token("x/Model-7B", "x/Model-13B-Chat") is None
    models = ["google/gemma-2b", "google/gemma-2b-it", "x/lonely", "Qwen/Qwen2-7B-Instruct"]
    (ch,) = auto_chains(models)
    assert ch.stages == (("base", "google/gemma-2b"), ("instruct", "google/gemma-2b-it"))
    assert ch.source == "auto" and ch.step_data("base", "instruct") == []
    assert auto_chains(models, covered={("google/gemma-2b", "google/gemma-2b-it")}) == []
    assert models_in_no_chain(models, [ch]) == ["Qwen/Qwen2-7B-Instruct", "x/lonely"]


def test_score_forms_chains_from_the_outputs_and_names_the_rest(tmp_path):
    """Without --chain: built-in chains that match, plus base/chat pairs of other families."""
    rows = []
    for model, correct in (
        ("google/gemma-2b", [0, 0, 1, 1]),
        ("google/gemma-2b-it", [1, 1, 1, 1]),
        ("x/other", [1, 0, 1, 0]),
    ):
        for k, ok in enumerate(correct):
            rows.append(
                {
                    "task": "belebele",
                    "model": model,
                    "item_id": f"q{k}",
                    "group": "eng_Latn",
                    "correct": float(ok),
                }
            )
    f = tmp_path / "outputs.parquet"
    pd.DataFrame(rows).to_parquet(f)
    s = score_outputs("belebele", [str(f)], out=str(tmp_path / "o"), n_resamples=50)
    (chain,) = s["chains"]
    assert chain["source"] == "auto" and chain["name"] == "gemma-2b→gemma-2b-it"
    (step,) = s["steps"]
    assert (step["from"], step["to"], step["delta"], step["data"]) == (
        "google/gemma-2b",
        "google/gemma-2b-it",
        0.5,
        [],
    )
    assert s["models_without_chain"] == ["x/other"]
    from click.testing import CliRunner

    from auditkit.cli import cli

    res = CliRunner().invoke(
        cli, ["eval", "score", "belebele", "--outputs", str(f), "--out", str(tmp_path / "c")]
    )
    assert res.exit_code == 0, res.output
    assert "chain gemma-2b→gemma-2b-it (formed from the outputs)" in res.output
    assert "models in no chain: x/other" in res.output


# --- analysis by hand ---------------------------------------------------------------------


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


def test_tydiqa_study_files_and_old_auditkit_runs_are_scored_as_the_study_did(tmp_path):
    """Study JSON: every dev question counts (a missing one scores 0, counted); an auditkit
    run written before CFMatch (answer_equiv, first-line answers) is re-scored from its
    generations against --data, with the study's cut."""
    from tests.conftest import FIXTURES

    gold = FIXTURES / "evals" / "tydiqa"
    items = json.loads((gold / "tydiqa-goldp-dev-english.json").read_text())
    qas = [q for a in items["data"] for p in a["paragraphs"] for q in p["qas"]]
    first, rest = qas[0], qas[1:]
    model = tmp_path / "{Llama-2-7b-hf_8bit}"
    model.mkdir()
    gens = {first["id"]: first["answers"][0]["text"] + "\nmore\n\nContext: x"}
    (model / "english.json").write_text(json.dumps(gens))
    s = score_outputs(
        "tydiqa-goldp", [str(model)], data=str(gold), out=str(tmp_path / "a"), n_resamples=20
    )
    v = s["models"]["meta-llama/Llama-2-7b-hf"]["english"]
    assert v["n"] == len(qas)  # the questions without a prediction count as 0
    missing = s["skips"]["by_reason"]["no prediction for a dev question (scored 0)"]
    assert missing["count"] == len(rest)
    df = pd.read_parquet(tmp_path / "a" / "outputs.parquet").set_index("item_id")
    assert df.loc[first["id"], "answer"] == first["answers"][0]["text"] + "\nmore"
    assert (df.loc[[q["id"] for q in rest], "cfm"] == 0).all()
    assert v["value"] == pytest.approx(df.loc[first["id"], "cfm"] / len(qas))

    old = pd.DataFrame(
        {
            "task": "tydiqa-goldp",
            "model": "old/run",
            "item_id": [q["id"] for q in qas],
            "group": "english",
            "generation": [q["answers"][0]["text"] + "\n\nContext: y" for q in qas],
            "answer_equiv": 1.0,
        }
    )
    old.to_parquet(tmp_path / "old.parquet")
    s2 = score_outputs(
        "tydiqa-goldp",
        [str(tmp_path / "old.parquet")],
        data=str(gold),
        out=str(tmp_path / "b"),
        n_resamples=20,
    )
    assert s2["metric"] == "cfm"
    assert s2["models"]["old/run"]["english"]["value"] > 0.5
    assert s2["models"]["old/run"]["english"]["n"] == len(qas)
