"""Precision and recall of the matcher on labelled sentences.

A labelled file is JSON Lines: ``{"lang": "en", "text": "...", "countries": ["FRA", "NGA"],
"ambiguous": ["Congo"]}`` — ``countries`` is the multiset of countries the sentence mentions
(one entry per mention), ``ambiguous`` (optional) the spans that must be reported apart.

    python -m auditkit.countries.evaluate FILE.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from auditkit.countries.matcher import AMBIGUOUS, COUNTRY, matcher_for
from auditkit.errors import InputError


def evaluate(path: str | Path) -> dict[str, Any]:
    """Micro-averaged precision/recall of counted country mentions, plus the sentences where
    the matcher differs from the labels (counted mentions or ambiguous spans)."""
    tp = fp = fn = 0
    amb_tp = amb_fp = amb_fn = 0
    errors = []
    n = 0
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                text, lang, expected = r["text"], r.get("lang"), Counter(r["countries"])
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise InputError(f"not a labelled sentence ({e})", path, line_no) from e
            n += 1
            mentions = matcher_for(lang).find(text)
            got = Counter(m.iso3 for m in mentions if m.status == COUNTRY)
            amb = Counter(m.text for m in mentions if m.status == AMBIGUOUS)
            amb_expected = Counter(r.get("ambiguous", []))
            tp += sum((got & expected).values())
            fp += sum((got - expected).values())
            fn += sum((expected - got).values())
            amb_tp += sum((amb & amb_expected).values())
            amb_fp += sum((amb - amb_expected).values())
            amb_fn += sum((amb_expected - amb).values())
            if got != expected or amb != amb_expected:
                errors.append(
                    {
                        "line": line_no,
                        "lang": lang,
                        "text": text,
                        "expected": sorted(expected.elements()),
                        "got": sorted(got.elements()),
                        "ambiguous_expected": sorted(amb_expected.elements()),
                        "ambiguous_got": sorted(amb.elements()),
                    }
                )
    return {
        "sentences": n,
        "mentions_expected": tp + fn,
        "true_positives": tp,
        "false_positives": fp,
        "false_negatives": fn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
        "ambiguous": {
            "true_positives": amb_tp,
            "false_positives": amb_fp,
            "false_negatives": amb_fn,
        },
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m auditkit.countries.evaluate LABELLED.jsonl")
    result = evaluate(args[0])
    for e in result["errors"]:
        print(f"line {e['line']} [{e['lang']}] expected {e['expected']} got {e['got']}", end="")
        if e["ambiguous_expected"] != e["ambiguous_got"]:
            print(
                f"; ambiguous expected {e['ambiguous_expected']} got {e['ambiguous_got']}", end=""
            )
        print(f": {e['text']!r}")
    print(
        f"{result['sentences']} sentences, {result['mentions_expected']} mentions: "
        f"precision {result['precision']:.3f}, recall {result['recall']:.3f} "
        f"(TP {result['true_positives']}, FP {result['false_positives']}, "
        f"FN {result['false_negatives']})"
    )


if __name__ == "__main__":
    main()
