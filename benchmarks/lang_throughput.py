"""End-to-end language-ID throughput: the study's loop vs `auditkit lang`, same run, same data.

Workload: >= 20,000 real utterances from ../shared/data (UDHR paragraphs, lingua sentences,
TyDiQA passages and questions, SFT and preference samples): mixed lengths, > 50 languages, with
the repetition real SFT mixes have (templated ShareGPT identity chats, repeated prompts).

(a) the study's loop: one process, per utterance langdetect.detect then fastText predict.
(b) `auditkit lang` with its defaults (all CPUs, fast langdetect, dedup cache) on a JSONL file.

Prints utterances/s of each, the ratio, the share of utterances whose agreed label and whose
langdetect label are identical between (a) and (b) after code normalisation, and peak RSS.

    python benchmarks/lang_throughput.py [--n 20000] [--study-sample N] [--engine local|ray]

--study-sample N times (a) on the first N utterances only (its rate is flat; identity is then
checked on those N). Default: all.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("AUDITKIT_SHARED_DATA", REPO.parent / "shared" / "data"))


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def build_workload(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """(origin, text) pairs; deterministic for a given n and seed."""
    rng = random.Random(seed)
    pools: dict[str, list[str]] = {}
    udhr = [
        r["text"]
        for r in _jsonl(SHARED / "langid/udhr/udhr_paragraphs.jsonl")
        if len(r["text"]) >= 20
    ]
    pools["udhr"] = udhr
    lingua = []
    for p in sorted((SHARED / "langid/lingua_testdata/sentences").glob("*.txt")):
        lingua += p.read_text(encoding="utf-8").splitlines()
    pools["lingua"] = lingua
    tydi = []
    for p in sorted((SHARED / "global_representation/tydiqa_goldp_dev").glob("*.json")):
        for art in json.loads(p.read_text(encoding="utf-8"))["data"][:40]:
            for para in art["paragraphs"]:
                tydi.append(para["context"])
                tydi += [q["question"] for q in para["qas"]]
    pools["tydiqa"] = tydi
    sft = []
    for conv in json.loads(
        (SHARED / "sft_chat/fastchat_dummy_conversation_sharegpt.json").read_text(encoding="utf-8")
    ):
        sft += [t["value"] for t in conv["conversations"]]
    for name in (
        "llamafactory_alpaca_en_demo.json",
        "llamafactory_alpaca_zh_demo.json",
        "llamafactory_lima.json",
    ):
        for r in json.loads((SHARED / "sft_chat" / name).read_text(encoding="utf-8")):
            sft += [r["instruction"], r["output"]]
    for r in _jsonl(SHARED / "sft_chat/oasst1_validation_en.jsonl"):
        sft.append(r["text"])
    pools["sft"] = sft
    # Mix: 35% UDHR, 25% lingua, 15% TyDiQA, 25% SFT (repeats included, as in real mixes).
    weights = {"udhr": 0.35, "lingua": 0.25, "tydiqa": 0.15, "sft": 0.25}
    out = []
    for origin, w in weights.items():
        pool = pools[origin]
        k = int(round(n * w))
        out += [
            (origin, t)
            for t in (
                rng.sample(pool, k) if k <= len(pool) else [rng.choice(pool) for _ in range(k)]
            )
        ]
    rng.shuffle(out)
    return out[:n]


def study_loop(texts: list[str]) -> list[tuple[str | None, str | None]]:
    """The study's way: per utterance, langdetect then fastText, one process.

    Both get the text auditkit's preparation gives (whitespace runs -> one space), so that (a)
    and (b) differ only in how the detectors are run, which is what the identity check is for.
    """
    import fasttext
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    from auditkit.langid.detectors import default_fasttext_model
    from auditkit.langid.prepare import prepare

    DetectorFactory.seed = 0
    model = fasttext.load_model(str(default_fasttext_model()))
    out = []
    for t in texts:
        t = prepare(t).text
        if not t:
            out.append((None, None))
            continue
        try:
            ld = detect(t)
        except LangDetectException:
            ld = None
        ft = model.f.predict(t + "\n", 1, 0.0, "replace")
        out.append((ld, ft[0][1].removeprefix("__label__") if ft else None))
    return out


def fasttext_alone_rate(texts: list[str]) -> float:
    """The long-term yardstick: fastText lid.176 alone, one process, prepared texts."""
    import fasttext

    from auditkit.langid.detectors import default_fasttext_model
    from auditkit.langid.prepare import prepare

    predict = fasttext.load_model(str(default_fasttext_model())).f.predict
    t0 = time.perf_counter()
    for t in texts:
        p = prepare(t).text
        if p:
            predict(p + "\n", 1, 0.0, "replace")
    return len(texts) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--study-sample", type=int, default=None)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--engine", default="local")
    args = ap.parse_args()

    from auditkit.langid.codes import EMPTY, UNDETERMINED, normalise_code
    from auditkit.langid.lang_run import read_utterances, run_lang

    workload = build_workload(args.n)
    texts = [t for _, t in workload]
    langs = set()
    tmp = Path(tempfile.mkdtemp(prefix="lang_bench_"))
    corpus = tmp / "workload.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for i, (origin, t) in enumerate(workload):
            f.write(
                json.dumps(
                    {
                        "id": f"u{i}",
                        "dataset": origin,
                        "messages": [{"role": "user", "content": t}],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    print(
        f"workload: {len(texts):,} utterances, {sum(map(len, texts)) / len(texts):.0f} chars "
        f"mean, {len(set(texts)):,} distinct; file {corpus}"
    )

    # (b) auditkit lang, defaults
    t0 = time.perf_counter()
    extra = {} if args.engine == "local" else {"engine": args.engine}
    summary = run_lang(
        str(corpus), tmp / "out", workers=args.workers, progress=False, overwrite=True, **extra
    )
    tb = time.perf_counter() - t0
    df = read_utterances(tmp / "out", ["utt_index", "lang", "ld_code", "ft_code"])
    langs = {c for c in df["lang"] if c not in (UNDETERMINED, EMPTY)}
    rate_b = len(texts) / tb
    print(
        f"(b) auditkit lang: {tb:8.1f} s  {rate_b:9,.0f} utt/s  "
        f"(langdetect impl: {summary['detectors']['langdetect']['impl']}, "
        f"{len(langs)} agreed languages)"
    )

    # (a) the study's loop
    k = args.study_sample or len(texts)
    t0 = time.perf_counter()
    ref = study_loop(texts[:k])
    ta = time.perf_counter() - t0
    rate_a = k / ta
    print(f"(a) study loop   : {ta:8.1f} s  {rate_a:9,.0f} utt/s  (on {k:,} utterances)")

    same_ld = same_agreed = 0
    for i, (ld, ft) in enumerate(ref):
        ld_code = normalise_code(ld, "langdetect")
        ft_code = normalise_code(ft, "fasttext")
        agreed_a = ld_code if (ld_code == ft_code and ld_code != UNDETERMINED) else UNDETERMINED
        row = df.iloc[i]
        b_ld = row["ld_code"] if row["ld_code"] != EMPTY else UNDETERMINED
        b_agreed = row["lang"] if row["lang"] != EMPTY else UNDETERMINED
        same_ld += ld_code == b_ld
        same_agreed += agreed_a == b_agreed
    print(f"ratio (b)/(a): {rate_b / rate_a:.1f}x")
    rate_ft = fasttext_alone_rate(texts)
    print(
        f"(c) fastText alone, one process: {rate_ft:,.0f} utt/s; "
        f"(b) runs at {rate_b / rate_ft:.2f}x fastText-alone's rate"
    )
    print(
        f"identical langdetect label: {100 * same_ld / k:.3f}%   "
        f"identical agreed label: {100 * same_agreed / k:.3f}%"
    )
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: this process {self_rss:.0f} MB, largest worker {child_rss:.0f} MB")


if __name__ == "__main__":
    main()
