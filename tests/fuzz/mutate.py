"""A seeded generator of malformed inputs: structural mutations of JSON documents and of
CSV/JSONL/parquet files, the kinds of damage a hand edit, a truncated download, another tool's
export or a hostile file produce. Deterministic for a seed, so a failure replays exactly."""

from __future__ import annotations

import copy
import csv
import io
import json
import random
from collections.abc import Iterator
from typing import Any

# Cell and leaf values that have broken readers before: empty, out of domain, non-finite,
# wrong type, markup, control sequences, other encodings' characters, huge.
ODD_VALUES: list[Any] = [
    "",
    " ",
    "7",
    "-1",
    "0.5",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e999",
    "abc",
    "True",
    "None",
    "null",
    "[/bold]",
    "[link=http://x]y[/link]",
    "\x1b[31mred\x1b]8;;http://x\x1b\\",
    "\u202eevil",
    "é漢字",
    "\x00",
    '"',
    ",",
    "\n",
    "x" * 5000,
]
ODD_JSON: list[Any] = [
    None,
    "x",
    "",
    0,
    -5,
    7,
    1e308,
    -1e308,
    True,
    [],
    {},
    [1, "a", None],
    {"a": {"b": []}},
    "[/bold]",
    "\x1b[2J",
]


def _paths(doc: Any, prefix: tuple = ()) -> Iterator[tuple]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from _paths(v, prefix + (i,))


def _set(doc: Any, path: tuple, value: Any, delete: bool = False) -> Any:
    if not path:
        return value
    cur = doc
    for p in path[:-1]:
        cur = cur[p]
    if delete:
        if isinstance(cur, dict):
            cur.pop(path[-1], None)
        else:
            cur.pop(path[-1])
    else:
        cur[path[-1]] = value
    return doc


def json_variants(doc: Any, seed: int, n: int) -> Iterator[tuple[str, bytes]]:
    """``n`` malformed variants of a JSON document: (description, bytes)."""
    rng = random.Random(seed)
    paths = list(_paths(doc))
    text = json.dumps(doc)
    for i in range(n):
        kind = rng.choice(["leaf", "leaf", "leaf", "delete", "bytes", "nonfinite", "extra"])
        d = copy.deepcopy(doc)
        path = rng.choice(paths)
        if kind == "leaf":
            val = rng.choice(ODD_JSON)
            yield f"{i}: {path} = {val!r}", json.dumps(_set(d, path, val)).encode()
        elif kind == "delete" and path:
            yield f"{i}: del {path}", json.dumps(_set(d, path, None, delete=True)).encode()
        elif kind == "nonfinite":
            val = rng.choice([float("nan"), float("inf"), -float("inf")])
            yield f"{i}: {path} = {val}", json.dumps(_set(d, path, val)).encode()
        elif kind == "extra" and isinstance(d, dict):
            d[rng.choice(["zzz", "kind", "config", "rules"])] = rng.choice(ODD_JSON)
            yield f"{i}: extra key", json.dumps(d).encode()
        else:
            b = text.encode()
            cut = rng.randrange(len(b) + 1)
            op = rng.choice(["truncate", "insert", "utf16", "deep"])
            if op == "truncate":
                yield f"{i}: truncated at {cut}", b[:cut]
            elif op == "insert":
                yield (
                    f"{i}: bytes at {cut}",
                    b[:cut] + bytes(rng.randrange(256) for _ in range(3)) + b[cut:],
                )
            elif op == "utf16":
                yield f"{i}: utf-16", text.encode("utf-16")
            else:
                yield f"{i}: deep nesting", b"[" * 50000 + b"]" * 50000


def read_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def write_rows(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def csv_variants(
    data: bytes, seed: int, n: int, columns: list[str] | None = None
) -> Iterator[tuple[str, bytes]]:
    """``n`` malformed variants of a CSV file. ``columns``: the columns to aim cell
    mutations at (default: any)."""
    rng = random.Random(seed)
    rows = read_rows(data)
    header = rows[0]
    targets = [header.index(c) for c in (columns or header) if c in header]
    for i in range(n):
        r = copy.deepcopy(rows)
        kind = rng.choice(
            [
                "cell",
                "cell",
                "cell",
                "cells",
                "ragged",
                "short",
                "dropcol",
                "dupcol",
                "bytes",
                "encoding",
                "empty",
                "blank",
            ]
        )
        if kind in ("cell", "cells") and len(r) > 1:
            for _ in range(1 if kind == "cell" else rng.randint(2, 10)):
                row = rng.randrange(1, len(r))
                col = rng.choice(targets)
                r[row][col] = rng.choice(ODD_VALUES)
            yield f"{i}: {kind}", write_rows(r)
        elif kind == "ragged" and len(r) > 1:
            r[rng.randrange(1, len(r))].append("extra")
            yield f"{i}: ragged", write_rows(r)
        elif kind == "short" and len(r) > 1:
            row = r[rng.randrange(1, len(r))]
            del row[rng.randrange(len(row)) :]
            yield f"{i}: short row", write_rows(r)
        elif kind == "dropcol":
            c = rng.randrange(len(header))
            yield f"{i}: drop column {header[c]}", write_rows([x[:c] + x[c + 1 :] for x in r])
        elif kind == "dupcol":
            c = rng.choice(targets)
            yield (
                f"{i}: duplicate column {header[c]}",
                write_rows([x + [x[c]] if len(x) > c else x for x in r]),
            )
        elif kind == "bytes":
            b = write_rows(r)
            cut = rng.randrange(len(b) + 1)
            op = rng.choice(["truncate", "insert", "delete"])
            if op == "truncate":
                yield f"{i}: truncated at {cut}", b[:cut]
            elif op == "insert":
                yield (
                    f"{i}: bytes at {cut}",
                    b[:cut] + bytes(rng.randrange(256) for _ in range(2)) + b[cut:],
                )
            else:
                yield f"{i}: deleted at {cut}", b[:cut] + b[cut + rng.randint(1, 20) :]
        elif kind == "encoding":
            enc = rng.choice(["utf-16", "latin-1", "cp1252"])
            text = write_rows(r).decode("utf-8") + "é\n"
            yield f"{i}: {enc}", text.encode(enc, errors="replace")
        elif kind == "empty":
            yield f"{i}: empty", rng.choice([b"", b"\n", write_rows(r[:1])])
        else:
            b = write_rows(r)
            yield f"{i}: blank lines / BOM", b"\xef\xbb\xbf" + b.replace(b"\n", b"\n\n", 3)
