"""Run integrity of `auditkit lang` (issue #11): no stale, mixed or lost results under changed
input, bad records, concurrent runs, kills, broken .gz files and full disks."""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditkit.cli import cli, main
from auditkit.errors import AuditkitError
from auditkit.io import LOCK_FILE, RunFolderBusy, run_folder_lock
from auditkit.langid.lang_run import DONE_DIR, SHARD_DIR, read_utterances, run_lang
from tests.conftest import REPO_ROOT
from tests.langid.test_lang_run import _start_cli, _wait_for_shards, write_corpus

EN = [
    "The weather is lovely today and we are going for a long walk in the park.",
    "Please send me the report before the meeting starts tomorrow morning.",
    "My brother bought a new bicycle because the old one was stolen last week.",
]
DE = [
    "Das Wetter ist heute herrlich und wir machen einen langen Spaziergang im Park.",
    "Bitte schicken Sie mir den Bericht, bevor die Besprechung morgen früh beginnt.",
    "Mein Bruder hat ein neues Fahrrad gekauft, weil das alte letzte Woche gestohlen wurde.",
]


def _messages(texts: list[str], n: int = 30) -> str:
    return "".join(
        json.dumps({"id": f"ex{i}", "messages": [{"role": "user", "content": texts[i % 3]}]}) + "\n"
        for i in range(n)
    )


def _run(src: Path, out: Path, **kw) -> dict:
    return run_lang(str(src), out, workers=1, shard_size=10, langdetect_impl="reference", **kw)


# -- item 1: stale resume ------------------------------------------------------------------------


def test_changed_input_refuses_to_resume_and_overwrite_starts_afresh(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(_messages(EN), encoding="utf-8")
    out = tmp_path / "o"
    first = _run(src, out)
    assert first["languages"][0]["code"] == "en"
    # Same number of utterances, other language: the old shards must not be resumed.
    src.write_text(_messages(DE), encoding="utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(AuditkitError, match=r"computed on other input: input #1 changed") as e:
        _run(src, out)
    assert "--overwrite" in str(e.value)
    # The refused run left the folder as it was (its audit still names the old input).
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    second = _run(src, out, overwrite=True)
    assert second["languages"][0]["code"] == "de"
    audit = json.loads((out / "audit.json").read_text())
    assert audit["resumed_utterances"] == 0
    from auditkit.io import sha256_file

    assert audit["inputs"][0]["sha256"] == sha256_file(src)
    assert set(read_utterances(out)["lang"]) == {"de"}


def test_hub_data_at_another_commit_refuses_to_resume(tmp_path, monkeypatch):
    import types

    from auditkit.corpora import hub_split as sources

    fake = types.ModuleType("datasets")
    fake.load_dataset = lambda *a, **k: [
        {"id": f"h{i}", "messages": [{"role": "user", "content": EN[i % 3]}]} for i in range(12)
    ]
    monkeypatch.setitem(sys.modules, "datasets", fake)
    out = tmp_path / "o"
    monkeypatch.setattr(sources, "hub_commit", lambda hub_id, revision: "a" * 40)
    run_lang("owner/data", out, workers=1, shard_size=5, langdetect_impl="reference")
    monkeypatch.setattr(sources, "hub_commit", lambda hub_id, revision: "b" * 40)
    with pytest.raises(AuditkitError, match=r"input #1 changed \(commit\)"):
        run_lang("owner/data", out, workers=1, shard_size=5, langdetect_impl="reference")
    audit = json.loads((out / "audit.json").read_text())
    assert audit["inputs"][0]["commit"] == "a" * 40


def test_same_content_resumes_even_after_touch(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(_messages(EN), encoding="utf-8")
    out = tmp_path / "o"
    _run(src, out)
    os.utime(src, (1, 1))  # mtime changes, content does not
    _run(src, out)
    assert json.loads((out / "audit.json").read_text())["resumed_utterances"] == 30


def test_input_changed_during_the_run_publishes_nothing(tmp_path, monkeypatch):
    import auditkit.langid.lang_run as runner

    src = tmp_path / "c.jsonl"
    src.write_text(_messages(EN), encoding="utf-8")
    out = tmp_path / "o"
    finish = runner.LangRun._finish

    def finish_then_edit(self, shard, on_chunk):
        counts = finish(self, shard, on_chunk)
        with open(src, "a", encoding="utf-8") as f:  # another process appends meanwhile
            f.write(_messages(DE, 1))
        return counts

    monkeypatch.setattr(runner.LangRun, "_finish", finish_then_edit)
    with pytest.raises(AuditkitError, match="changed while it was being read"):
        _run(src, out)
    assert not (out / "summary.json").exists() and not (out / "audit.json").exists()
    monkeypatch.undo()
    with pytest.raises(AuditkitError, match="computed on other input"):
        _run(src, out)


# -- item 2: one bad record never stops a corpus ---------------------------------------------------


def test_lone_surrogate_and_deep_nesting_are_counted_skips(tmp_path):
    src = tmp_path / "c.jsonl"
    lines = _messages(EN, 24).splitlines()
    lines[5] = '{"id": "s", "messages": [{"role": "user", "content": "hello \\ud800 world"}]}'
    lines[17] = '{"id": "d", "messages": ' + "[" * 50_000 + "]" * 50_000 + "}"
    lines.append(
        '{"id": "src", "dataset": "x\\udfff", "messages": [{"role": "user", "content": "hi"}]}'
    )
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = _run(src, tmp_path / "o")
    skips = summary["skips"]["by_reason"]
    assert skips["invalid_unicode"]["count"] == 2
    assert skips["invalid_unicode"]["examples"][0] == (
        f"{src}:6: lone surrogate in messages[0].content (U+D800 at character 6)"
    )
    assert skips["too_deeply_nested"]["count"] == 1
    assert skips["too_deeply_nested"]["examples"][0].startswith(f"{src}:18")
    assert summary["utterances_total"] == 22


def test_a_text_the_detectors_fail_on_is_a_counted_skip_and_survives_resume(tmp_path, monkeypatch):
    import auditkit.langid.lang_run as runner

    label = runner.Detectors.label

    def fragile(self, texts):  # a detector that crashes on one kind of text
        if any("BOOM" in t for t in texts):
            raise TypeError("predict() argument 1 must be str")
        return label(self, texts)

    monkeypatch.setattr(runner.Detectors, "label", fragile)
    src = tmp_path / "c.jsonl"
    lines = _messages(EN, 30).splitlines()
    for i in (3, 14, 15):
        lines[i] = json.dumps({"id": f"b{i}", "messages": [{"role": "user", "content": "BOOM"}]})
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "o"
    first = _run(src, out)
    skips = first["skips"]["by_reason"]["label_failed"]
    assert skips["count"] == 3 and first["utterances_total"] == 27
    assert (
        skips["examples"][0]
        == "example 'b3' turn 0 (user): TypeError: predict() argument 1 must be str"
    )
    assert len(read_utterances(out)) == 27
    again = _run(src, out)  # resumed from the done markers: the skips are still counted
    assert json.loads((out / "audit.json").read_text())["resumed_utterances"] == 30
    assert again == first


# -- items 3 and 5: one run per folder; no write through a symlink ---------------------------------


_HOLD = (
    "import sys, time; from auditkit.io import run_folder_lock\n"
    "with run_folder_lock(sys.argv[1]):\n"
    "    print('held', flush=True); time.sleep(60)\n"
)


@pytest.fixture
def held_folder(tmp_path):
    """A run folder whose lock another process holds; yields (folder, that process's PID)."""
    folder = tmp_path / "busy"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(folder)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    yield folder, proc.pid
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("overwrite", [False, True])
def test_second_lang_run_on_a_folder_refuses_naming_the_holder(tmp_path, held_folder, overwrite):
    folder, pid = held_folder
    src = tmp_path / "c.jsonl"
    src.write_text(_messages(EN), encoding="utf-8")
    t = time.monotonic()
    with pytest.raises(RunFolderBusy, match=rf"in use by another auditkit run \(PID {pid}\)"):
        _run(src, folder, overwrite=overwrite)
    assert time.monotonic() - t < 5  # at once, before any labelling
    assert not (folder / SHARD_DIR).exists()


def test_every_command_that_writes_a_run_folder_takes_the_lock(tmp_path, held_folder):
    folder, pid = held_folder
    runner = CliRunner()
    (tmp_path / "scores.csv").write_text("question,United States of America\nq,1.0\n")
    (tmp_path / "outputs").mkdir()
    (tmp_path / "run").mkdir()
    for args in (
        ["probe-rm", "--scores", str(tmp_path / "scores.csv"), "--out", str(folder)],
        ["eval", "score", "md3", str(tmp_path / "outputs"), "--out", str(folder)],
        ["report", str(tmp_path / "run"), "--out", str(folder)],
    ):
        r = runner.invoke(cli, args)
        assert isinstance(r.exception, RunFolderBusy), (args, r.output, r.exception)
        assert f"PID {pid}" in str(r.exception)


def test_lock_is_released_when_the_holder_dies(tmp_path, held_folder):
    folder, pid = held_folder
    os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while True:
        try:
            with run_folder_lock(folder):
                break
        except RunFolderBusy:
            assert time.time() < deadline, "a dead run's lock was never released"
            time.sleep(0.1)


def test_a_folder_the_run_created_and_left_empty_is_removed(tmp_path):
    with run_folder_lock(tmp_path / "new"):
        assert (tmp_path / "new" / LOCK_FILE).exists()
    assert not (tmp_path / "new").exists()  # a run that failed before writing leaves nothing
    with run_folder_lock(tmp_path / "kept"):
        (tmp_path / "kept" / "summary.json").write_text("{}")
    assert (tmp_path / "kept" / "summary.json").exists()
    (tmp_path / "old").mkdir()
    with run_folder_lock(tmp_path / "old"):
        pass
    assert (tmp_path / "old").is_dir()  # never removes a folder it did not create


def test_lock_file_symlink_is_refused(tmp_path):
    folder = tmp_path / "o"
    folder.mkdir()
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    (folder / LOCK_FILE).symlink_to(target)
    with pytest.raises(AuditkitError, match="symlink"):
        with run_folder_lock(folder):
            pass
    assert target.read_text() == "keep"


def test_symlinks_planted_in_the_run_folder_are_never_written_through(tmp_path):
    src = tmp_path / "c.jsonl"
    src.write_text(_messages(EN), encoding="utf-8")
    out = tmp_path / "o"
    (out / SHARD_DIR).mkdir(parents=True)
    victims = {}
    # the temp names earlier versions used, and the final names of outputs
    for name in (
        f"{SHARD_DIR}/.part-00000.parquet.tmp",
        f"{SHARD_DIR}/part-00001.parquet",
        "summary.json",
        "audit.json",
    ):
        victim = tmp_path / f"victim-{len(victims)}"
        victim.write_text("precious")
        (out / name).symlink_to(victim)
        victims[name] = victim
    _run(src, out)
    for name, victim in victims.items():
        assert victim.read_text() == "precious", name
    for name in ("summary.json", "audit.json", f"{SHARD_DIR}/part-00001.parquet"):
        assert not (out / name).is_symlink(), name


# -- item 6: workers end with the parent; SIGTERM is handled like Ctrl-C ------------------------


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for p in pids:
        try:
            state = Path(f"/proc/{p}/stat").read_text().split(") ")[1][0]
        except OSError:
            continue
        if state != "Z":
            alive.add(p)
    return alive


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_with_their_parent(tmp_path, sig):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=20)
    out = tmp_path / "o"
    proc = _start_cli(corpus, out, "--workers", "2")
    _wait_for_shards(out, 1, proc)
    kids = _descendants(proc.pid)
    assert len(kids) >= 3, "expected 2 workers and a resource tracker"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    deadline = time.time() + 15
    while _alive(kids) and time.time() < deadline:
        time.sleep(0.2)
    assert not _alive(kids), f"left alive after {sig.name}: {_alive(kids)}"
    if sig == signal.SIGTERM:
        assert proc.returncode == 143
        assert "terminated" in err and "resume" in err and "Traceback" not in err
        resumed = _start_cli(corpus, out)
        assert resumed.wait(timeout=300) == 0, resumed.stderr.read()
        assert json.loads((out / "audit.json").read_text())["resumed_utterances"] >= 100


# -- item 8: truncated or corrupt .gz ------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_broken_gzip_is_a_one_line_error_and_finished_shards_are_kept(tmp_path, damage):
    data = bytearray(gzip.compress(_messages(EN, 3000).encode(), mtime=0))
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
    else:
        mid = len(data) * 2 // 3
        data[mid : mid + 64] = bytes(64)
    src = tmp_path / "c.jsonl.gz"
    src.write_bytes(bytes(data))
    out = tmp_path / "o"
    r = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "lang", str(src), "--out", str(out), "-q"]
        + ["--workers", "1", "--shard-size", "200", "--langdetect-impl", "reference"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    msg = " ".join(r.stderr.split())
    assert str(src) in msg and damage in msg and "decompressed bytes" in msg
    assert len(list((out / DONE_DIR).glob("*.done.json"))) >= 1


# -- item 12: full disk -----------------------------------------------------------------------------


def test_full_disk_is_a_one_line_error_naming_the_path(tmp_path, monkeypatch):
    import auditkit.io as io_mod

    src = tmp_path / "c.jsonl"
    src.write_text(_messages(EN), encoding="utf-8")
    out = tmp_path / "o"

    fsync = io_mod.os.fsync
    calls = []

    def full_after_run_json(fd):  # run.json fits, the first shard does not
        calls.append(fd)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        fsync(fd)

    monkeypatch.setattr(io_mod.os, "fsync", full_after_run_json)
    r = CliRunner().invoke(
        cli,
        ["lang", str(src), "--out", str(out), "-q", "--workers", "1", "--shard-size", "10"],
    )
    assert r.exit_code != 0
    assert type(r.exception).__name__ == "OutputError", r.exception
    msg = str(r.exception)
    assert f"cannot write {out / SHARD_DIR / 'part-00000.parquet'}: no space left" in msg
    assert not [p for p in out.rglob("*.tmp")], "temp files left behind"


def test_main_turns_a_stray_disk_error_into_one_line(monkeypatch, capsys):
    import auditkit.langid.lang_run as runner

    def boom(*a, **k):
        raise OSError(errno.EDQUOT, "Disk quota exceeded", "/data/out/x.parquet")

    monkeypatch.setattr(runner, "run_lang", boom)
    with pytest.raises(SystemExit) as e:
        main(["lang", "sample", "-q"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "/data/out/x.parquet: disk quota exceeded" in " ".join(err.split())
    assert "Traceback" not in err


def test_errors_are_one_line_whatever_their_length(tmp_path, capsys):
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    src = deep / "c.jsonl"
    src.write_bytes("x".encode("utf-16"))
    with pytest.raises(SystemExit) as e:
        main(["lang", str(src), "--out", str(tmp_path / "o"), "-q"])
    assert e.value.code == 2
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {src}: not UTF-8")
