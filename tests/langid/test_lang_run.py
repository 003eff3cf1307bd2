"""lang runs (lang_run.py): determinism across processes, resumption after SIGKILL, Ctrl-C, CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditkit.errors import AuditkitError
from auditkit.langid.lang_run import DONE_DIR, SHARD_DIR, read_utterances, run_lang
from tests.conftest import REPO_ROOT, require_shared

LANGS = ["en", "de", "sw", "bn", "zh", "ar", "te", "ko", "fi", "ru"]


def write_corpus(path: Path, per_language: int = 60) -> Path:
    """A messages-format corpus of real lingua sentences: user/assistant pairs, some empty turns,
    a repeated system prompt (dedup cache) and a code block."""
    base = require_shared("langid", "lingua_testdata", "sentences")
    lines = {c: (base / f"{c}.txt").read_text(encoding="utf-8").splitlines() for c in LANGS}
    with open(path, "w", encoding="utf-8") as f:
        n = 0
        for i in range(per_language):
            for c in LANGS:
                msgs = (
                    [{"role": "system", "content": "You are a helpful assistant."}]
                    if n % 7 == 0
                    else []
                )
                msgs += [
                    {"role": "user", "content": lines[c][2 * i]},
                    {"role": "assistant", "content": lines[c][2 * i + 1] if n % 13 else "  \n "},
                ]
                if n % 17 == 0:
                    msgs.append({"role": "user", "content": "```python\nprint('x')\n```"})
                f.write(
                    json.dumps(
                        {"id": f"ex{n}", "dataset": f"src_{c}", "messages": msgs},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
                n += 1
    return path


def _files(out: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted((out / SHARD_DIR).glob("part-*.parquet"))}
    files["summary.json"] = (out / "summary.json").read_bytes()
    return files


@pytest.mark.slow
def test_serial_and_parallel_runs_are_byte_identical(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=25)
    s1 = run_lang(str(corpus), tmp_path / "serial", workers=1, shard_size=150)
    s2 = run_lang(str(corpus), tmp_path / "parallel", workers=2, shard_size=150)
    assert s1 == s2
    assert s1["utterances_total"] > 500
    assert s1["shards"] > 3
    a, b = _files(tmp_path / "serial"), _files(tmp_path / "parallel")
    assert a.keys() == b.keys()
    for name in a:
        assert a[name] == b[name], name
    # The pieces add up, nothing silently dropped.
    df = read_utterances(tmp_path / "serial")
    assert len(df) == s1["utterances_total"]
    assert list(df["utt_index"]) == list(range(len(df)))
    assert (df["status"] == "empty").sum() == s1["utterances_empty"] > 0
    assert set(s1["languages"][i]["code"] for i in range(len(LANGS))) == set(LANGS)


def test_shards_never_split_an_example(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=5)
    run_lang(str(corpus), tmp_path / "o", workers=1, shard_size=7)
    shards = sorted((tmp_path / "o" / SHARD_DIR).glob("part-*.parquet"))
    seen: set[str] = set()
    import pyarrow.parquet as pq

    for p in shards:
        ids = set(pq.read_table(p, columns=["example_id"]).column(0).to_pylist())
        assert not (ids & seen)
        seen |= ids


def test_rerun_skips_finished_work_and_other_arguments_are_refused(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=5)
    out = tmp_path / "o"
    first = run_lang(str(corpus), out, workers=1, shard_size=40)
    before = _files(out)
    second = run_lang(str(corpus), out, workers=1, shard_size=40)
    assert second == first
    assert _files(out) == before
    audit = json.loads((out / "audit.json").read_text())
    assert audit["resumed_utterances"] == first["utterances_total"]
    with pytest.raises(AuditkitError, match="min_confidence"):
        run_lang(str(corpus), out, workers=1, shard_size=40, min_confidence=0.5)
    third = run_lang(str(corpus), out, workers=1, shard_size=40, min_confidence=0.5, overwrite=True)
    assert third["utterances_total"] == first["utterances_total"]


def _start_cli(corpus: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "lang",
            str(corpus),
            "--out",
            str(out),
            "--workers",
            "1",
            "--shard-size",
            "100",
            "--langdetect-impl",
            "reference",
            "-q",
            *extra,
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_shards(out: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(list((out / DONE_DIR).glob("*.done.json"))) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"run ended before {n} shards: {proc.stderr.read()}")
        time.sleep(0.05)
    pytest.fail("timed out waiting for shards")


@pytest.mark.slow
def test_sigkill_midway_then_resume_equals_uninterrupted_run(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=20)
    killed = tmp_path / "killed"
    proc = _start_cli(corpus, killed)
    _wait_for_shards(killed, 2, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_at_kill = len(list((killed / DONE_DIR).glob("*.done.json")))
    assert not (killed / "summary.json").exists(), "the run finished before it was killed"
    resumed = _start_cli(corpus, killed)
    assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
    audit = json.loads((killed / "audit.json").read_text())
    assert audit["resumed_utterances"] >= done_at_kill * 100

    clean = tmp_path / "clean"
    full = _start_cli(corpus, clean)
    assert full.wait(timeout=300) == 0, full.stderr.read()
    assert _files(killed) == _files(clean)


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=20)
    out = tmp_path / "o"
    proc = _start_cli(corpus, out)
    _wait_for_shards(out, 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "resume" in err and "Traceback" not in err


@pytest.mark.slow
def test_cli_json_and_quick_look(tmp_path):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=3)
    out = tmp_path / "o"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "lang",
            str(corpus),
            "--out",
            str(out),
            "--limit",
            "25",
            "--json",
            "-",
            "--workers",
            "1",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    for key in (
        "utterances_total",
        "utterances_agreed",
        "utterances_disagreed",
        "utterances_empty",
        "languages",
        "by_source",
        "by_role",
        "detectors",
    ):
        assert key in s
    assert s["utterances_total"] == 25
    assert s["detectors"]["fasttext"]["model_sha256"]
    assert s["detectors"]["langdetect"]["version"] == "1.0.9"
    assert json.loads((out / "summary.json").read_text()) == s


def test_unknown_source_is_a_clean_error(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditkit.cli",
            "lang",
            "no-such-alias",
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "no-such-alias" in r.stderr
