"""Sources (file kinds, folders, Hub, aliases), the Corpus API and `auditkit corpora`."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
import types

import pytest
from click.testing import CliRunner

from auditkit.cli.corpora import corpora
from auditkit.corpora import (
    ALIASES,
    FORMATS,
    SAMPLE_CORPUS_PATH,
    Corpus,
    Utterance,
    hub_split,
    open_corpus,
    sources,
)
from auditkit.errors import AuditkitError
from auditkit.io import sha256_file
from auditkit.skips import SkipLog
from tests.conftest import FIXTURES, require_shared

TULU = FIXTURES / "corpora" / "tulu_v2_sft_mixture.jsonl"


def _rows(path) -> list[tuple]:
    return [
        (u.example_id, u.source, u.role, u.turn, u.side, u.text, u.rank)
        for u in open_corpus(str(path)).iter_utterances()
    ]


def test_corpus_api_shape() -> None:
    corpus = open_corpus(str(TULU))
    assert isinstance(corpus, Corpus)
    assert corpus.name == str(TULU) and corpus.format == "messages"
    st = TULU.stat()
    assert corpus.inputs == [
        {
            "path": str(TULU),
            "sha256": sha256_file(TULU),
            "bytes": st.st_size,
            "mtime_ns": st.st_mtime_ns,
        }
    ]
    d = corpus.describe()
    assert d["name"] == str(TULU) and d["format"] == "messages" and d["kind"] == "file"
    assert d["hub_id"] is None and d["split"] is None and d["files"] == [str(TULU)]
    first = next(corpus.iter_utterances())
    assert isinstance(first, Utterance) and first.corpus == str(TULU)


def test_iteration_is_restartable_and_deterministic() -> None:
    corpus = open_corpus(str(FIXTURES / "corpora"))
    a = list(corpus.iter_utterances())
    b = list(corpus.iter_utterances())
    assert a == b and len(a) > 20
    # a pass abandoned half-way does not disturb the next one
    it = corpus.iter_utterances()
    next(it)
    assert list(corpus.iter_utterances()) == a


def test_open_is_lazy(tmp_path) -> None:
    # Only the first records are read when opening: damage further down shows up as skips
    # during iteration, not as an error (or a full read) in open_corpus.
    path = tmp_path / "c.jsonl"
    good = json.dumps({"id": "a", "messages": [{"role": "user", "content": "hi"}]})
    path.write_text("\n".join([good] * 5 + ["{broken"] * 3) + "\n", encoding="utf-8")
    corpus = open_corpus(str(path))
    assert corpus.skips.total == 0
    assert len(list(corpus.iter_utterances())) == 5
    assert corpus.skips.counts == {"malformed_json": 3}


def test_gzip_jsonl_reads_like_plain(tmp_path) -> None:
    gz = tmp_path / "tulu.jsonl.gz"
    with gzip.open(gz, "wb") as f:
        f.write(TULU.read_bytes())
    assert _rows(gz)[0][0] == "flan_v2_0"
    assert [r for r in _rows(gz)] == _rows(TULU)


def test_json_lines_inside_a_json_file(tmp_path) -> None:
    path = tmp_path / "tulu.json"
    path.write_bytes(TULU.read_bytes())
    assert open_corpus(str(path)).format == "messages"
    assert _rows(path) == _rows(TULU)


@pytest.mark.shared
def test_streamed_json_array_equals_json_load() -> None:
    path = require_shared("sft_chat", "llamafactory_lima.json")  # ~3 MB: many parser buffers
    with open(path, encoding="utf-8") as f:
        whole = json.load(f)
    streamed = [rec for _, rec in sources.JsonArrayFile(path, "x", 2**25).records(SkipLog())]
    assert streamed == whole


def test_csv_and_tsv_tables(tmp_path) -> None:
    rows = [
        {"instruction": "Translate: good morning", "input": "", "output": "Guten Morgen"},
        {"instruction": "Summarise", "input": "Line one,\nline two", "output": "Two lines."},
    ]
    for name, delim in (("a.csv", ","), ("a.tsv", "\t")):
        path = tmp_path / name
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=["instruction", "input", "output"], delimiter=delim)
            w.writeheader()
            w.writerows(rows)
        corpus = open_corpus(str(path))
        assert corpus.format == "alpaca"
        got = [(u.example_id, u.role, u.turn, u.text) for u in corpus.iter_utterances()]
        assert got == [
            (f"{name}:0", "user", 0, "Translate: good morning"),
            (f"{name}:0", "assistant", 1, "Guten Morgen"),
            (f"{name}:1", "user", 0, "Summarise\n\nLine one,\nline two"),
            (f"{name}:1", "assistant", 1, "Two lines."),
        ]


def test_csv_with_json_message_cells(tmp_path) -> None:
    path = tmp_path / "m.csv"
    msgs = [{"role": "user", "content": "Jambo"}, {"role": "assistant", "content": "Jambo!"}]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "messages"])
        w.writerow(["x1", json.dumps(msgs, ensure_ascii=False)])
    corpus = open_corpus(str(path), format="messages")
    assert [(u.example_id, u.role, u.text) for u in corpus.iter_utterances()] == [
        ("x1", "user", "Jambo"),
        ("x1", "assistant", "Jambo!"),
    ]


def test_text_lines_keep_blank_lines_and_strip_line_endings(tmp_path) -> None:
    path = tmp_path / "sw.txt"
    path.write_bytes(b"Habari yako?\r\n\nNinafurahi sana.\n   \nlast line without newline")
    corpus = open_corpus(str(path))
    assert corpus.format == "text"
    got = [(u.example_id, u.role, u.turn, u.text) for u in corpus.iter_utterances()]
    assert got == [
        ("sw.txt:1", "text", 0, "Habari yako?"),
        ("sw.txt:2", "text", 0, ""),
        ("sw.txt:3", "text", 0, "Ninafurahi sana."),
        ("sw.txt:4", "text", 0, "   "),
        ("sw.txt:5", "text", 0, "last line without newline"),
    ]


def test_text_records_in_jsonl(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        json.dumps({"id": "s1", "text": "Bonjour", "lang": "fr"}) + "\n", encoding="utf-8"
    )
    (u,) = list(open_corpus(str(path)).iter_utterances())
    assert (u.example_id, u.role, u.text, u.human_lang) == ("s1", "text", "Bonjour", "fr")


def test_folder_sorted_per_file_formats_and_relative_ids(tmp_path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "lines.txt").write_text("uno\ndos\n", encoding="utf-8")
    (tmp_path / "a.jsonl").write_bytes(TULU.read_bytes())
    (tmp_path / "notes.md").write_text("not a corpus", encoding="utf-8")
    (tmp_path / ".hidden.jsonl").write_text("{broken", encoding="utf-8")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    corpus = open_corpus(str(tmp_path))
    assert corpus.format == "messages+text"
    # every member is part of the input's fingerprint, the empty one too
    assert [i["path"] for i in corpus.inputs] == [
        str(tmp_path / "a.jsonl"),
        str(tmp_path / "b/lines.txt"),
        str(tmp_path / "empty.jsonl"),
    ]
    assert corpus.describe()["formats_by_file"] == {
        str(tmp_path / "a.jsonl"): "messages",
        str(tmp_path / "b/lines.txt"): "text",
    }
    utts = list(corpus.iter_utterances())
    assert [u.example_id for u in utts[-2:]] == ["b/lines.txt:1", "b/lines.txt:2"]
    assert utts[0].example_id == "flan_v2_0"
    # the empty member is reported, not silently ignored
    assert corpus.skips.counts == {"empty_file": 1}
    assert str(tmp_path / "empty.jsonl") in corpus.skips.examples["empty_file"][0]


def test_empty_folder_is_an_error(tmp_path) -> None:
    with pytest.raises(AuditkitError, match="folder holds no corpus files"):
        open_corpus(str(tmp_path))


def test_forced_format_overrides_detection(tmp_path) -> None:
    path = tmp_path / "p.jsonl"
    # UltraChat-like rows also carry `prompt`; forcing `text`-less messages reading is fine,
    # and forcing `alpaca` on them gives counted missing-field skips, not a crash.
    path.write_text(
        json.dumps({"prompt": "hi", "messages": [{"role": "user", "content": "hi"}]}) + "\n",
        encoding="utf-8",
    )
    assert open_corpus(str(path)).format == "messages"
    forced = open_corpus(str(path), format="alpaca")
    assert forced.format == "alpaca"
    assert list(forced.iter_utterances()) == []
    assert forced.skips.examples["missing_field"] == [f"{path}:1: field 'instruction'"]


def test_oasst_tree_split_into_runs_and_out_of_order_rows(tmp_path) -> None:
    def row(mid, parent, tree, role, text, rank=None):
        return {
            "message_id": mid,
            "parent_id": parent,
            "message_tree_id": tree,
            "role": role,
            "text": text,
            "lang": "es",
            "rank": rank,
        }

    rows = [
        row("a2", "a1", "A", "assistant", "respuesta", 0),  # child before its parent
        row("a1", None, "A", "prompter", "pregunta"),
        row("b1", None, "B", "prompter", "otra"),
        row("a3", "a2", "A", "prompter", "gracias"),  # tree A again, after tree B
        row("z1", "missing", "Z", "assistant", "huérfano"),
    ]
    path = tmp_path / "o.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    corpus = open_corpus(str(path))
    assert corpus.format == "oasst"
    got = [
        (u.extra["message_id"], u.example_id, u.role, u.turn, u.rank, u.human_lang)
        for u in corpus.iter_utterances()
    ]
    assert got == [
        ("a2", "A", "assistant", 1, 0, "es"),
        ("a1", "A", "user", 0, None, "es"),
        ("b1", "B", "user", 0, None, "es"),
        ("a3", "A", "user", 2, None, "es"),
        ("z1", "Z", "assistant", -1, None, "es"),
    ]
    assert corpus.skips.total == 0


# -- aliases and the Hub ---------------------------------------------------------------------


def test_aliases_registry() -> None:
    expected = {
        "tulu-sft": ("allenai/tulu-v2-sft-mixture", "train", "messages"),
        "ultrachat": ("HuggingFaceH4/ultrachat_200k", "train_sft", "messages"),
        "oasst1": ("OpenAssistant/oasst1", "train", "oasst"),
        "ultrafeedback": ("HuggingFaceH4/ultrafeedback_binarized", "train_prefs", "preference"),
        "nectar": ("berkeley-nest/Nectar", "train", "nectar"),
        "hh-rlhf": ("Anthropic/hh-rlhf", "train", "hh"),
    }
    for name, (hub_id, split, fmt) in expected.items():
        a = ALIASES.get(name)
        assert (a.hub_id, a.split, a.format) == (hub_id, split, fmt)
        assert a.format in FORMATS
    sample = ALIASES.get("sample")
    assert sample.hub_id is None and sample.path == SAMPLE_CORPUS_PATH
    assert SAMPLE_CORPUS_PATH.parts[-2:] == ("data", "sample_corpus.jsonl")


def test_sample_alias() -> None:
    if not SAMPLE_CORPUS_PATH.exists():
        pytest.skip(f"embedded sample corpus not written yet: {SAMPLE_CORPUS_PATH}")
    corpus = open_corpus("sample")
    assert corpus.format == "messages" and corpus.describe()["kind"] == "alias"
    assert corpus.describe()["alias"] == "sample"
    utts = list(corpus.iter_utterances())
    assert corpus.skips.total == 0
    assert len({u.example_id for u in utts}) >= 200
    assert all(u.source for u in utts)  # Tulu-like `dataset` field


def test_hub_commit_is_the_revision_when_it_is_a_sha_and_none_offline(monkeypatch) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert hub_split.hub_commit("owner/name", sha) == sha
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert hub_split.hub_commit("owner/name", "main") is None


class _FakeDatasets(types.ModuleType):
    """Stands in for `datasets` so the Hub code path runs offline (records the call)."""

    def __init__(self, rows: list[dict], fail: Exception | None = None) -> None:
        super().__init__("datasets")
        self.rows = rows
        self.fail = fail
        self.calls: list[tuple] = []

    def load_dataset(self, path, name=None, split=None, revision=None, streaming=False):
        self.calls.append((path, name, split, revision, streaming))
        if self.fail:
            raise self.fail
        return list(self.rows)


def test_hub_alias_streams_with_the_alias_split(monkeypatch) -> None:
    rows = [
        {
            "prompt": "Hi",
            "prompt_id": "p1",
            "chosen": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello!"},
            ],
            "rejected": [
                {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Go away"},
            ],
        },
    ]
    fake = _FakeDatasets(rows)
    monkeypatch.setitem(sys.modules, "datasets", fake)
    monkeypatch.setattr(hub_split, "hub_commit", lambda hub_id, revision: "c0ffee" * 6 + "0000")
    corpus = open_corpus("ultrafeedback", revision="abc123")
    assert fake.calls == [
        ("HuggingFaceH4/ultrafeedback_binarized", None, "train_prefs", "abc123", True)
    ]
    assert corpus.format == "preference" and corpus.name == "ultrafeedback"
    assert corpus.inputs == [
        {
            "hub_id": "HuggingFaceH4/ultrafeedback_binarized",
            "config": None,
            "split": "train_prefs",
            "revision": "abc123",
            "commit": "c0ffee" * 6 + "0000",  # what the revision resolved to
        }
    ]
    d = corpus.describe()
    assert (d["kind"], d["alias"], d["hub_id"], d["split"]) == (
        "alias",
        "ultrafeedback",
        "HuggingFaceH4/ultrafeedback_binarized",
        "train_prefs",
    )
    got = [(u.corpus, u.example_id, u.side, u.text) for u in corpus.iter_utterances()]
    assert got == [
        ("ultrafeedback", "p1", "prompt", "Hi"),
        ("ultrafeedback", "p1", "chosen", "Hello!"),
        ("ultrafeedback", "p1", "rejected", "Go away"),
    ]


def test_hub_id_detects_format_and_names_rows(monkeypatch) -> None:
    fake = _FakeDatasets([{"instruction": "Say hi", "output": "hi"}, {"instruction": "x"}])
    monkeypatch.setitem(sys.modules, "datasets", fake)
    corpus = open_corpus("someone/alpaca-like", split="test")
    assert corpus.format == "alpaca" and corpus.describe()["kind"] == "hub"
    assert [u.example_id for u in corpus.iter_utterances()] == [
        "someone/alpaca-like:0",
        "someone/alpaca-like:0",
    ]
    assert corpus.skips.examples["missing_field"] == [
        "someone/alpaca-like[test] row 1: field 'output'"
    ]


def test_hub_failure_is_a_clear_error(monkeypatch) -> None:
    fake = _FakeDatasets([], fail=ConnectionError("Couldn't reach the Hub"))
    monkeypatch.setitem(sys.modules, "datasets", fake)
    with pytest.raises(AuditkitError) as e:
        open_corpus("nectar")
    msg = str(e.value)
    assert "could not load dataset 'berkeley-nest/Nectar'" in msg
    assert "pass a local file or folder instead" in msg


@pytest.mark.slow
def test_hub_offline_for_real(tmp_path) -> None:
    # The real `datasets` path with the Hub switched off: fails fast with a clear message.
    code = (
        "from auditkit.corpora import open_corpus\n"
        "from auditkit.errors import AuditkitError\n"
        "for s in ('tulu-sft', 'someone/some-dataset'):\n"
        "    try:\n"
        "        open_corpus(s)\n"
        "    except AuditkitError as e:\n"
        "        print('ERR', e)\n"
    )
    env = dict(
        os.environ, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", HF_HOME=str(tmp_path / "hf")
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("ERR could not load dataset 'allenai/tulu-v2-sft-mixture'")
    assert lines[1].startswith("ERR could not load dataset 'someone/some-dataset'")
    assert all("HF_HUB_OFFLINE is set" in line for line in lines)
    assert all("pass a local file or folder instead" in line for line in lines)


def test_split_on_a_local_file_is_an_error() -> None:
    with pytest.raises(AuditkitError, match="split/revision apply to Hub datasets"):
        open_corpus(str(TULU), split="train")


# -- `auditkit corpora` ----------------------------------------------------------------------


def test_corpora_command_json() -> None:
    res = CliRunner().invoke(corpora, ["--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    by_name = {a["name"]: a for a in data["aliases"]}
    assert by_name["hh-rlhf"]["hub_id"] == "Anthropic/hh-rlhf"
    assert by_name["ultrachat"]["split"] == "train_sft"
    assert [f["name"] for f in data["formats"]] == FORMATS.names()
    assert {
        "messages",
        "sharegpt",
        "alpaca",
        "oasst",
        "preference",
        "hh",
        "sharegpt-pairwise",
        "nectar",
        "text",
        "turns",
    } == set(FORMATS.names())


def test_corpora_command_table(monkeypatch) -> None:
    from auditkit.console import console

    monkeypatch.setattr(console, "_width", 200)  # restored exactly (None = auto) afterwards
    res = CliRunner().invoke(corpora, [])
    assert res.exit_code == 0, res.output
    for text in ("allenai/tulu-v2-sft-mixture", "train_prefs", "berkeley-nest/Nectar", "[str]"):
        assert text in res.output
