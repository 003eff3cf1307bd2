"""tydiqa-goldp: local items and shots, prompts, and the study's released generations."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from auditkit.errors import InputError
from auditkit.evals.api import score_outputs
from auditkit.evals.tasks import tydiqa
from tests.conftest import FIXTURES

FX = FIXTURES / "evals"


def test_tydiqa_local_items_shots_and_prompt():
    items = tydiqa.load_items(FX / "tydiqa", groups=("english", "swahili"))
    assert len(items) == 6 and set(items["group"]) == {"english", "swahili"}
    for r in items.to_dict("records"):
        (shot,) = r["shots"]
        assert shot["question"] != r["question"]  # never the item itself
        assert shot["context"] in set(items[items["group"] == r["group"]]["context"])
    again = tydiqa.load_items(FX / "tydiqa", groups=("english", "swahili"))
    assert list(again["shots"]) == list(items["shots"])  # seeded
    p = tydiqa.build_prompt(items.iloc[0].to_dict())
    assert p.startswith("Please answer the following questions")
    assert p.count("Context: ") == 3  # format line, the shot, the item
    assert p.endswith("Question: What is the capital of France?\nExtracted Answer:")
    s = tydiqa.score(items.iloc[0].to_dict(), " Paris\n\nContext: x")[0]
    assert (s["exact_match"], s["f1"], s["gold_in_answer"]) == (1.0, 1.0, 1.0)
    assert s["answer"] == "Paris" and 0.9 < s["cfm"] <= 1.0
    wrong = tydiqa.score(items.iloc[0].to_dict(), "Berlin")[0]
    assert 0.0 <= wrong["cfm"] < 0.5
    missing = tydiqa.score(items.iloc[0].to_dict(), None)[0]
    assert (missing["cfm"], missing["f1"], missing["answer"]) == (0.0, 0.0, None)
    with pytest.raises(InputError, match="telugu"):
        tydiqa.load_items(FX / "tydiqa", groups=("telugu",))


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
