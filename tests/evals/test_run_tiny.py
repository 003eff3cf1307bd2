"""Every task end to end on tiny local models (scores mean nothing; mechanics do)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.evals.api import run_eval, score_outputs
from tests.conftest import FIXTURES

pytestmark = pytest.mark.slow  # end-to-end: model runs or the whole released outputs

FX = FIXTURES / "evals"

CASES = {
    "md3-game": dict(data=FX / "md3_game_items.csv", groups=None),
    "tydiqa-goldp": dict(data=FX / "tydiqa", groups=["english", "swahili"]),
    "belebele": dict(data=FX / "belebele", groups=["eng_Latn", "swh_Latn"]),
    "globalopinionsqa": dict(data=FX / "goqa_global_opinions.csv", groups=None),
}


@pytest.fixture(scope="module")
def runs(tiny_models, tmp_path_factory):
    """Each task run on two tiny models (a two-stage 'chain')."""
    root = tmp_path_factory.mktemp("evalruns")
    out = {}
    for task, case in CASES.items():
        for name, path in (("a", tiny_models.causal_lm), ("b", tiny_models.causal_lm_ref)):
            folder = root / f"{task}-{name}"
            summary = run_eval(
                task,
                str(path),
                data=str(case["data"]),
                groups=case["groups"],
                max_new_tokens=4 if task == "tydiqa-goldp" else None,
                out=str(folder),
                show_progress=False,
                n_resamples=200,
                batch_size=3,
            )
            out[(task, name)] = (folder, summary)
    return out


@pytest.mark.parametrize("task", list(CASES))
def test_run_writes_per_item_outputs_summary_and_audit(runs, tiny_models, task):
    folder, summary = runs[(task, "a")]
    df = pd.read_parquet(folder / "outputs.parquet")
    assert set(df["task"]) == {task}
    assert set(df["model"]) == {str(tiny_models.causal_lm)}
    assert {"model_revision", "item_id", "group", "prompt_sha256"} <= set(df.columns)
    s = json.loads((folder / "summary.json").read_text())
    assert s == json.loads(json.dumps(summary))
    assert s["kind"] == "eval" and s["task"] == task
    per_group = s["models"][str(tiny_models.causal_lm)]
    for g, v in per_group.items():
        assert v["n"] == int((df["group"] == g).sum())
        assert v["ci_low"] <= v["value"] <= v["ci_high"]
    audit = json.loads((folder / "audit.json").read_text())
    assert audit["kind"] == "eval"
    assert audit["config"]["task"] == task and audit["config"]["model"] == str(
        tiny_models.causal_lm
    )
    assert audit["components"]["model"]["model_id"] == str(tiny_models.causal_lm)
    assert audit["inputs"][0]["path"] == str(CASES[task]["data"])
    if task == "md3-game":
        assert len(df) == 6 and df["generation"].map(type).eq(str).all()
        assert summary["task_options"]["max_new_tokens"] == 10
    if task == "tydiqa-goldp":
        assert {"cfm", "exact_match", "f1", "gold_in_answer"} <= set(df.columns)
        assert summary["metric"] == "cfm" and df["cfm"].between(0, 1).all()
        cut = df["generation"].map(lambda g: g.split("\n\n")[0].strip())
        assert (df["answer"] == cut).all()
    if task == "belebele":
        probs = np.stack(df["probs"].to_numpy())
        assert probs.shape == (4, 4) and np.allclose(probs.sum(axis=1), 1)
    if task == "globalopinionsqa":
        assert len(df) == 3 * 7  # 3 questions kept x 7 countries
        assert df["similarity"].between(1 - math.sqrt(math.log(2)), 1).all()
        assert summary["task_options"]["jsd_base"] == "e"


def test_option_probs_match_unbatched_study_computation(tiny_models):
    """Batched, padded scoring = the study's one-sequence-at-a-time mean NLL."""
    import torch

    from auditkit.evals.model_runner import ModelRunner

    runner = ModelRunner(str(tiny_models.causal_lm), batch_size=4, show_progress=False)
    prompts = ["Human: Which country? (", "Here are the options: (A) yes (B) no. Answer: ("]
    options = [["A)", "B)", "C)"], ["A)", "B)"]]
    got = runner.option_probs(prompts, options)
    tok, model = runner.tokenizer, runner.model
    for prompt, opts, probs in zip(prompts, options, got):
        n = len(tok(prompt)["input_ids"])
        losses = []
        for o in opts:
            ids = torch.tensor([tok(prompt + o)["input_ids"]])
            labels = ids.clone()
            labels[:, :n] = -100
            losses.append(model(ids, labels=labels).loss.item())
        ref = torch.softmax(-torch.tensor(losses), 0).numpy()
        assert np.allclose(probs, ref, atol=1e-5)


def test_generation_is_batch_independent(tiny_models):
    from auditkit.evals.model_runner import ModelRunner

    prompts = [
        "Secret Word:",
        "Answer the question based on the passage. Question: Answer:",
        "France Germany",
    ]
    one = ModelRunner(str(tiny_models.causal_lm), batch_size=1, show_progress=False)
    three = ModelRunner(str(tiny_models.causal_lm), batch_size=3, show_progress=False)
    assert one.generate(prompts, 5) == three.generate(prompts, 5)


@pytest.mark.parametrize("task", list(CASES))
def test_score_own_outputs_along_a_chain(runs, tiny_models, tmp_path, task):
    a, _ = runs[(task, "a")]
    b, _ = runs[(task, "b")]
    chain = f"base={tiny_models.causal_lm},sft={tiny_models.causal_lm_ref}"
    json_path = tmp_path / "s.json"
    s = score_outputs(
        task,
        [str(a), str(b / "outputs.parquet")],
        chain=[chain],
        out=str(tmp_path / "run"),
        json_path=str(json_path),
        n_resamples=200,
    )
    assert json.loads(json_path.read_text()) == json.loads(json.dumps(s))
    assert s["chains_mode"] == "given" and len(s["chains"]) == 1
    groups = s["groups"]
    assert [r["group"] for r in s["steps"]] == groups
    for r in s["steps"]:
        assert r["from"] == str(tiny_models.causal_lm) and r["to"] == str(tiny_models.causal_lm_ref)
        va = s["models"][r["from"]][r["group"]]["value"]
        vb = s["models"][r["to"]][r["group"]]["value"]
        assert r["delta"] == pytest.approx(vb - va)
        assert r["p"] <= r["p_holm"] <= 1
    (d,) = s["disparities"]
    deltas = [r["delta"] for r in s["steps"]]
    assert d["range"] == pytest.approx(max(deltas) - min(deltas))
    # byte-for-byte deterministic summary
    s2 = score_outputs(
        task,
        [str(a), str(b / "outputs.parquet")],
        chain=[chain],
        out=str(tmp_path / "run2"),
        n_resamples=200,
    )
    assert (tmp_path / "run" / "summary.json").read_bytes() == (
        tmp_path / "run2" / "summary.json"
    ).read_bytes()
    assert s2 == s


def _main(argv: list[str]) -> int:
    """Exit code of the `auditkit` entry point (0 when it returns normally)."""
    try:
        main(argv)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def test_cli_run_and_score(tiny_models, tmp_path, capsys):
    out = tmp_path / "cli"
    code = _main(
        [
            "eval",
            "run",
            "md3",
            "--model",
            str(tiny_models.causal_lm),
            "--data",
            str(FX / "md3_game_items.csv"),
            "--groups",
            "en_us",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    assert (out / "outputs.parquet").is_file()
    assert "en_us" in capsys.readouterr().out
    code = _main(
        [
            "eval",
            "score",
            "md3-game",
            "--outputs",
            str(out),
            str(out / "outputs.parquet"),
            "--out",
            str(tmp_path / "s"),
        ]
    )
    assert code == 2  # the same model twice: duplicate rows
    assert "duplicate" in capsys.readouterr().err
    assert _main(["eval", "score", "md3-game", "--outputs", str(FX / "md3_game_items.csv")]) == 2
    err = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert "md3_game_items.csv" in err and "matches no known output format" in err
    code = _main(
        [
            "eval",
            "run",
            "md3",
            "--model",
            str(tiny_models.causal_lm),
            "--data",
            str(FX / "md3_game_items.csv"),
            "--load-in-8bit",
            "--device",
            "cpu",
        ]
    )
    assert code == 2
    assert "needs a CUDA GPU" in " ".join(capsys.readouterr().err.split())
    assert _main(["eval", "score", "md3-game"]) == 2
    assert "--outputs" in capsys.readouterr().err


def test_cli_list_and_help(capsys):
    assert _main(["eval", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("md3-game", "tydiqa-goldp", "belebele", "globalopinionsqa", "mistral-starling"):
        assert name in out
    assert _main(["eval", "run", "--help"]) == 0
    assert "--load-in-8bit" in capsys.readouterr().out
