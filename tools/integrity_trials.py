"""Repeated trials of `auditkit lang` under concurrent use and kills (issue #11 figures).

    python tools/integrity_trials.py --trials 10

1. concurrent runs: a plain run and, a moment later, `--strip-code --overwrite` on the same
   --out. Expected: the second refuses at once naming the first's PID (exit 2), the first
   finishes (exit 0), and the folder's shards all match its summary.
2. kill -9 / SIGTERM of the parent mid-run (random moment after the first shard): no worker or
   resource tracker survives it; the same command resumes; shards and summary.json are
   byte-identical to an uninterrupted run.
Prints one line per trial and a tally; exit 1 if any trial failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.langid.test_lang_run import write_corpus  # noqa: E402
from tests.langid.test_run_integrity import _alive, _descendants  # noqa: E402

BASE = ["--workers", "2", "--shard-size", "100", "--langdetect-impl", "reference", "-q"]


def lang(corpus: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "auditkit.cli", "lang", str(corpus), "--out", str(out)]
        + BASE
        + list(extra),
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def files(out: Path) -> dict[str, bytes]:
    got = {p.name: p.read_bytes() for p in sorted((out / "utterances").glob("part-*.parquet"))}
    got["summary.json"] = (out / "summary.json").read_bytes()
    return got


def wait_shards(out: Path, n: int, proc: subprocess.Popen, timeout: float = 300) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if len(list((out / "utterances").glob("*.done.json"))) >= n:
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def concurrent_trial(corpus: Path, out: Path, delay: float) -> tuple[bool, str]:
    first = lang(corpus, out)
    time.sleep(delay)
    second = lang(corpus, out, "--strip-code", "--overwrite")
    err2 = second.communicate(timeout=300)[1]
    err1 = first.communicate(timeout=600)[1]
    msg = " ".join(err2.split())
    ok = (
        first.returncode == 0
        and second.returncode == 2
        and f"in use by another auditkit run (PID {first.pid})" in msg
        and "Traceback" not in err1 + err2
    )
    summary = json.loads((out / "summary.json").read_text()) if first.returncode == 0 else {}
    run = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
    ok = ok and summary.get("config", {}).get("strip_code") is False
    ok = ok and run.get("config", {}).get("strip_code") is False
    return ok, f"first={first.returncode} second={second.returncode} ({msg[:90]})"


def kill_trial(
    corpus: Path, out: Path, reference: dict[str, bytes], sig: signal.Signals, rng: random.Random
) -> tuple[bool, str]:
    proc = lang(corpus, out)
    if not wait_shards(out, 1, proc):
        return False, f"no shard before the kill: {proc.stderr.read()[-300:]}"
    time.sleep(rng.uniform(0, 1.5))
    kids = _descendants(proc.pid)
    proc.send_signal(sig)
    proc.communicate(timeout=300)
    end = time.time() + 15
    while _alive(kids) and time.time() < end:
        time.sleep(0.1)
    survivors = _alive(kids)
    finished = (out / "summary.json").exists()
    resumed = lang(corpus, out)
    err = resumed.communicate(timeout=600)[1]
    same = resumed.returncode == 0 and files(out) == reference
    expected = {signal.SIGKILL: -9, signal.SIGTERM: 143}[sig]
    ok = not survivors and same and (proc.returncode == expected or finished)
    return ok, (
        f"exit={proc.returncode} descendants={len(kids)} survivors={len(survivors)} "
        f"resume_identical={same}{' (had finished)' if finished else ''}{err[-200:]}"
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--per-language", type=int, default=40)
    args = ap.parse_args()
    rng = random.Random(0)
    tally: dict[str, list[bool]] = {"concurrent": [], "kill -9": [], "SIGTERM": []}
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        corpus = write_corpus(t / "c.jsonl", per_language=args.per_language)
        ref = lang(corpus, t / "reference")
        assert ref.wait(timeout=900) == 0, ref.stderr.read()
        reference = files(t / "reference")
        for i in range(args.trials):
            ok, info = concurrent_trial(corpus, t / f"conc{i}", delay=rng.uniform(0.05, 2.0))
            tally["concurrent"].append(ok)
            print(f"concurrent {i}: {'ok' if ok else 'FAIL'} {info}", flush=True)
        for name, sig in (("kill -9", signal.SIGKILL), ("SIGTERM", signal.SIGTERM)):
            for i in range(args.trials):
                ok, info = kill_trial(corpus, t / f"{sig.name}{i}", reference, sig, rng)
                tally[name].append(ok)
                print(f"{name} {i}: {'ok' if ok else 'FAIL'} {info}", flush=True)
    for name, oks in tally.items():
        print(f"{name}: {sum(oks)}/{len(oks)} ok")
    return 0 if all(all(v) for v in tally.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
