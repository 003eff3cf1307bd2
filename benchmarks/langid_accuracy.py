"""Precision and coverage of the agreed label on human-labelled text (lingua test data).

For every language file of ../shared/data/langid/lingua_testdata/<kind>/<code>.txt, both
detectors label each line; the agreed label's precision is the share of agreed lines whose
label is the file's language, coverage the share of lines with an agreed label (not `und`).
Prints a table and writes JSON with --json.

    python benchmarks/langid_accuracy.py [--kind sentences] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditkit.langid.aggregate import langdetect_languages  # noqa: E402
from auditkit.langid.codes import normalise_code  # noqa: E402
from auditkit.langid.evaluate import evaluate_lines  # noqa: E402
from auditkit.langid.labels import Detectors  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "langid" / "lingua_testdata"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--kind", default="sentences", choices=["sentences", "word-pairs", "single-words"]
    )
    ap.add_argument("--min-confidence", type=float, default=0.0)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    det = Detectors(None, "auto").load()
    ld_langs = langdetect_languages()
    rows = []
    for path in sorted((SHARED / args.kind).glob("*.txt")):
        code = normalise_code(path.stem)
        r = evaluate_lines(
            det, path.read_text(encoding="utf-8").splitlines(), path.stem, args.min_confidence
        )
        r["both_detectors_support"] = code in ld_langs
        rows.append(r)
    print(f"{'code':6} {'lines':>6} {'agreed':>7} {'precision':>9} {'coverage':>9}  both support")
    for r in rows:
        p = "-" if r["precision"] is None else f"{100 * r['precision']:.2f}%"
        c = "-" if r["coverage"] is None else f"{100 * r['coverage']:.1f}%"
        print(
            f"{r['code']:6} {r['lines']:6d} {r['agreed']:7d} {p:>9} {c:>9}  {r['both_detectors_support']}"
        )
    sup = [r for r in rows if r["both_detectors_support"]]
    tot_agreed = sum(r["agreed"] for r in sup)
    tot_correct = sum(r["correct"] for r in sup)
    print(
        f"\nlanguages both detectors support: {len(sup)}; micro precision "
        f"{100 * tot_correct / tot_agreed:.2f}%, coverage "
        f"{100 * tot_agreed / sum(r['lines'] for r in sup):.1f}%"
    )
    print(f"detectors: {json.dumps(det.info())}")
    if args.json:
        args.json.write_text(
            json.dumps({"kind": args.kind, "rows": rows, "detectors": det.info()}, indent=2)
        )


if __name__ == "__main__":
    main()
