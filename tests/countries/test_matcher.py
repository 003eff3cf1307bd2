"""The country matcher on sentences with known answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditkit.countries.evaluate import evaluate
from auditkit.countries.matcher import AMBIGUOUS, COUNTRY, NOT_COUNTRY, matcher_for

HERE = Path(__file__).parent
LABELLED = HERE / "labelled_sentences.jsonl"
HELDOUT = HERE / "heldout_sentences.jsonl"
HELDOUT2 = HERE / "heldout2_sentences.jsonl"


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def countries(lang, text):
    return [m.iso3 for m in matcher_for(lang).find(text) if m.status == COUNTRY]


@pytest.mark.parametrize("row", _rows(LABELLED), ids=lambda r: r["text"][:40])
def test_labelled_sentence(row):
    mentions = matcher_for(row["lang"]).find(row["text"])
    got = sorted(m.iso3 for m in mentions if m.status == COUNTRY)
    assert got == sorted(row["countries"])
    assert [m.text for m in mentions if m.status == AMBIGUOUS] == row.get("ambiguous", [])
    for m in mentions:  # offsets index the original text
        assert row["text"][m.start : m.end] == m.text


def test_precision_and_recall_on_both_sets():
    labelled = evaluate(LABELLED)
    assert labelled["precision"] == 1.0 and labelled["recall"] == 1.0, labelled["errors"]
    # written after the rules (first scored 0.985/0.955 and 0.962/1.000 precision/recall;
    # the mechanisms they showed missing were added since)
    for path in (HELDOUT, HELDOUT2):
        heldout = evaluate(path)
        assert heldout["precision"] >= 0.95 and heldout["recall"] >= 0.95, heldout["errors"]


def test_niger_is_not_found_inside_nigeria_in_any_spaced_script():
    assert countries("en", "Nigeria") == ["NGA"]
    assert countries("en", "Nigerian Nigerien Niger") == ["NGA", "NER", "NER"]
    assert countries("fr", "Nigeria, Niger") == ["NGA", "NER"]
    assert countries("ru", "Нигерия и Нигер") == ["NGA", "NER"]
    assert countries("ja", "ナイジェリア、ニジェール") == ["NGA", "NER"]


def test_longest_match_counts_a_span_once():
    text = "the Democratic Republic of the Congo"
    mentions = matcher_for("en").find(text)
    assert [(m.iso3, m.start, m.end) for m in mentions] == [("COD", 4, len(text))]


def test_no_space_scripts_match_inside_running_text():
    assert countries("zh", "我住在美国。") == ["USA"]
    # Chinese is segmented first: a name must span whole words
    assert countries("zh", "沿海地区的马里奥去了巴西利亚") == []
    assert countries("zh", "海地、马里和巴西") == ["HTI", "MLI", "BRA"]
    assert countries("th", "ฉันอยู่ที่ญี่ปุ่น") == ["JPN"]
    # the same string in a spaced script needs boundaries
    assert countries("en", "xxFrancexx") == []


def test_case_rules():
    assert countries("en", "us and uk") == []
    assert countries("en", "US and UK") == ["USA", "GBR"]
    assert countries("en", "fine china and shoe polish") == []
    assert countries("en", "China and Polish") == ["CHN", "POL"]
    assert countries("en", "NIGERIA") == ["NGA"]
    assert countries("en", "nigeria") == ["NGA"]


def test_case_folding_that_changes_length_keeps_offsets():
    text = "Straße nach Österreich und Deutschland"
    mentions = matcher_for("de").find(text)
    assert [m.iso3 for m in mentions] == ["AUT", "DEU"]
    assert [text[m.start : m.end] for m in mentions] == ["Österreich", "Deutschland"]


def test_ambiguous_names_are_never_silently_counted():
    for text in ("Georgia", "Jordan", "Turkey", "Chad", "Guinea", "Congo"):
        mentions = matcher_for("en").find(f"I love {text}.")
        assert [m.status for m in mentions] == [AMBIGUOUS], text
    # with a cue word, the capital, or another country mention they count
    assert countries("en", "Georgia's parliament") == ["GEO"]
    assert countries("en", "From Amman, Jordan") == ["JOR"]
    assert countries("en", "Chad and Niger") == ["TCD", "NER"]


def test_not_country_phrases_hide_the_country_inside():
    mentions = matcher_for("en").find("New Mexico, South America and French fries")
    assert [m.status for m in mentions] == [NOT_COUNTRY] * 3


def test_unknown_language_uses_every_languages_names():
    assert countries("und", "Alemania, Deutschland, 德国") == ["DEU", "DEU", "DEU"]
    assert countries(None, "Italia") == ["ITA"]
