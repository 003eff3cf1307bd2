"""`auditkit lang` outputs a user can consume: the utterances folder reads as one dataset in
pandas and DuckDB, --keep-text, source_file and by_file for folders, --text-field /
--messages-field, and the 'resumed N of M' line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from auditkit.langid.lang_run import DONE_DIR, SHARD_DIR, run_lang
from tests.langid.test_lang_run import write_corpus


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lang_outputs")
    corpus = root / "corpus"
    (corpus / "sub").mkdir(parents=True)
    write_corpus(corpus / "a.jsonl", per_language=3)
    write_corpus(corpus / "sub" / "b.jsonl", per_language=2)
    out = root / "out"
    summary = run_lang(str(corpus), out, workers=1, keep_text=True, shard_size=40)
    return corpus, out, summary


def test_the_utterances_folder_reads_as_one_dataset_in_pandas_and_duckdb(folder_run):
    duckdb = pytest.importorskip("duckdb")
    _, out, summary = folder_run
    assert len(list((out / SHARD_DIR).glob("*.parquet"))) > 1
    assert not list((out / SHARD_DIR).glob("*.json"))  # markers live in done/
    assert list((out / DONE_DIR).glob("part-*.done.json"))
    df = pd.read_parquet(out / SHARD_DIR)
    assert len(df) == summary["utterances_total"]
    n = duckdb.sql(f"select count(*) from read_parquet('{out / SHARD_DIR}/*')").fetchall()[0][0]
    assert n == summary["utterances_total"]
    # the README's query
    top = duckdb.sql(
        f"select lang, count(*) n from '{out / SHARD_DIR}/*.parquet' group by 1 order by 2 desc"
    ).fetchall()
    assert sum(r[1] for r in top) == summary["utterances_total"]


def test_keep_text_and_source_file_and_by_file(folder_run):
    corpus, out, summary = folder_run
    df = pd.read_parquet(out / SHARD_DIR)
    assert set(df["source_file"]) == {"a.jsonl", "sub/b.jsonl"}
    # the prepared text is what the detectors saw: newlines turned into spaces
    row = df[df["n_chars_prepared"] > 0].iloc[0]
    assert isinstance(row["text"], str) and len(row["text"]) == row["n_chars_prepared"]
    assert "\n" not in "".join(df["text"].dropna())
    by_file = summary["by_file"]
    assert set(by_file) == {"a.jsonl", "sub/b.jsonl"}
    for name, counts in by_file.items():
        assert sum(counts.values()) == int((df["source_file"] == name).sum())


@pytest.mark.slow
def test_text_and_messages_fields_for_non_standard_schemas(tmp_path):
    rows = [
        {"uid": i, "conversation": [{"role": "user", "content": t}]}
        for i, t in enumerate(["Where is the station?", "Wo ist der Bahnhof bitte?"] * 3)
    ]
    f = tmp_path / "chats.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    s = run_lang(str(f), tmp_path / "m", workers=1, messages_field="conversation")
    assert s["format"] == "messages" and s["utterances_total"] == 6
    t = tmp_path / "texts.csv"
    pd.DataFrame({"prompt_text": ["Good morning to you all", "Guten Morgen zusammen"]}).to_csv(
        t, index=False
    )
    s2 = run_lang(str(t), tmp_path / "t", workers=1, text_field="prompt_text")
    assert s2["format"] == "text" and s2["utterances_total"] == 2
    proc = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "lang", str(f), "--out", str(tmp_path / "x")]
        + ["--workers", "1", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "no known format fits" in proc.stderr
    assert "--format NAME" in proc.stderr


@pytest.mark.slow
def test_a_resumed_run_says_how_much_it_resumed(folder_run, tmp_path):
    corpus, out, summary = folder_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    # a folder made before the markers moved out of utterances/ resumes too
    for marker in (copy / DONE_DIR).glob("*.json"):
        marker.rename(copy / SHARD_DIR / marker.name)
    (copy / DONE_DIR).rmdir()
    proc = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "lang", str(corpus), "--out", str(copy)]
        + ["--workers", "1", "--keep-text", "--shard-size", "40", "--json", "-"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    n = summary["utterances_total"]
    assert f"resumed {n:,} of {n:,} utterances" in " ".join(proc.stderr.split())
    assert json.loads(proc.stdout) == json.loads((out / "summary.json").read_text())
    assert not list((copy / SHARD_DIR).glob("*.json"))
    assert (copy / "summary.json").read_bytes() == (out / "summary.json").read_bytes()
