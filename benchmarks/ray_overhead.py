"""Ray engine overhead: the local and Ray engines of `lang` and `probe-rm`, same inputs.

(1) `lang` on the 20,000-utterance workload of benchmarks/lang_throughput.py (real utterances
    from ../shared/data), `run_lang(engine="local")` vs `run_lang(engine="ray")`, both with
    --workers processes / Ray actors.
(2) `probe-rm` with a tiny random Starling-RM replica (tests/tiny_models.py) on CPU,
    --questions questions (auditkit's default probe set, cycled) x the study's 181 countries,
    `probe_rm(engine="local")` vs `probe_rm(engine="ray")`.

The Ray cluster is started once, first, on this machine (its start time is printed on its
own); each engine run is then timed end to end, including the Ray actors' start and model or
detector loading. Each pair of runs is also checked for byte-identical summary.json.

    python benchmarks/ray_overhead.py [--n 20000] [--workers 2] [--questions 96]
                                      [--torch-threads 1] [--skip-lang] [--skip-probe]

--torch-threads: torch threads for both probe-rm engines (the Ray actors run with the
driver's count); with 1 on 2 CPUs the Ray engine runs two actors while the local engine
scores in one process with one thread.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))


def _timed(fn, *a, **k) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return time.perf_counter() - t0, out


def _same(a: Path, b: Path) -> bool:
    return filecmp.cmp(a / "summary.json", b / "summary.json", shallow=False)


def bench_lang(tmp: Path, n: int, workers: int) -> None:
    import json

    from lang_throughput import build_workload

    from auditkit.langid.lang_run import run_lang

    workload = build_workload(n)
    corpus = tmp / "workload.jsonl"
    with open(corpus, "w", encoding="utf-8") as f:
        for i, (origin, t) in enumerate(workload):
            row = {"id": f"u{i}", "dataset": origin, "messages": [{"role": "user", "content": t}]}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"lang workload: {len(workload):,} utterances, {workers} workers")
    rows = {}
    for engine in ("local", "ray"):
        secs, _ = _timed(
            run_lang,
            str(corpus),
            tmp / f"lang-{engine}",
            workers=workers,
            progress=False,
            overwrite=True,
            engine=engine,
        )
        rows[engine] = secs
        print(f"  lang --engine {engine:5}: {secs:7.1f} s  {len(workload) / secs:8,.0f} utt/s")
    print(
        f"  Ray / local wall time: {rows['ray'] / rows['local']:.2f}x; summary.json identical: "
        f"{_same(tmp / 'lang-local', tmp / 'lang-ray')}"
    )


def bench_probe(tmp: Path, questions: int, threads: int) -> None:
    from auditkit.modeling import require_torch
    from auditkit.probes.api import DEFAULT_QUESTION_CHUNK, probe_rm
    from auditkit.probes.probesets import default_probe_set
    from tests.tiny_models import build_tiny_models

    require_torch().set_num_threads(threads)
    models = build_tiny_models(tmp / "tiny")
    base = default_probe_set().questions
    qs = tmp / "questions.csv"
    with open(qs, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["question", "response", "sentiment", "category"])
        for i in range(questions):
            q = base[i % len(base)]
            w.writerow([f"{q.question} ({i})", q.response, q.sentiment, q.category])
    kw = dict(probes=str(qs), dtype="float32", device="cpu", n_resamples=200)
    n_seq = questions * 181
    print(
        f"probe-rm workload: {questions} questions x 181 countries = {n_seq:,} sequences, tiny "
        f"Starling replica, {threads} torch thread(s), chunks of {DEFAULT_QUESTION_CHUNK} questions"
    )
    rows = {}
    for engine in ("local", "ray"):
        secs, _ = _timed(
            probe_rm, str(models.starling_like), out=tmp / f"probe-{engine}", engine=engine, **kw
        )
        rows[engine] = secs
        print(f"  probe-rm --engine {engine:5}: {secs:7.1f} s  {n_seq / secs:8,.0f} seq/s")
    same_scores = filecmp.cmp(
        tmp / "probe-local" / "scores.parquet", tmp / "probe-ray" / "scores.parquet", shallow=False
    )
    print(
        f"  Ray / local wall time: {rows['ray'] / rows['local']:.2f}x; summary.json identical: "
        f"{_same(tmp / 'probe-local', tmp / 'probe-ray')}; scores.parquet identical: {same_scores}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--questions", type=int, default=96)
    ap.add_argument("--torch-threads", type=int, default=1)
    ap.add_argument("--skip-lang", action="store_true")
    ap.add_argument("--skip-probe", action="store_true")
    args = ap.parse_args()

    from auditkit.raytools import init_ray

    tmp = Path(tempfile.mkdtemp(prefix="ray_overhead_"))
    secs, _ = _timed(init_ray, None, args.workers)
    print(f"local Ray cluster start ({args.workers} CPUs): {secs:.1f} s (not in the times below)")
    if not args.skip_lang:
        bench_lang(tmp, args.n, args.workers)
    if not args.skip_probe:
        bench_probe(tmp, args.questions, args.torch_threads)
    print(f"run folders: {tmp}")


if __name__ == "__main__":
    main()
