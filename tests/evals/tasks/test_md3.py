"""md3-game: the success rule, items (the study's CSV and the raw release) and the study's released outputs."""

from __future__ import annotations

import pandas as pd
import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.evals.api import score_outputs
from auditkit.evals.tasks import md3
from auditkit.skips import SkipLog
from tests.conftest import FIXTURES

FX = FIXTURES / "evals"


def test_md3_success_rule():
    d = ["Mango", "Yellow", "Fruit", "Monkey", "Peel"]
    assert md3.game_success(" banana\n", "Banana", d)
    assert md3.game_success("It is a BANANA split", "Banana", d)
    assert not md3.game_success("Banana or mango", "Banana", d)  # a distractor too
    assert not md3.game_success("Apple", "Banana", d)
    assert not md3.game_success("Bananas are yellow", "Banana", d)  # "yellow" is a distractor


def test_md3_word_lists_are_parsed_as_literals_never_evaluated():
    assert md3.parse_word_list("['a', 'b']", "f", 2, "distractors") == ["a", "b"]
    with pytest.raises(InputError, match=r"f:3: field 'distractors'"):
        md3.parse_word_list("__import__('os').getcwd()", "f", 3, "distractors")
    with pytest.raises(InputError, match="list of words"):
        md3.parse_word_list("[1, 2]", "f", 4, "distractors")


def test_md3_items_csv_and_prompt():
    items = md3.load_items(FX / "md3_game_items.csv")
    assert list(items["group"]) == ["en_in", "en_in", "en_ng", "en_ng", "en_us", "en_us"]
    prompt = md3.build_prompt(items.iloc[0].to_dict())
    assert prompt.startswith("I am going to show you the transcript of a game")
    assert prompt.endswith('Speaker1: mango?"\n\nSecret Word:')
    only_us = md3.load_items(FX / "md3_game_items.csv", groups=("en_us",))
    assert list(only_us["item_id"]) == ["4", "5"]
    with pytest.raises(AuditkitError, match="Kaggle"):
        md3.load_items(None)


def test_md3_release_layout_is_curated_and_cut_like_the_study():
    skips = SkipLog()
    items = md3.load_md3_release(FX / "md3_release", skips=skips)
    by_clip = {r["clip_identifier"]: r for r in items.to_dict("records")}
    # cut right before the first line containing the correct word; duplicates removed
    a = by_clip["clipA_r02_s0_p000"]
    assert (
        a["transcript"] == "Speaker0: it is yellow\nSpeaker1: mango?\nSpeaker0: no, monkeys eat it"
    )
    assert a["distractors"] == ["Mango", "Yellow", "Fruit", "Monkey", "Peel"]
    # the study's alternative cut word
    assert by_clip["0iv2hqsg_r03_s1_p003"]["transcript"] == "Speaker0: sweet and brown"
    # cut word None: the whole transcript (blank utterances dropped by the cleaner)
    assert by_clip["2j1kw67f_r02_s1_p001"]["transcript"] == "Speaker0: it flies on a string"
    assert "3unebi8s_r03_s0_p005" not in by_clip  # in the study's skip set
    assert "clipB_r02_s0_p000" not in by_clip  # word never said
    assert list(items["item_id"]) == ["0", "1", "2", "3", "4"]
    assert list(items["group"]) == ["en_in", "en_in", "en_in", "en_ng", "en_us"]
    reasons = skips.as_dict()["by_reason"]
    assert reasons["correct word not found in transcript"]["count"] == 1
    assert any(r.startswith("curated out by the study") for r in reasons)
    assert "prompts_en_in.tsv:8" in reasons["correct word not found in transcript"]["examples"][0]


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
