"""Alignment chains: the study's built-in chains, chain specs and files, the naming convention, and the chains `eval score` forms."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.evals.api import score_outputs
from auditkit.evals.chains import (
    auto_chains,
    builtin_chains,
    canonical_model,
    match_model,
    models_in_no_chain,
    parse_chain_spec,
    resolve_chains,
    variant_token,
)


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
