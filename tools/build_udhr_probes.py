"""Regenerate auditkit/probes/data/udhr_parallel.jsonl from the shared UDHR folder.

The built-in parallel-text language probe (`auditkit probe-rm MODEL --probes languages`) asks
for the same few articles of the Universal Declaration of Human Rights in every language. This
script picks them from ../shared/data/langid/udhr/ (the "UDHR in Unicode" translations via
wooorm/udhr; see that folder's PROVENANCE.md):

* declarations with encoding stage >= 4 (reviewed) only;
* one declaration per language code of auditkit's code space (auditkit.facts.languages:
  `cmn_hans` -> zh, `arb` -> ar, `swh` -> sw); where several share a code the one whose ISO
  639-3 code is the language's canonical one wins, then the one named by its plain ISO code,
  then the first in code order (`cmn_hans` before `cmn_hant`); code `und` is dropped;
* ARTICLES below (short ones, so every sequence stays short for any tokenizer): the first
  paragraph of each, with the article's heading in that language (the text line before it)
  and the declaration's title as the in-language prompt;
* only declarations that have every article and heading.

    python tools/build_udhr_probes.py [--udhr ../shared/data/langid/udhr] [--out PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auditkit.facts.languages import UNDETERMINED, language_name, normalise_code  # noqa: E402

ARTICLES = ("3", "5", "6", "9")
MIN_STAGE = 4
DEFAULT_UDHR = REPO.parent / "shared" / "data" / "langid" / "udhr"
DEFAULT_OUT = REPO / "auditkit" / "probes" / "data" / "udhr_parallel.jsonl"


def _canonical_alpha3(code: str) -> str | None:
    import langcodes

    try:
        return langcodes.Language.get(code).to_alpha3()
    except (ValueError, LookupError):
        return None


def build(udhr: Path) -> tuple[list[dict], dict]:
    docs = [json.loads(line) for line in open(udhr / "udhr_documents.jsonl", encoding="utf-8")]
    paragraphs: dict[str, list[dict]] = defaultdict(list)
    for line in open(udhr / "udhr_paragraphs.jsonl", encoding="utf-8"):
        p = json.loads(line)
        paragraphs[p["code"]].append(p)

    by_code: dict[str, list[dict]] = defaultdict(list)
    for d in docs:
        if d["stage"] >= MIN_STAGE:
            code = normalise_code(d["iso6393"])
            if code != UNDETERMINED:
                by_code[code].append(d)

    rows: list[dict] = []
    dropped: list[str] = []
    for code in sorted(by_code):
        canonical = _canonical_alpha3(code)
        candidates = sorted(
            by_code[code],
            key=lambda d: (d["iso6393"] != canonical, d["code"] != d["iso6393"], d["code"]),
        )
        chosen = None
        for d in candidates:
            items = _articles(d, paragraphs[d["code"]])
            if items is not None:
                chosen = (d, items)
                break
        if chosen is None:
            dropped.append(code)
            continue
        d, items = chosen
        for article, (heading, text) in items.items():
            rows.append(
                {
                    "item_id": f"udhr-article-{int(article):02d}",
                    "language": code,
                    "prompt": f"{d['text'].split(chr(10))[0].strip()}\n{heading}",
                    "response": text,
                    "name": language_name(code),
                    "udhr_code": d["code"],
                    "iso6393": d["iso6393"],
                }
            )
    info = {
        "languages": len({r["language"] for r in rows}),
        "articles": list(ARTICLES),
        "dropped_without_every_article": dropped,
    }
    return rows, info


def _articles(doc: dict, paras: list[dict]) -> dict[str, tuple[str, str]] | None:
    lines = [line.strip() for line in doc["text"].split("\n")]
    texts = {p["text"].strip() for p in paras}
    out = {}
    for art in ARTICLES:
        first = [p for p in paras if p["article"] == art]
        if not first:
            return None
        text = min(first, key=lambda p: p["para_index"])["text"].strip()
        if text not in lines:
            return None
        i = lines.index(text)
        heading = lines[i - 1] if i > 0 else ""
        if not heading or heading in texts:
            return None
        out[art] = (heading, text)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--udhr", type=Path, default=DEFAULT_UDHR)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    rows, info = build(args.udhr)
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    args.out.write_text(body, encoding="utf-8")
    sha = hashlib.sha256(body.encode()).hexdigest()
    print(json.dumps({**info, "rows": len(rows), "sha256": sha, "out": str(args.out)}))


if __name__ == "__main__":
    main()
