"""Bad input: counted skips naming file:line (and field), or a clear AuditkitError; never a
traceback for a user error."""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from auditkit.corpora import open_corpus
from auditkit.errors import AuditkitError, InputError
from auditkit.skips import SkipLog


def _msgs(eid: str, *texts: str) -> str:
    roles = ["user", "assistant"]
    return json.dumps(
        {"id": eid, "messages": [{"role": roles[i % 2], "content": t} for i, t in enumerate(texts)]}
    )


def _write_lines(path, lines: list[str | bytes]) -> None:
    with open(path, "wb") as f:
        for line in lines:
            f.write((line.encode("utf-8") if isinstance(line, str) else line) + b"\n")


def test_malformed_json_line_is_counted_and_reading_continues(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    _write_lines(path, [_msgs("a", "hi", "hello"), '{"id": "b", "messages": [', _msgs("c", "x")])
    corpus = open_corpus(str(path))
    assert [u.example_id for u in corpus.iter_utterances()] == ["a", "a", "c"]
    d = corpus.skips.as_dict()
    assert d["total"] == 1
    (example,) = d["by_reason"]["malformed_json"]["examples"]
    assert example.startswith(f"{path}:2: ")


def test_message_without_content_is_a_missing_field_skip(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    bad = {"id": "b", "messages": [{"role": "user", "content": "q"}, {"role": "assistant"}]}
    _write_lines(path, [_msgs("a", "hi"), json.dumps(bad), _msgs("c", "x")])
    corpus = open_corpus(str(path))
    assert [u.example_id for u in corpus.iter_utterances()] == ["a", "c"]
    (example,) = corpus.skips.as_dict()["by_reason"]["missing_field"]["examples"]
    assert example == f"{path}:2: field 'messages[1].content'"


def test_alpaca_without_output_is_a_missing_field_skip(tmp_path) -> None:
    path = tmp_path / "a.json"
    rows = [
        {"instruction": "Say hi", "input": "", "output": "hi"},
        {"instruction": "No answer here", "input": ""},
    ]
    path.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    corpus = open_corpus(str(path))
    assert corpus.format == "alpaca"
    assert [u.text for u in corpus.iter_utterances()] == ["Say hi", "hi"]
    d = corpus.skips.as_dict()["by_reason"]
    assert d["missing_field"]["count"] == 1
    assert d["missing_field"]["examples"] == [f"{path} item 2: field 'output'"]


def test_non_utf8_line_is_counted(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    _write_lines(
        path,
        [
            _msgs("a", "hi"),
            b'{"id": "b", "messages": [{"role": "user", "content": "caf\xe9"}]}',
            _msgs("c", "ok"),
        ],
    )
    corpus = open_corpus(str(path))
    assert [u.example_id for u in corpus.iter_utterances()] == ["a", "c"]
    (example,) = corpus.skips.as_dict()["by_reason"]["invalid_utf8"]["examples"]
    assert example.startswith(f"{path}:2: byte ")


def test_non_utf8_text_line_is_counted(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"first\n\xff\xfe broken\nthird\n")
    corpus = open_corpus(str(path))
    assert [(u.example_id, u.text) for u in corpus.iter_utterances()] == [
        ("t.txt:1", "first"),
        ("t.txt:3", "third"),
    ]
    assert corpus.skips.counts == {"invalid_utf8": 1}


def test_100mb_line_is_skipped_without_holding_it(tmp_path) -> None:
    path = tmp_path / "big.jsonl"
    size = 100 * 2**20
    with open(path, "wb") as f:
        f.write((_msgs("a", "before") + "\n").encode())
        f.write(b'{"id": "huge", "messages": [{"role": "user", "content": "')
        block = b"x" * 2**20
        for _ in range(size // len(block)):
            f.write(block)
        f.write(b'"}]}\n')
        f.write((_msgs("c", "after") + "\n").encode())
    max_bytes = 8 * 2**20
    corpus = open_corpus(str(path), max_record_bytes=max_bytes)
    tracemalloc.start()
    try:
        ids = [u.example_id for u in corpus.iter_utterances()]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ids == ["a", "c"]
    assert peak < 3 * max_bytes, f"peak {peak:,} bytes: the long line was held in memory"
    (example,) = corpus.skips.as_dict()["by_reason"]["record_too_large"]["examples"]
    line_bytes = size + len(b'{"id": "huge", "messages": [{"role": "user", "content": "') + 5
    assert example == f"{path}:2: {line_bytes:,} bytes > max_record_bytes {max_bytes:,}"


def test_not_an_object_line_is_counted(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    _write_lines(path, [_msgs("a", "hi"), "[1, 2]", "42", _msgs("b", "x")])
    corpus = open_corpus(str(path))
    assert [u.example_id for u in corpus.iter_utterances()] == ["a", "b"]
    assert corpus.skips.counts == {"not_an_object": 2}
    assert (
        corpus.skips.examples["not_an_object"][0]
        == f"{path}:2: expected a JSON object, got an array"
    )


@pytest.mark.parametrize("forced", [None, "alpaca"])
def test_invalid_json_array_is_an_error_naming_file_and_position(
    tmp_path, forced: str | None
) -> None:
    path = tmp_path / "bad.json"
    text = '[\n {"instruction": "a", "output": "b"},\n {"instruction": "c", "output": }\n]'
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        # detection reads the first records, so without a forced format open_corpus raises
        list(open_corpus(str(path), format=forced).iter_utterances())
    msg = str(e.value)
    assert msg.startswith(f"{path}: invalid JSON in item 2 (read ")
    assert "\n" not in msg and '"output": }' in msg


def test_json_array_cut_short_is_an_error(tmp_path) -> None:
    path = tmp_path / "cut.json"
    path.write_text('[{"instruction": "a", "output": "b"}, {"instruction": "c", "out', "utf-8")
    with pytest.raises(InputError, match="invalid JSON in item 2"):
        open_corpus(str(path))  # detection reads on past the first item
    it = open_corpus(str(path), format="alpaca").iter_utterances()
    assert [next(it).text, next(it).text] == ["a", "b"]
    with pytest.raises(InputError, match=r"invalid JSON in item 2 \(read \d+ bytes\): .*EOF"):
        next(it)


def test_json_array_of_non_objects_and_json_scalar(tmp_path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"not": "a list of records"}', encoding="utf-8")
    # A single object is read as one JSON-lines record; it fits no format.
    with pytest.raises(InputError, match="no known format fits") as e:
        open_corpus(str(path))
    assert "keys seen: not" in str(e.value) and "messages (messages)" in str(e.value)


def test_csv_missing_required_column(tmp_path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("instruction,input\nSay hi,\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        open_corpus(str(path), format="alpaca")
    assert str(e.value).startswith(f"{path}: field 'output': missing required column 'output'")
    assert e.value.field == "output"


def test_parquet_missing_required_column(tmp_path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"prompt": ["a"], "chosen": ["b"]}), path)
    with pytest.raises(InputError, match="missing required column 'rejected'") as e:
        open_corpus(str(path), format="preference")
    assert str(path) in str(e.value)


def test_undetectable_format_lists_formats_and_keys(tmp_path) -> None:
    path = tmp_path / "odd.jsonl"
    _write_lines(path, [json.dumps({"question": "q", "answer": "a"})] * 3)
    with pytest.raises(AuditkitError) as e:
        open_corpus(str(path))
    msg = str(e.value)
    assert str(path) in msg and "keys seen: answer, question" in msg
    for fmt in ("messages", "sharegpt", "alpaca", "oasst", "preference", "hh", "nectar", "text"):
        assert f"{fmt} (" in msg


def test_unknown_alias_lists_aliases() -> None:
    with pytest.raises(AuditkitError) as e:
        open_corpus("tulu")
    msg = str(e.value)
    assert "unknown corpus 'tulu'" in msg
    for alias in (
        "tulu-sft",
        "ultrachat",
        "oasst1",
        "ultrafeedback",
        "nectar",
        "hh-rlhf",
        "sample",
    ):
        assert alias in msg


@pytest.mark.parametrize("source", ["data/missing.jsonl", "./nope", "/no/such/dir/x", "a/b/c"])
def test_nonexistent_path_is_an_error(source: str) -> None:
    with pytest.raises(InputError, match="no such file or folder") as e:
        open_corpus(source)
    assert source in str(e.value)


def test_unknown_format_name(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    _write_lines(path, [_msgs("a", "x")])
    with pytest.raises(AuditkitError, match="unknown corpus format 'chatml'; known: alpaca"):
        open_corpus(str(path), format="chatml")


def test_forcing_a_structured_format_on_text_is_an_error(tmp_path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read plain-text lines"):
        open_corpus(str(path), format="messages")


def test_empty_file_needs_a_format(tmp_path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="no readable records"):
        open_corpus(str(path))
    assert list(open_corpus(str(path), format="messages").iter_utterances()) == []


def test_skips_merge_into_a_given_log_without_doubling(tmp_path) -> None:
    path = tmp_path / "c.jsonl"
    _write_lines(path, [_msgs("a", "x"), "{oops"])
    log = SkipLog()
    log.add("earlier_reason", "other.jsonl", 1)
    corpus = open_corpus(str(path), skips=log)
    assert corpus.skips is log
    for _ in range(2):
        assert len(list(corpus.iter_utterances())) == 1
        assert log.counts == {"earlier_reason": 1, "malformed_json": 1}


def test_cli_error_has_no_traceback(tmp_path) -> None:
    # The lang command opens the corpus first: a user error exits 2 with one clean line.
    res = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "lang", "no-such-alias", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    assert "unknown corpus 'no-such-alias'" in res.stderr


def test_pretty_printed_json_object_gets_a_hint(tmp_path) -> None:
    path = tmp_path / "wrapped.json"
    path.write_text(json.dumps({"data": [{"instruction": "a", "output": "b"}]}, indent=2))
    with pytest.raises(InputError) as e:
        open_corpus(str(path))
    assert str(e.value).startswith(f"{path}: no readable records")
    assert "array of records or one JSON object per line" in str(e.value)
