"""Corpus readers under malformed input (issue #11): every bad record is a counted skip with
its reason and location, the same record is treated alike in every container, and input that
is not UTF-8 at all is a clear error instead of garbage."""

from __future__ import annotations

import gzip
import json

import pytest

from auditkit.corpora import open_corpus
from auditkit.errors import InputError


def _rec(i: int, text: str = "hello world") -> dict:
    return {"id": f"r{i}", "messages": [{"role": "user", "content": text}]}


def _ids(corpus) -> list[str]:
    return [u.example_id for u in corpus.iter_utterances()]


def test_csv_row_with_more_or_fewer_cells_than_the_header_is_a_counted_skip(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        "instruction,input,output\n"
        "Say hi,,Hi\n"
        "Say bye,,Bye,EXTRA CELL\n"
        "Only two,cells\n"
        "Say yes,,Yes\n",
        encoding="utf-8",
    )
    corpus = open_corpus(str(path))
    assert [u.text for u in corpus.iter_utterances()] == ["Say hi", "Hi", "Say yes", "Yes"]
    assert corpus.skips.counts == {"ragged_row": 2}
    assert corpus.skips.examples["ragged_row"] == [
        f"{path} row 1: 4 cells, the header has 3",
        f"{path} row 2: 2 cells, the header has 3",
    ]


def test_csv_row_with_bad_bytes_or_nul_costs_that_row_only(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b'text\nfirst line\nbad \xff\xfe bytes\n"unterminated\x00 nul"\nlast line\n')
    corpus = open_corpus(str(path), format="text")
    texts = [u.text for u in corpus.iter_utterances()]
    assert texts[0] == "first line" and texts[-1] == "last line"
    assert corpus.skips.counts["invalid_utf8"] == 1  # as an undecodable JSON Lines line
    assert corpus.skips.total == 1 + corpus.skips.counts.get("malformed_csv", 0)
    assert len(texts) + corpus.skips.total == 4


@pytest.mark.parametrize("container", ["jsonl", "json"])
def test_oversized_and_too_deep_items_are_skipped_alike_in_jsonl_and_json_arrays(
    tmp_path, container
):
    records = [_rec(0), _rec(1, "x" * 50_000), _rec(2), {"id": "deep", "messages": []}, _rec(4)]
    texts = [json.dumps(r) for r in records]
    texts[3] = '{"id": "deep", "messages": ' + "[" * 5000 + "]" * 5000 + "}"
    path = tmp_path / f"c.{container}"
    if container == "jsonl":
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    else:
        path.write_text("[\n" + ",\n".join(texts) + "\n]", encoding="utf-8")
    corpus = open_corpus(str(path), max_record_bytes=20_000)
    assert _ids(corpus) == ["r0", "r2", "r4"]
    assert corpus.skips.counts == {"record_too_large": 1, "too_deeply_nested": 1}


@pytest.mark.parametrize("container", ["jsonl", "json"])
def test_lone_surrogate_is_skipped_alike_in_jsonl_and_json_arrays(tmp_path, container):
    texts = [json.dumps(_rec(0)), json.dumps(_rec(1, "bad \ud800 text")), json.dumps(_rec(2))]
    texts.append(json.dumps(_rec(3, "pair \U0001f600 ok")))  # a valid pair is kept
    path = tmp_path / f"c.{container}"
    if container == "jsonl":
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    else:
        path.write_text("[" + ",".join(texts) + "]", encoding="utf-8")
    corpus = open_corpus(str(path))
    assert _ids(corpus) == ["r0", "r2", "r3"]
    assert corpus.skips.counts == {"invalid_unicode": 1}
    (example,) = corpus.skips.examples["invalid_unicode"]
    assert "lone surrogate in messages[0].content (U+D800 at character 4)" in example


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".txt", ".jsonl.gz"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_utf16_and_utf32_input_is_a_clear_error(tmp_path, suffix, encoding):
    body = "\n".join(json.dumps(_rec(i, "héllo wörld"), ensure_ascii=False) for i in range(5))
    if suffix == ".csv":
        body = "text\n" + "\n".join("héllo wörld" for _ in range(5))
    data = body.encode(encoding)
    path = tmp_path / f"c{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    with pytest.raises(InputError, match="not UTF-8") as e:
        list(open_corpus(str(path)).iter_utterances())
    assert str(e.value).startswith(f"{path}: ")


def test_unreadable_folder_members_are_counted_per_file_with_their_reason(tmp_path):
    (tmp_path / "a_good.jsonl").write_text(
        "\n".join(json.dumps(_rec(i)) for i in range(3)) + "\n", encoding="utf-8"
    )
    (tmp_path / "b_utf16.jsonl").write_bytes(json.dumps(_rec(9)).encode("utf-16"))
    (tmp_path / "c_broken.parquet").write_bytes(b"PAR1 not really a parquet file")
    (tmp_path / "d_bad_lines.jsonl").write_bytes(b"{oops\n\xff\xfe\n[1, 2\n")
    (tmp_path / "e_unknown.jsonl").write_text('{"foo": 1}\n', encoding="utf-8")
    corpus = open_corpus(str(tmp_path))
    assert _ids(corpus) == ["r0", "r1", "r2"]
    counts = corpus.skips.counts
    assert counts["unreadable_file"] == 3
    assert counts["malformed_json"] == 2 and counts["invalid_utf8"] == 1
    examples = " | ".join(corpus.skips.examples["unreadable_file"])
    for name, reason in (
        ("b_utf16.jsonl", "not UTF-8"),
        ("c_broken.parquet", "cannot read parquet"),
        ("e_unknown.jsonl", "no known format fits"),
    ):
        assert f"{tmp_path / name}: {reason}" in examples


def test_folder_with_no_readable_member_is_an_error_saying_why(tmp_path):
    (tmp_path / "a.jsonl").write_bytes("x".encode("utf-16"))
    with pytest.raises(InputError, match=r"no file in the folder holds readable records.*"):
        open_corpus(str(tmp_path))


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_broken_gzip_names_the_file_and_how_far_it_got(tmp_path, damage):
    data = bytearray(
        gzip.compress("".join(json.dumps(_rec(i)) + "\n" for i in range(20_000)).encode())
    )
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        data[len(data) // 2 : len(data) // 2 + 32] = bytes(32)
    path = tmp_path / "c.jsonl.gz"
    path.write_bytes(bytes(data))
    corpus = open_corpus(str(path))
    n = 0
    with pytest.raises(InputError) as e:
        for _ in corpus.iter_utterances():
            n += 1
    assert n > 1000  # records before the damage were read
    msg = str(e.value)
    assert msg.startswith(f"{path}: gzip data is {damage} after ") and "\n" not in msg


def test_oasst_rows_with_odd_ids_or_text_are_counted_and_never_lose_their_tree(tmp_path):
    """Found by tests/fuzz: a list-valued parent_id crashed the tree resolve (traceback, and
    the buffered rows were lost); a lone surrogate in a later row's role reached the output."""

    def row(mid, parent, tree, role="prompter", text="hello"):
        return {
            "message_id": mid,
            "parent_id": parent,
            "message_tree_id": tree,
            "role": role,
            "text": text,
            "lang": "en",
        }

    rows = [
        row("a", None, "t1"),
        row("b", "a", "t1", "assistant"),
        row("c", ["a"], "t1"),  # not an id
        row("d", None, "t2", role="x\ud800"),
        row(7, None, 7),  # numeric ids are ids
        row("e", 7, 7, "assistant"),
    ]
    path = tmp_path / "o.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus = open_corpus(str(path))
    got = [(u.example_id, u.turn) for u in corpus.iter_utterances()]
    assert got == [("t1", 0), ("t1", 1), ("7", 0), ("7", 1)]
    assert corpus.skips.counts == {"wrong_type": 1, "invalid_unicode": 1}
    assert corpus.skips.examples["wrong_type"] == [
        f"{path}:3: field 'parent_id': expected an id, got list"
    ]
