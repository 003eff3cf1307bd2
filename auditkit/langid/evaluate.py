"""Precision and coverage of the agreed label against ground-truth language labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditkit.langid.codes import normalise_code
from auditkit.langid.labels import Detectors, agree
from auditkit.langid.prepare import prepare


def evaluate_lines(
    detectors: Detectors, lines: Iterable[str], truth: str, min_confidence: float = 0.0
) -> dict[str, Any]:
    """Label every non-empty line; precision = correct / agreed, coverage = agreed / lines."""
    code = normalise_code(truth)
    texts = [t for t in (prepare(line).text for line in lines) if t]
    agreed = correct = 0
    wrong: dict[str, int] = {}
    for ft_l, ft_p, ld_l, ld_p in detectors.label(texts):
        lang, status = agree(
            normalise_code(ft_l, "fasttext"),
            ft_p,
            normalise_code(ld_l, "langdetect"),
            ld_p,
            min_confidence,
        )
        if status == "agreed":
            agreed += 1
            if lang == code:
                correct += 1
            else:
                wrong[lang] = wrong.get(lang, 0) + 1
    return {
        "code": code,
        "lines": len(texts),
        "agreed": agreed,
        "correct": correct,
        "precision": correct / agreed if agreed else None,
        "coverage": agreed / len(texts) if texts else None,
        "wrong_labels": dict(sorted(wrong.items(), key=lambda kv: -kv[1])),
    }
