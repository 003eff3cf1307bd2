"""Acceptance: the agreed label on human-labelled lingua sentences (../shared/data/langid)."""

from __future__ import annotations

import pytest

from auditkit.langid.evaluate import evaluate_lines
from auditkit.langid.labels import Detectors
from tests.conftest import require_shared

# The study's nine languages plus zh, de, es.
LANGUAGES = ["ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te", "zh", "de", "es"]


@pytest.fixture(scope="module")
def detectors() -> Detectors:
    return Detectors(None, "auto").load()


def _lines(code: str) -> list[str]:
    path = require_shared("langid", "lingua_testdata", "sentences", f"{code}.txt")
    return path.read_text(encoding="utf-8").splitlines()


def test_chinese_is_agreed_as_zh(detectors):
    # The study compared langdetect's 'zh-cn' with fastText's 'zh' verbatim and got 0%.
    r = evaluate_lines(detectors, _lines("zh"), "zh")
    assert r["correct"] / r["lines"] >= 0.90, r


@pytest.mark.parametrize("code", LANGUAGES)
def test_agreed_label_precision(detectors, code):
    r = evaluate_lines(detectors, _lines(code), code)
    assert r["agreed"] > 0.5 * r["lines"], r
    assert r["precision"] >= 0.99, r
