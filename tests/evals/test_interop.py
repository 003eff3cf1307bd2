"""eval score on results made elsewhere: lm-evaluation-harness --log_samples files and a
plain per-item table; eval run --tasks and --model-args."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from auditkit.evals.api import score_outputs
from tests.conftest import FIXTURES, require_shared

DATE = "2024-05-01T12-30-00.123456"


def write_lm_eval_run(output_path: Path, model: str, docs: list[dict], correct) -> Path:
    """What lm-eval 0.4 writes with --output_path OUT --log_samples for tasks belebele_<lang>:
    OUT/<model with / as __>/samples_<task>_<date>.jsonl (EvaluationTracker.
    save_results_samples: arguments as gen_args_i/arg_j, target as str) and results_<date>.json."""
    folder = output_path / model.replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    by_lang: dict[str, list[dict]] = {}
    for d in docs:
        by_lang.setdefault(d["dialect"], []).append(d)
    for lang, lang_docs in by_lang.items():
        with open(folder / f"samples_belebele_{lang}_{DATE}.jsonl", "w", encoding="utf-8") as f:
            for i, doc in enumerate(lang_docs):
                target = int(doc["correct_answer_num"]) - 1
                acc = float(correct(doc))
                prompt = f"P: {doc['flores_passage']}\nQ: {doc['question']}\nAnswer："
                logliks = [[-2.0, False] for _ in range(4)]
                logliks[target if acc else (target + 1) % 4] = [-0.5, True]
                sample = {
                    "doc_id": i,
                    "doc": doc,
                    "target": str(target),
                    "arguments": {
                        f"gen_args_{k}": {"arg_0": prompt, "arg_1": f" {c}"}
                        for k, c in enumerate("ABCD")
                    },
                    "resps": [[[str(ll[0]), str(ll[1])]] for ll in logliks],
                    "filtered_resps": [[str(ll[0]), str(ll[1])] for ll in logliks],
                    "filter": "none",
                    "metrics": ["acc", "acc_norm"],
                    "doc_hash": "0" * 64,
                    "prompt_hash": "1" * 64,
                    "target_hash": "2" * 64,
                    "acc": acc,
                    "acc_norm": acc,
                }
                f.write(json.dumps(sample, ensure_ascii=False) + "\n")
    (folder / f"results_{DATE}.json").write_text(
        json.dumps(
            {
                "results": {},
                "config": {"model": "hf", "model_args": f"pretrained={model},dtype=bfloat16"},
                "model_name": model,
            }
        )
    )
    return folder


def _docs(per_language: int = 60) -> list[dict]:
    """Belebele rows in the Hub's schema (what lm-eval's `doc` holds), rebuilt from the shared
    copy, which groups the questions by passage (see its PROVENANCE.md)."""
    folder = require_shared("global_representation", "belebele")
    docs = []
    for lang_file in sorted(folder.glob("*.jsonl")):
        with open(lang_file, encoding="utf-8") as f:
            passages = [json.loads(line) for line in f if line.strip()]
        rows = []
        for p in passages:
            extra = p["metadata"]["extra"]
            for n, item in enumerate(p["items"], 1):
                answers = item["answers"]
                rows.append(
                    {
                        "link": extra["url"],
                        "question_number": n,
                        "flores_passage": p["text"],
                        "question": item["question"],
                        **{f"mc_answer{k}": a["text"] for k, a in enumerate(answers, 1)},
                        "correct_answer_num": str(
                            next(k for k, a in enumerate(answers, 1) if a["correct"])
                        ),
                        "dialect": lang_file.stem,
                        "ds": "2023-05-03",
                    }
                )
        docs += rows[:per_language]
    return docs


def test_lm_eval_log_samples_of_two_models_are_scored_along_a_chain(tmp_path):
    docs = _docs()
    out = tmp_path / "lm_eval_out"
    write_lm_eval_run(out, "org/base-model", docs, lambda d: int(d["question_number"]) % 3 == 0)
    write_lm_eval_run(out, "org/sft-model", docs, lambda d: int(d["question_number"]) % 2 == 0)
    summary = score_outputs(
        "belebele",
        [str(out)],
        chain=["base=org/base-model,sft=org/sft-model"],
        out=str(tmp_path / "s"),
        n_resamples=200,
    )
    assert summary["sources"][0]["format"] == "lm-eval-samples"
    # deu_Latn is not among the study's nine Belebele languages: only eng_Latn is scored
    assert summary["groups"] == ["eng_Latn"]
    for lang in summary["groups"]:
        lang_docs = [d for d in docs if d["dialect"] == lang]
        want = sum(int(d["question_number"]) % 2 == 0 for d in lang_docs) / len(lang_docs)
        got = summary["models"]["org/sft-model"][lang]
        assert got["value"] == pytest.approx(want) and got["n"] == len(lang_docs)
    assert {s["group"] for s in summary["steps"]} == set(summary["groups"])
    # items are keyed like auditkit's own belebele items (link#question_number)
    frame = pd.read_parquet(tmp_path / "s" / "outputs.parquet")
    assert frame["item_id"].str.contains("#").all()


@pytest.mark.slow
def test_a_single_samples_file_and_the_cli(tmp_path):
    docs = _docs()
    folder = write_lm_eval_run(tmp_path / "o", "org/m", docs, lambda d: True)
    one = sorted(folder.glob("samples_*.jsonl"))
    proc = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "eval", "score", "belebele", "--outputs"]
        + [str(p) for p in one]
        + ["--out", str(tmp_path / "s"), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)  # stdout holds the JSON and nothing else
    assert all(v["value"] == 1.0 for v in summary["models"]["org/m"].values())


def test_a_per_item_table_is_scored(tmp_path):
    rows = [
        {"model": m, "item_id": f"i{i}", "group": g, "value": int((i + k) % 2 == 0)}
        for k, m in enumerate(("a", "b"))
        for g in ("en_us", "en_in", "en_ng")
        for i in range(30)
    ]
    table = tmp_path / "items.csv"
    pd.DataFrame(rows).to_csv(table, index=False)
    summary = score_outputs(
        "md3-game", [str(table)], chain=["base=a,sft=b"], out=str(tmp_path / "s"), n_resamples=100
    )
    assert summary["models"]["a"]["en_us"]["value"] == pytest.approx(0.5)
    assert summary["sources"][0]["format"] == "per-item-table"
    jl = tmp_path / "items.jsonl"
    pd.DataFrame(rows).rename(columns={"value": "correct"}).to_json(
        jl, orient="records", lines=True
    )
    again = score_outputs("md3-game", [str(jl)], out=str(tmp_path / "s2"), n_resamples=100)
    assert again["models"] == json.loads(json.dumps(summary["models"]))


@pytest.mark.slow
def test_a_table_without_the_columns_names_the_expected_ones(tmp_path):
    table = tmp_path / "mine.csv"
    pd.DataFrame({"model": ["a"], "question": ["q1"], "score": [1]}).to_csv(table, index=False)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "eval",
            "score",
            "md3-game",
            "--outputs",
            str(table),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    err = " ".join(proc.stderr.split())
    assert "lacks item_id, group, correct (or value)" in err
    assert (
        "Expected columns: model, item_id, group" in err and "found: model, question, score" in err
    )


@pytest.mark.slow
def test_a_chain_or_groups_matching_nothing_exit_2_naming_what_is_there(tmp_path):
    table = tmp_path / "items.csv"
    pd.DataFrame(
        [{"model": "a", "item_id": str(i), "group": "en_us", "correct": 1} for i in range(5)]
    ).to_csv(table, index=False)
    for extra, want in (
        (["--chain", "base=x,sft=y"], "models available: a"),
        (["--groups", "en_ng"], "available: en_us"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "auditkit.cli", "eval", "score", "md3-game"]
            + ["--outputs", str(table), *extra],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
        )
        assert proc.returncode == 2, proc.stderr
        assert want in proc.stderr and "matches no" in proc.stderr


FX = FIXTURES / "evals"


@pytest.mark.slow
def test_eval_run_several_tasks_on_one_model_with_model_args(tiny_models, tmp_path):
    out = tmp_path / "multi"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "eval",
            "run",
            "--tasks",
            "md3-game,belebele",
            "--model-args",
            f"pretrained={tiny_models.causal_lm},dtype=float32,attn_implementation=eager",
            "--data",
            f"md3-game={FX / 'md3_game_items.csv'}",
            f"belebele={FX / 'belebele'}",
            "--groups",
            "eng_Latn,swh_Latn",
            "--batch-size",
            "2",
            "--out",
            str(out),
            "--json",
            "-",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert set(result) == {"md3-game", "belebele"}
    for task in result:
        audit = json.loads((out / task / "audit.json").read_text())
        assert audit["config"]["model_args"].startswith("pretrained=")
        assert audit["config"]["batch_size"] == "2"
        model = audit["components"]["model"]
        assert model["attn_implementation"] == "eager" and model["dtype"] == "float32"
        assert model["weights_sha256"] and all(
            len(h) == 64 for h in model["weights_sha256"].values()
        )
        assert any(i.get("role") == "model" for i in audit["inputs"])
    assert "Loading weights" not in proc.stderr  # --json -: no library progress bars


@pytest.mark.slow
def test_rerun_notices_a_changed_checkpoint(tiny_models, tmp_path):
    import shutil

    from auditkit.errors import InputError
    from auditkit.evals.api import run_eval
    from auditkit.rerun import rerun

    model = tmp_path / "model"
    shutil.copytree(tiny_models.causal_lm, model)
    run_eval(
        "md3-game",
        str(model),
        data=str(FX / "md3_game_items.csv"),
        out=str(tmp_path / "r"),
        show_progress=False,
        n_resamples=50,
    )
    weights = next(model.glob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-1] + b"\0")
    with pytest.raises(InputError, match="changed"):
        rerun(tmp_path / "r")
