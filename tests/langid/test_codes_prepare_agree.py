"""Code normalisation, text preparation, agreement and counting: small hand-checked cases."""

from __future__ import annotations

import pytest

from auditkit.corpus_pass import merge_counts
from auditkit.langid.aggregate import lang_summary, shard_counts, turn_bucket
from auditkit.langid.codes import language_name, normalise_code
from auditkit.langid.labels import agree
from auditkit.langid.prepare import prepare


@pytest.mark.parametrize(
    ("label", "detector", "code"),
    [
        ("zh-cn", "langdetect", "zh"),
        ("zh-tw", "langdetect", "zh"),
        ("__label__zh", "fasttext", "zh"),
        ("iw", "", "he"),
        ("he", "", "he"),
        ("cmn", "", "zh"),
        ("arb", "", "ar"),
        ("swh", "", "sw"),
        ("eng", "", "en"),
        ("nb", "", "no"),
        ("__label__als", "fasttext", "gsw"),  # Wikipedia code for Alemannic, not Tosk Albanian
        ("als", "", "sq"),  # ...while an ISO 639-3 'als' elsewhere is Albanian
        (None, "", "und"),
        ("", "", "und"),
    ],
)
def test_normalise_code(label, detector, code):
    assert normalise_code(label, detector) == code


def test_language_name():
    assert language_name("sw") == "Swahili"
    assert language_name("und") == "undetermined"
    assert language_name("empty") == "empty"


def test_prepare_turns_newlines_into_spaces_not_nothing():
    assert prepare("first line\nsecond\r\n\tthird").text == "first line second third"


def test_prepare_whitespace_only_is_empty():
    p = prepare(" \n\t\u00a0 ")
    assert p.text == ""


def test_strip_code_removes_and_counts():
    text = (
        "Here is how:\n```python\nprint('hello world')\n```\nUse `len(x)` and see "
        "https://example.org/docs or <b>bold</b> [the docs](http://x.y)."
    )
    kept = prepare(text)
    assert "print" in kept.text and not kept.stripped
    p = prepare(text, strip_code=True)
    assert "print" not in p.text and "len(x)" not in p.text and "example.org" not in p.text
    assert "<b>" not in p.text and "the docs" in p.text
    blocks, inline, urls, markup = p.removed
    assert (blocks, inline, urls) == (1, 1, 1)
    assert markup == 3  # <b>, </b> and the markdown link


def test_strip_code_unterminated_fence_removes_to_end():
    p = prepare("Intro sentence.\n```\ncode without end", strip_code=True)
    assert p.text == "Intro sentence."


@pytest.mark.parametrize(
    ("ft", "ld", "min_conf", "expected"),
    [
        (("en", 0.9), ("en", 0.99), 0.0, ("en", "agreed")),
        (("en", 0.9), ("de", 0.99), 0.0, ("und", "disagreed")),
        (("en", 0.4), ("en", 0.99), 0.5, ("und", "low_confidence")),
        (("und", 0.0), ("und", 0.0), 0.0, ("und", "disagreed")),
    ],
)
def test_agree(ft, ld, min_conf, expected):
    assert agree(ft[0], ft[1], ld[0], ld[1], min_conf) == expected


def _rows(**cols):
    n = len(cols["lang"])
    base = {
        "example_id": [str(i) for i in range(n)],
        "source": [None] * n,
        "role": ["user"] * n,
        "turn": [0] * n,
        "side": [None] * n,
        "stripped_chars": [0] * n,
        "human_lang": [None] * n,
    }
    base.update(cols)
    base.setdefault("ft_code", cols["lang"])
    base.setdefault("ld_code", cols["lang"])
    return base


def test_counts_merge_and_summary_by_hand():
    a = shard_counts(
        _rows(
            lang=["en", "en", "sw", "und", "empty"],
            status=["agreed", "agreed", "agreed", "disagreed", "empty"],
            source=["flan", "flan", "oasst", None, None],
        )
    )
    b = shard_counts(
        _rows(
            lang=["en", "bn"],
            status=["agreed", "agreed"],
            role=["assistant", "assistant"],
            turn=[1, 12],
        )
    )
    s = lang_summary(merge_counts([a, b]), low_resource_threshold=2, header={"corpus": "x"})
    assert s["utterances_total"] == 7
    assert s["utterances_agreed"] == 5
    assert s["utterances_disagreed"] == 1
    assert s["utterances_empty"] == 1
    assert [(r["code"], r["count"]) for r in s["languages"]] == [("en", 3), ("bn", 1), ("sw", 1)]
    assert s["languages"][0]["share"] == pytest.approx(3 / 5)
    assert s["non_english_share"] == pytest.approx(2 / 5)
    assert s["by_source"]["flan"] == {"en": 2}
    assert s["by_source"]["(none)"] == {"bn": 1, "empty": 1, "en": 1, "und": 1}
    assert s["by_role"]["assistant"] == {"bn": 1, "en": 1}
    assert list(s["by_turn"]) == ["0", "1", "10+"]
    assert [r["code"] for r in s["low_resource"]] == ["bn", "sw"]
    assert s["agreement_rate"] == pytest.approx(5 / 6)
    assert turn_bucket(9) == "9" and turn_bucket(10) == "10+"


def test_preference_cross_language_responses():
    rows = _rows(
        example_id=["p1", "p1", "p1", "p2", "p2", "p2"],
        side=["prompt", "chosen", "rejected", "prompt", "chosen", "rejected"],
        role=["user", "assistant", "assistant", "user", "assistant", "assistant"],
        lang=["de", "de", "en", "zh", "zh", "und"],
        status=["agreed"] * 5 + ["disagreed"],
    )
    c = shard_counts(rows)["preference"]
    assert c == {
        "examples": 2,
        "examples_with_other_language_response": 1,
        "responses": 4,
        "responses_other_language": 1,
    }


def test_human_label_agreement():
    rows = _rows(
        lang=["en", "en", "und"],
        status=["agreed", "agreed", "disagreed"],
        human_lang=["en", "es", "en"],
    )
    s = lang_summary(shard_counts(rows), low_resource_threshold=1, header={})
    h = s["human_label_agreement"]
    assert (h["utterances_with_human_label"], h["with_agreed_label"], h["matches"]) == (3, 2, 1)
    assert h["rate"] == pytest.approx(0.5)


def test_languages_langdetect_cannot_name_are_reported_as_fasttext_only():
    rows = _rows(
        lang=["und", "und", "en"],
        status=["disagreed", "disagreed", "agreed"],
        ft_code=["yo", "am", "en"],
        ld_code=["ca", "und", "en"],
    )
    s = lang_summary(shard_counts(rows), low_resource_threshold=1, header={})
    assert {r["code"]: r["fasttext_count"] for r in s["fasttext_only_languages"]} == {
        "yo": 1,
        "am": 1,
    }
