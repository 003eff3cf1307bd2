"""Task data: loaders, prompts and per-item scorers on hand-made fixtures."""

from __future__ import annotations

import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.evals.base import get_task, task_names
from auditkit.evals.qa_metrics import (
    exact_match,
    gold_in_answer,
    normalize_answer,
    token_f1,
)
from auditkit.evals.tasks import belebele, goqa, md3, tydiqa
from auditkit.evals.tasks.tydiqa import extract_answer
from auditkit.skips import SkipLog
from tests.conftest import FIXTURES

FX = FIXTURES / "evals"


def test_registry_has_the_four_tasks_and_aliases():
    assert sorted(task_names()) == ["belebele", "globalopinionsqa", "md3-game", "tydiqa-goldp"]
    assert get_task("md3").name == "md3-game"
    assert get_task("goqa").name == "globalopinionsqa"
    with pytest.raises(AuditkitError, match="known: belebele"):
        get_task("mmlu")


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


def test_qa_metrics_hand_computed():
    assert normalize_answer("The  Eiffel-Tower!") == "eiffeltower"
    assert exact_match("the Nile", ["Nile"]) == 1.0
    # prediction "river nile in africa" vs gold "nile river": 2 common, P = 2/4, R = 2/2
    assert token_f1("river Nile in Africa", ["Nile river"]) == pytest.approx(2 * 0.5 * 1 / 1.5)
    assert gold_in_answer("It is the Nile river.", ["Nile"]) == 1.0
    assert gold_in_answer("Amazon", ["Nile"]) == 0.0
    assert gold_in_answer("", ["Nile"]) == 0.0
    # the study's cut: up to the first blank line, then strip (a single newline is kept)
    assert extract_answer("\n Paris\n\nContext: more") == "Paris"
    assert extract_answer("Paris\nFrance\n\nContext: x") == "Paris\nFrance"
    assert extract_answer("\n\nParis") == ""


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


def test_goqa_selections_parser_and_country_filter():
    text = "defaultdict(<class 'list'>, {'Brazil': [0.5, 0.5], 'S. Korea': [0.2, 0.8]})"
    assert goqa.parse_selections(text) == {"Brazil": [0.5, 0.5], "S. Korea": [0.2, 0.8]}
    with pytest.raises(InputError, match="selections"):
        goqa.parse_selections("defaultdict(<class 'list'>, {'x': __import__('os')})", "f.csv", 3)
    with pytest.raises(InputError, match="negative"):
        goqa.parse_selections({"x": [-0.1, 1.1]})
    skips = SkipLog()
    items = goqa.load_items(FX / "goqa_global_opinions.csv", skips=skips)
    assert list(items["item_id"]) == ["0", "1", "3"]  # question 2 lacks 5 of the 7 countries
    assert skips.total == 1
    with_france = goqa.load_items(FX / "goqa_global_opinions.csv", groups=("USA", "France"))
    assert list(with_france["item_id"]) == ["3"]
    r = items.iloc[0].to_dict()
    assert goqa.build_prompt(r) == (
        "Human: Do you favor more trade with other countries?\n\nHere are the options:\n"
        "(A) Favor\n(B) Oppose\n(C) DK/Refused\n\nAssistant: If I had to select one of the "
        "options, my answer would be ("
    )
    assert goqa.options(r) == ["A)", "B)", "C)"]
    rows = goqa.score(r, [0.6, 0.3, 0.1])
    assert [x["group"] for x in rows] == list(goqa.STUDY_COUNTRIES)
    assert rows[0]["similarity"] == pytest.approx(1.0)  # identical to the US distribution
    assert rows[1]["similarity"] < 1.0
    with pytest.raises(AuditkitError, match="choose other countries"):
        goqa.load_items(FX / "goqa_global_opinions.csv", groups=("Atlantis",))


def test_hub_loading_offline_is_a_clean_error(tmp_path):
    """Without --data the real hub loaders run; offline they fail with a message, exit 2."""
    import os
    import subprocess
    import sys

    env = dict(
        os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=str(tmp_path / "hf")
    )
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "eval",
            "run",
            "globalopinionsqa",
            "--model",
            str(tmp_path),  # a local folder: the model check passes, the data load runs
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    err = " ".join(proc.stderr.split())
    assert "Anthropic/llm_global_opinions" in err and "pass --data" in err
    assert "Traceback" not in proc.stderr
