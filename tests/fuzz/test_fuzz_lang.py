"""Fuzz `auditkit lang` with malformed variants of every corpus format in every container.

Each example is a small corpus of one format (messages, sharegpt, alpaca, oasst, preference,
hh, nectar, text) written as .jsonl / .json / .csv / .parquet / .txt, sometimes gzipped,
whose records are mutated (keys dropped, values of the wrong type, lone surrogates, deep
nesting, control characters, cut or undecodable lines, ragged CSV rows...). The command runs
as the CLI does (``auditkit.cli.main``) and must:

- exit 0, or 2 with a one-line error: never a traceback (any other exception fails the test);
- account for every record: each one is in the output (by its unique example id) or counted
  as a skip, and every utterance the reader yields is labelled or counted;
- write a summary whose totals add up (statuses sum to the total, shares to 1).

Examples per format: AUDITKIT_FUZZ_EXAMPLES (default 8, CI-sized; the `slow` variant runs more).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from auditkit.cli import main  # noqa: E402
from auditkit.corpora import open_corpus  # noqa: E402
from auditkit.langid.lang_run import read_utterances  # noqa: E402

pytestmark = pytest.mark.slow  # end-to-end runs

# end-to-end: subprocesses, whole commands (run with -m slow)
pytestmark = pytest.mark.slow

FORMATS = ("messages", "sharegpt", "alpaca", "oasst", "preference", "hh", "nectar", "text")
CONTAINERS = ("jsonl", "json", "csv", "parquet", "txt")
EXAMPLES = int(os.environ.get("AUDITKIT_FUZZ_EXAMPLES", "8"))

# Texts: real sentences, plus what breaks naive code (markup, escapes, RTL, NUL, emoji...).
SENTENCES = [
    "The weather is lovely today and we are going for a walk.",
    "Das Wetter ist heute herrlich und wir gehen spazieren.",
    "Hali ya hewa ni nzuri leo na tunaenda kutembea.",
    "今日は天気が良いので散歩に行きます。",
    "الطقس جميل اليوم وسنذهب في نزهة.",
]
ODD_TEXTS = [
    "",
    "   \n\t ",
    "[bold red]markup[/] [/bold]",
    "\x1b[31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07",
    "nul\x00byte",
    "\u202eevil rtl\u202c",
    "emoji 😀👍🏽",
    "```python\nprint('x')\n```",
    "a" * 5000,
    "\r\n\r\n",
]
LONE_SURROGATES = ["hello \ud800 world", "\udfff", "end \udbff"]

JUNK: list[Any] = [None, 0, -1, 3.5, True, [], {}, [1, "a"], {"k": "v"}, "x"]


class Deep:
    """A value nested ``n`` arrays deep. Kept symbolic (hypothesis prints examples, and
    json.dumps recurses): it is spliced into the JSON text as it is written."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __repr__(self) -> str:
        return f"Deep({self.n})"

    def token(self) -> str:
        return f"@@DEEP{self.n}@@"

    def text(self) -> str:
        return "[" * self.n + '"deep"' + "]" * self.n


def _dumps(value: Any) -> str:
    """json.dumps that writes Deep values as their nested text (ensure_ascii keeps a lone
    surrogate as the valid JSON escape "\\ud800")."""
    deeps: list[Deep] = []

    def default(o: Any) -> Any:
        if isinstance(o, Deep):
            deeps.append(o)
            return o.token()
        raise TypeError(type(o).__name__)

    text = json.dumps(value, ensure_ascii=True, default=default)
    for d in deeps:
        text = text.replace(json.dumps(d.token()), d.text(), 1)
    return text


# -- valid records -----------------------------------------------------------------------------


def _valid(fmt: str, i: int, text: str, other: str) -> dict[str, Any]:
    rid = f"id{i}"
    if fmt == "messages":
        return {
            "id": rid,
            "messages": [
                {"role": "user", "content": text},
                {"role": "assistant", "content": other},
            ],
        }
    if fmt == "sharegpt":
        return {
            "id": rid,
            "conversations": [{"from": "human", "value": text}, {"from": "gpt", "value": other}],
        }
    if fmt == "alpaca":
        return {"id": rid, "instruction": text, "input": "", "output": other}
    if fmt == "oasst":
        return {
            "message_id": rid,
            "parent_id": None,
            "message_tree_id": rid,
            "role": "prompter",
            "text": text,
            "lang": "en",
        }
    if fmt == "preference":
        return {"id": rid, "prompt": text, "chosen": other, "rejected": text + " " + other}
    if fmt == "hh":
        return {
            "id": rid,
            "chosen": f"\n\nHuman: {text}\n\nAssistant: {other}",
            "rejected": f"\n\nHuman: {text}\n\nAssistant: no",
        }
    if fmt == "nectar":
        return {
            "id": rid,
            "prompt": f"\n\nHuman: {text}\n\nAssistant:",
            "answers": [{"answer": other, "model": "m", "rank": 1}],
        }
    assert fmt == "text"
    return {"id": rid, "text": text}


ID_KEYS = {"oasst": ("message_id", "message_tree_id")}


def _unique_ids(fmt: str, rec: dict, i: int, how: int) -> None:
    """Give the record's id(s) an odd but still unique form (or none: then the reader's
    'file:line' fallback is unique), so every record stays countable by its example id."""
    forms = [f"id{i}", 1000 + i, [2000 + i], {"n": 3000 + i}, 4000.5 + i, None, "", "drop"]
    form = forms[how % len(forms)]
    for key in ID_KEYS.get(fmt, ("id",)):
        if form == "drop":
            rec.pop(key, None)
        else:
            rec[key] = form


# -- mutations -----------------------------------------------------------------------------------


@st.composite
def mutated_record(draw, fmt: str, i: int, allow_surrogates: bool) -> dict[str, Any]:
    text = draw(st.sampled_from(SENTENCES + ODD_TEXTS) | st.text(max_size=40))
    other = draw(st.sampled_from(SENTENCES + ODD_TEXTS))
    rec = _valid(fmt, i, text, other)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["drop", "junk", "deep", "surrogate", "nested", "ids"]))
        keys = [k for k in rec if k not in ID_KEYS.get(fmt, ("id",))]
        if op == "ids":
            _unique_ids(fmt, rec, i, draw(st.integers(0, 7)))
        elif not keys:
            continue
        elif op == "drop":
            rec.pop(draw(st.sampled_from(keys)))
        elif op == "junk":
            rec[draw(st.sampled_from(keys))] = draw(st.sampled_from(JUNK))
        elif op == "deep":
            rec[draw(st.sampled_from(keys))] = Deep(draw(st.sampled_from([3, 150, 3000])))
        elif op == "surrogate" and allow_surrogates:
            rec[draw(st.sampled_from(keys))] = draw(st.sampled_from(LONE_SURROGATES))
        elif op == "nested":
            # break one level down: a message without role, content parts, a null answer...
            k = draw(st.sampled_from(keys))
            v = rec[k]
            if isinstance(v, list) and v and isinstance(v[0], dict):
                inner = dict(v[0])
                if inner:
                    ik = draw(st.sampled_from(sorted(inner)))
                    inner[ik] = draw(
                        st.sampled_from([None, 5, [{"type": "text", "text": "part"}], [1], {}])
                    )
                rec[k] = [inner] + v[1:]
            elif isinstance(v, list):
                rec[k] = v + [draw(st.sampled_from(JUNK))]
    return rec


# -- containers ----------------------------------------------------------------------------------


def _json_line(rec: Any) -> bytes:
    return _dumps(rec).encode()


def _write(path: Path, container: str, fmt: str, records: list[dict], line_ops: list[int]) -> int:
    """Write the corpus; returns how many records it holds (a cut or undecodable line is
    still a record the reader must count; a JSON array broken by one is an error instead)."""
    if container == "jsonl":
        lines = []
        for rec, op in zip(records, line_ops):
            raw = _json_line(rec)
            if op == 1:
                raw = raw[: max(1, len(raw) // 2)]  # cut short: malformed JSON
            elif op == 2:
                raw = raw[:5] + b"\xff\xfe\xc3" + raw[5:]  # undecodable bytes
            elif op == 3:
                raw = b"[1, 2]" if len(raw) % 2 else b'"just a string"'  # not an object
            elif op == 4:
                raw = b'{"id": "x' + str(len(lines)).encode() + b'", "a": ' + b"[" * 2000
            lines.append(raw)
        path.write_bytes(b"\n".join(lines) + b"\n")
        return len(lines)
    if container == "json":
        path.write_bytes(b"[\n" + b",\n".join(_json_line(r) for r in records) + b"\n]")
        return len(records)
    if container == "txt":
        lines = []
        for rec, op in zip(records, line_ops):
            t = rec.get("text") if isinstance(rec.get("text"), str) else _dumps(rec)
            raw = " ".join(t.splitlines()).encode("utf-8", "surrogatepass")
            if op == 2:
                raw += b" \xff\xfe"
            lines.append(raw)
        path.write_bytes(b"\n".join(lines) + b"\n")
        return len(lines)
    # tables: nested values travel as JSON text (as in real CSV exports)
    keys = sorted({k for r in records for k in r})
    rows = [
        {k: (v if isinstance(v, str) or v is None else _dumps(v)) for k, v in r.items()}
        for r in records
    ]
    if container == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:  # native nested columns when the values agree in type (real exports)...
            if any(isinstance(v, Deep) for r in records for v in r.values()):
                raise TypeError("deep values travel as JSON text")
            table = pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in records])
        except (pa.ArrowException, TypeError, ValueError):  # ...else JSON text cells
            table = pa.Table.from_pylist([{k: r.get(k) for k in keys} for r in rows])
        pq.write_table(table, path)
        return len(rows)
    assert container == "csv"
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(keys)
    for r, op in zip(rows, line_ops):
        cells = ["" if r.get(k) is None else r[k] for k in keys]
        if op == 1:
            cells.append("extra cell")
        elif op == 2 and len(cells) > 1:
            cells = cells[:-1]
        w.writerow(cells)
    path.write_bytes(buf.getvalue().encode("utf-8", "surrogatepass"))
    return len(rows)


@st.composite
def corpora(draw, fmt: str):
    container = draw(st.sampled_from(CONTAINERS if fmt == "text" else CONTAINERS[:4]))
    # Arrow and the csv module take only valid Unicode; JSON carries lone surrogates.
    surrogates = container in ("jsonl", "json")
    n = draw(st.integers(1, 8))
    records = [draw(mutated_record(fmt, i, surrogates)) for i in range(n)]
    line_ops = [draw(st.sampled_from([0, 0, 0, 1, 2, 3, 4])) for _ in range(n)]
    gz = container != "parquet" and draw(st.booleans())
    forced = draw(st.booleans())
    return container, records, line_ops, gz, forced


# -- the property ------------------------------------------------------------------------------


def _run_cli(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def check_lang_on(tmp: Path, fmt: str, container: str, records, line_ops, gz, forced) -> None:
    path = tmp / f"corpus.{container}"
    n_records = _write(path, container, fmt, records, line_ops)
    if gz:
        gz_path = path.with_name(path.name + ".gz")
        gz_path.write_bytes(gzip.compress(path.read_bytes(), mtime=0))
        path.unlink()
        path = gz_path
    out = tmp / "out"
    args = ["lang", str(path), "--out", str(out), "-q", "--workers", "1", "--shard-size", "4"]
    args += ["--langdetect-impl", "reference", "--overwrite"]
    if forced:
        args += ["--format", fmt]
    code = _run_cli(args)
    assert code in (0, 1, 2), code
    _stat(fmt, container, gz, code, tmp, out)
    if code != 0:
        assert not (out / "summary.json").exists()
        return
    summary = json.loads((out / "summary.json").read_text())
    skips = summary["skips"]
    assert skips["total"] == sum(r["count"] for r in skips["by_reason"].values())
    total = summary["utterances_total"]
    assert total == sum(
        summary[f"utterances_{s}"] for s in ("agreed", "disagreed", "low_confidence", "empty")
    )
    shares = [r["share"] for r in summary["languages"]]
    if summary["utterances_agreed"]:
        assert abs(sum(shares) - 1.0) < 1e-9
    label_failed = skips["by_reason"].get("label_failed", {}).get("count", 0)
    reader_skips = skips["total"] - label_failed
    # every utterance the reader yields is labelled or counted
    corpus = open_corpus(str(path), format=fmt if forced else None)
    assert sum(1 for _ in corpus.iter_utterances()) == total + label_failed
    # every record is in the output or counted as a skip
    ids = set(read_utterances(out, columns=["example_id"])["example_id"]) if total else set()
    assert len(ids) + reader_skips == n_records, (len(ids), skips, n_records)


def _stat(fmt: str, container: str, gz: bool, code: int, tmp: Path, out: Path) -> None:
    """With AUDITKIT_FUZZ_STATS=FILE, append one JSON line per corpus tried (for figures)."""
    target = os.environ.get("AUDITKIT_FUZZ_STATS")
    if not target:
        return
    reasons = {}
    if code == 0:
        by = json.loads((out / "summary.json").read_text())["skips"]["by_reason"]
        reasons = {r: v["count"] for r, v in by.items()}
    row = {"format": fmt, "container": container + (".gz" if gz else ""), "exit": code}
    with open(target, "a", encoding="utf-8") as f:
        f.write(json.dumps({**row, "skips": reasons}) + "\n")


SETTINGS = dict(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_fuzz_lang(fmt: str, tmp_path_factory) -> None:
    @settings(max_examples=EXAMPLES, **SETTINGS)
    @given(corpora(fmt))
    def run(case) -> None:
        check_lang_on(tmp_path_factory.mktemp(f"fuzz-{fmt}"), fmt, *case)

    run()
