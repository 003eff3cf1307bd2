"""Data shown on the terminal is inert (issue #11 item 9): rich markup in a dataset, model,
country or policy name neither crashes the output (MarkupError after the results are written)
nor styles it, and ANSI / OSC-8 / C1 / bidi control sequences never reach the terminal."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from auditkit.console import clean, esc
from tests.cli_run import assert_clean_exit, run_cli

MARKUP = "subset[/bold]"
ANSI = "\x1b[31mred\x1b[0m"
OSC8 = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
LINK = "[link=http://evil.example]x[/link]"
C1_BIDI = "c1\x9b2J\u202eevil"
PAYLOADS = [MARKUP, "org/model[/bold]", ANSI, OSC8, LINK, C1_BIDI]
RAW_CONTROLS = ("\x1b", "\x9b", "\u202e", "\x07")


def assert_inert(text: str, payload: str, shown: bool = True) -> None:
    for ch in RAW_CONTROLS:
        assert ch not in text, (ch, text)
    if not shown:
        return
    if "[/bold]" in payload:
        assert "[/bold]" in text  # shown literally, not interpreted
    if payload == LINK:
        assert "[link=http://evil.example]" in text
    if payload == ANSI:
        assert "\\x1b[31mred" in text  # neutralised, still visible


def test_clean_and_esc():
    assert clean("a\x1b[31mb\nc\td\x9b\u202e") == "a\\x1b[31mb\\x0ac\\x09d\\x9b\\u202e"
    assert esc("[/bold]") == "\\[/bold]"
    assert esc(OSC8).count("\\x1b") == 4


def _md3_csv(path, model):
    rows = [
        {"model": model, "dialect": d, "generated_correct_answer": ok}
        for d in ("en_us", "en_in")
        for ok in ("True", "False", "True")
    ]
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_eval_score_and_report_show_data_literally(tmp_path, payload):
    f = tmp_path / "outputs.csv"
    _md3_csv(f, payload)
    run = tmp_path / "run"
    res = run_cli("eval", "score", "md3-game", f, "--out", run, "--n-resamples", "20")
    assert_clean_exit(res, (0,))
    assert_inert(res.text, payload)
    res = run_cli("report", run)
    assert_clean_exit(res, (0,))
    assert_inert(res.text, payload, shown=False)  # no chain: the report shows no model name


def _wide_csv(path, model):
    countries = ["United States of America", "China", "Germany", "Brazil", "Nigeria", "India"]
    rows = []
    for q, sentiment in enumerate(["positive", "negative", "positive"]):
        rows.append(
            {
                "Question": f"q{q}",
                "reward_model": model,
                "Sentiment": sentiment,
                **{c: float((q + 1) * (i + 1) % 5) for i, c in enumerate(countries)},
            }
        )
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_probe_rm_scores_and_report_show_data_literally(tmp_path, payload):
    f = tmp_path / "scores.csv"
    _wide_csv(f, payload)
    run = tmp_path / "run"
    res = run_cli("probe-rm", "--scores", f, "--out", run)
    assert_clean_exit(res, (0,))
    assert_inert(res.text, payload)
    res = run_cli("report", run)
    assert_clean_exit(res, (0,))
    assert_inert(res.text, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_lang_shows_source_subsets_literally(tmp_path, payload):
    f = tmp_path / "corpus.jsonl"
    recs = [
        {"text": "The weather is lovely today and we walk to the park.", "dataset": payload},
        {"text": "Das Wetter ist heute schön und wir gehen in den Park.", "dataset": "other"},
    ]
    f.write_text("".join(json.dumps(r) + "\n" for r in recs))
    res = run_cli("lang", f, "--out", tmp_path / "run", "--workers", "1", "--quiet")
    assert_clean_exit(res, (0,))
    res = run_cli("lang", f, "--out", tmp_path / "run", "--workers", "1")
    assert_clean_exit(res, (0,))
    assert_inert(res.text, payload)
    res = run_cli("report", tmp_path / "run")
    assert_clean_exit(res, (0,))
    assert_inert(res.text, payload, shown=False)  # the report shows no source subsets


@pytest.mark.parametrize("payload", PAYLOADS)
def test_check_shows_policy_and_run_names_literally(tmp_path, payload):
    f = tmp_path / "outputs.csv"
    _md3_csv(f, "m")
    run = tmp_path / "run"
    assert run_cli("eval", "score", "md3-game", f, "--out", run, "--n-resamples", "20").code == 0
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        json.dumps(
            {
                "name": payload,
                "rules": [
                    {
                        "metric": "models.m.en_us.value",
                        "kind": "eval",
                        "op": ">=",
                        "threshold": 0,
                        "description": payload,
                    }
                ],
            }
        )
    )
    res = run_cli("check", run, "--policy", policy)
    assert_clean_exit(res)
    assert_inert(res.text, payload)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_error_messages_quoting_data_are_inert(tmp_path, payload):
    f = tmp_path / "outputs.csv"
    f.write_text(f"model,dialect,generated_correct_answer\nm,en_us,{json.dumps(payload)}\n")
    res = run_cli("eval", "score", "md3-game", f, "--out", tmp_path / "run")
    assert_clean_exit(res, (2,))
    for ch in RAW_CONTROLS:
        assert ch not in res.text


def test_corpora_lists_cleanly():
    res = run_cli("corpora")
    assert_clean_exit(res, (0,))
