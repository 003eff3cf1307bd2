"""`auditkit countries` vs `auditkit lang` on the same corpus, same run: throughput and memory.

Workload: the mixed multilingual workload of benchmarks/lang_throughput.py (UDHR, lingua,
TyDiQA, SFT and preference samples), written as one messages-format JSONL file.

(a) `auditkit lang` with its defaults.
(b) `auditkit countries` with its defaults: language ID (lang's two detectors) + matching.
(c) `auditkit countries --languages <the lang run of (a)>`: matching only.

Prints utterances/s of each and the ratios (b)/(a) and (c)/(a) — the target is (b) within 2x
of (a), i.e. a ratio >= 0.5 — and, with --memory, the peak resident memory of the whole
`auditkit countries` process tree at n and 4n utterances (flat in corpus size: the summary is a
merge of per-shard counts, shards are written as they finish).

    python benchmarks/countries_throughput.py [--n 20000] [--workers N] [--memory]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from lang_memory import tree_rss_mb  # noqa: E402
from lang_throughput import build_workload  # noqa: E402


def write_corpus(path: Path, workload: list[tuple[str, str]], repeat: int = 1) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in range(repeat):
            for i, (origin, t) in enumerate(workload):
                row = {
                    "id": f"u{r}-{i}",
                    "dataset": origin,
                    "messages": [{"role": "user", "content": t}],
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")


def peak_rss(args: list[str]) -> tuple[float, float]:
    """(peak MB of the process tree, seconds) of `python -m auditkit.cli ARGS`."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "auditkit.cli", *args], cwd=REPO)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, tree_rss_mb(proc.pid))
        time.sleep(0.1)
    if proc.returncode != 0:
        raise SystemExit(f"auditkit {args[0]} failed with {proc.returncode}")
    return peak, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--memory", action="store_true", help="also measure peak RSS at n and 4n")
    args = ap.parse_args()

    from auditkit.countries.mentions_run import run_countries
    from auditkit.langid.lang_run import run_lang

    workload = build_workload(args.n)
    tmp = Path(tempfile.mkdtemp(prefix="countries_bench_"))
    corpus = tmp / "workload.jsonl"
    write_corpus(corpus, workload)
    n = len(workload)
    print(f"workload: {n:,} utterances; file {corpus}")

    t0 = time.perf_counter()
    run_lang(str(corpus), tmp / "lang", workers=args.workers, overwrite=True)
    ta = time.perf_counter() - t0
    print(f"(a) auditkit lang                 : {ta:7.1f} s  {n / ta:8,.0f} utt/s")

    t0 = time.perf_counter()
    s = run_countries(str(corpus), tmp / "countries", workers=args.workers, overwrite=True)
    tb = time.perf_counter() - t0
    print(
        f"(b) auditkit countries (detect)   : {tb:7.1f} s  {n / tb:8,.0f} utt/s  "
        f"({s['mentions_total']:,} mentions, {s['countries_mentioned']} countries)"
    )

    t0 = time.perf_counter()
    s2 = run_countries(
        str(corpus),
        tmp / "countries_from_lang",
        workers=args.workers,
        overwrite=True,
        languages=str(tmp / "lang"),
    )
    tc = time.perf_counter() - t0
    print(f"(c) auditkit countries (lang run) : {tc:7.1f} s  {n / tc:8,.0f} utt/s")
    same = s2["countries"] == s["countries"]
    print(f"throughput ratio (b)/(a): {ta / tb:.2f}   (c)/(a): {ta / tc:.2f}   (target >= 0.50)")
    print(f"(b) and (c) give the same countries table: {same}")

    if args.memory:
        for k in (1, 4):
            big = tmp / f"x{k}.jsonl"
            write_corpus(big, workload, repeat=k)
            extra = ["--workers", str(args.workers)] if args.workers else []
            mb, secs = peak_rss(
                ["countries", str(big), "--out", str(tmp / f"m{k}"), "-q", "--overwrite"] + extra
            )
            print(f"peak RSS at {k * n:>9,} utterances: {mb:7.0f} MB  ({secs:.0f} s)")


if __name__ == "__main__":
    main()
