"""belebele: items, prompt and options, and the study's released CSV."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.errors import AuditkitError
from auditkit.evals.api import score_outputs
from auditkit.evals.tasks import belebele
from tests.conftest import FIXTURES

FX = FIXTURES / "evals"


def test_belebele_items_prompt_and_options():
    items = belebele.load_items(FX / "belebele", groups=("eng_Latn", "swh_Latn"))
    assert list(items["item_id"][:2]) == [
        "https://example.org/pets#1",
        "https://example.org/pets#2",
    ]
    assert set(items[items.group == "swh_Latn"]["item_id"]) == set(
        items[items.group == "eng_Latn"]["item_id"]
    )
    r = items.iloc[0].to_dict()
    p = belebele.build_prompt(r)
    assert "Choices: \n(A) On the mat\n(B) In the park\n(C) On the roof\n(D) Under the bed\n" in p
    assert p.endswith("Based on the choices the answer is: ")
    assert belebele.options(r) == ["(A)", "(B)", "(C)", "(D)"]
    assert belebele.score(r, [0.7, 0.1, 0.1, 0.1])[0]["correct"] == 1.0
    assert belebele.score(r, [0.1, 0.7, 0.1, 0.1])[0]["correct"] == 0.0
    with pytest.raises(AuditkitError, match="no Belebele file for acm_Arab"):
        belebele.load_items(FX / "belebele")


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
