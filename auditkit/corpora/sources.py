"""Record sources: where raw records come from (local files of several kinds, or the Hub).

A source yields ``(position, record)`` pairs in a deterministic order and counts what it cannot
read in a SkipLog instead of stopping. Positions are 1-based line numbers for line-oriented files
(``.jsonl``, ``.txt``; JSON arrays too, where the position is the item's 1-based index) and 0-based
row indices for tables (``.parquet``, ``.csv``) and the Hub; ``where(pos)`` turns a position into
the ``(path, line)`` pair that skips and errors print.

Line-oriented files are read in binary with a bounded ``readline`` and decoded per line, so one
undecodable or enormous line becomes a counted skip (``invalid_utf8``, ``record_too_large``) and
never an exception or an unbounded allocation.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from auditkit.errors import InputError
from auditkit.skips import SkipLog

# Extensions read as local corpus files ('.gz' variants are decompressed on the fly).
LINE_EXTS = (".jsonl", ".ndjson")
SUFFIXES = (".jsonl", ".ndjson", ".json", ".parquet", ".csv", ".tsv", ".txt")

# A JSON array file is parsed whole below this size; above it, item by item (bounded memory).
JSON_ARRAY_WHOLE_MAX_BYTES = 64 * 2**20
# How much of a too-large line is read per step while skipping over it.
_SKIP_CHUNK = 1 << 20


def corpus_suffix(path: Path) -> str:
    """The corpus kind of a file name: '.jsonl' for 'x.jsonl.gz', '' when not a corpus file."""
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for s in SUFFIXES:
        if name.endswith(s):
            return s
    return ""


class _CheckedGzip(gzip.GzipFile):
    """A gzip reader whose truncated or corrupt input raises an InputError naming the file
    and how far it got, instead of EOFError (which click reports as "aborted") or zlib.error."""

    def _checked(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except (EOFError, zlib.error, gzip.BadGzipFile) as e:
            what = "truncated" if isinstance(e, EOFError) else "corrupt"
            got = self._buffer.raw._pos if hasattr(self._buffer, "raw") else None
            at = f" after {got:,} decompressed bytes" if isinstance(got, int) else ""
            raise InputError(
                f"gzip data is {what}{at} ({e}); records before that point were read, "
                "re-download or re-compress the file",
                self.name,
            ) from None

    def read(self, size: int = -1) -> bytes:
        return self._checked(super().read, size)

    def read1(self, size: int = -1) -> bytes:
        return self._checked(super().read1, size)

    def readline(self, size: int | None = -1) -> bytes:
        return self._checked(super().readline, size)

    def peek(self, n: int) -> bytes:
        return self._checked(super().peek, n)


def _open_binary(path: Path) -> BinaryIO:
    try:
        if path.name.lower().endswith(".gz"):
            return _CheckedGzip(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")
    except OSError as e:  # unreadable (permissions, a dangling link...): the file's problem
        raise InputError(f"cannot read the file: {e.strerror or e}", path) from None


# Byte-order marks of encodings that are not UTF-8 (UTF-32 before UTF-16: it starts alike).
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def check_utf8_text(path: Path, head: bytes) -> None:
    """Refuse text input that is not UTF-8 at all (UTF-16/32, or binary): its every line
    would otherwise be skipped as undecodable or, worse, read as garbage."""
    for bom, name in _OTHER_BOMS:
        if head.startswith(bom):
            raise InputError(
                f"not UTF-8: the file starts with a {name} byte-order mark; convert it "
                f"(e.g. iconv -f {name} -t UTF-8)",
                path,
            )
    sample = head[:4096]
    if sample.count(b"\x00") * 8 > len(sample) > 0:
        raise InputError(
            "not UTF-8 text: NUL bytes throughout the start of the file (UTF-16 without a "
            "byte-order mark, or a binary file); convert it to UTF-8",
            path,
        )


# JSON nesting deeper than this is no corpus record (the deepest format nests 5 levels); the
# bound keeps the recursive decoders (json, and anything walking a record) far from Python's
# recursion limit.
MAX_JSON_DEPTH = 100
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``raw`` nests deeper than ``limit`` (strings ignored). Cheap for
    ordinary records: only a line with more than ``limit`` brackets is scanned."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for m in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", raw)):
        if m.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


# A JSON escape of a UTF-16 surrogate; a lone one decodes to a str that is not valid Unicode.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def invalid_unicode_at(value: Any) -> str | None:
    """The path ('messages[0].content') of the first string (or key) in a decoded record
    that is not valid Unicode (a lone surrogate: valid JSON, but no UTF-8 encoding exists);
    None when all are valid. Iterative: records are depth-bounded, but never recurse."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, v = stack.pop()
        if type(v) is str:
            if not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError as e:
                    return f"{path or 'value'} (U+{ord(v[e.start]):04X} at character {e.start})"
        elif isinstance(v, dict):
            for k, item in v.items():
                key = str(k)
                if not key.isascii():
                    try:
                        key.encode("utf-8")
                    except UnicodeEncodeError:
                        return f"{path or 'record'} (a key)"
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(v, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(v))
    return None


class RecordSource:
    """Base class: one input (a file, or a Hub split) that yields raw records."""

    label: str  # used in fallback example ids: '<label>:<pos>'
    display: str  # used in skip and error locations
    row_based: bool = False

    def where(self, pos: int) -> tuple[str, int | None]:
        if self.row_based:
            return f"{self.display} row {pos}", None
        return self.display, pos

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:  # pragma: no cover
        raise NotImplementedError

    def sniff_records(self, n: int) -> list[Any]:
        """The first ``n`` readable records (unreadable ones are skipped, not counted here:
        the full pass counts them)."""
        out: list[Any] = []
        scratch = SkipLog()
        for _, rec in self.records(scratch):
            out.append(rec)
            if len(out) >= n:
                break
        return out

    def columns(self) -> list[str] | None:
        """Column names for tables (checked against a format's required keys), else None."""
        return None


class RenamedFields(RecordSource):
    """Another source whose records have fields renamed before format detection and
    conversion (``--text-field prompt_text`` reads ``prompt_text`` as ``text``): corpora
    whose schema differs from a known format only in a field name."""

    def __init__(self, inner: RecordSource, renames: dict[str, str]) -> None:
        self.inner = inner
        self.renames = dict(renames)
        self.label = inner.label
        self.display = inner.display
        self.row_based = inner.row_based

    def __getattr__(self, name: str) -> Any:  # commit, split, ... of the wrapped source
        return getattr(self.inner, name)

    def where(self, pos: int) -> tuple[str, int | None]:
        return self.inner.where(pos)

    def _rename(self, rec: Any) -> Any:
        if type(rec) is not dict:
            return rec
        targets = set(self.renames.values())
        out = {k: v for k, v in rec.items() if k not in targets}
        for src, dst in self.renames.items():
            if src in rec:
                out[dst] = rec[src]
        return out

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        for pos, rec in self.inner.records(skips):
            yield pos, self._rename(rec)

    def columns(self) -> list[str] | None:
        cols = self.inner.columns()
        if cols is None:
            return None
        targets = set(self.renames.values())
        kept = [c for c in cols if c not in targets]
        return kept + [dst for src, dst in self.renames.items() if src in cols]


class JsonLinesFile(RecordSource):
    """JSON Lines (also a '.json' file that holds one object per line), optionally gzipped."""

    def __init__(self, path: Path, label: str, max_record_bytes: int) -> None:
        self.path = path
        self.label = label
        self.display = str(path)
        self.max_record_bytes = max_record_bytes

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        for lineno, raw in _iter_lines(self.path, self.display, self.max_record_bytes, skips):
            if not raw.strip():
                continue  # blank lines separate nothing and hold no record
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                skips.add(
                    "invalid_utf8", self.display, lineno, detail=f"byte {e.start}: {e.reason}"
                )
                continue
            if json_too_deep(raw):
                skips.add(
                    "too_deeply_nested",
                    self.display,
                    lineno,
                    detail=f"JSON nests deeper than {MAX_JSON_DEPTH} levels",
                )
                continue
            try:
                rec = json.loads(text)
            except ValueError as e:
                msg = getattr(e, "msg", str(e))
                col = getattr(e, "colno", None)
                skips.add(
                    "malformed_json",
                    self.display,
                    lineno,
                    detail=f"{msg}" + (f" (column {col})" if col is not None else ""),
                )
                continue
            if _SURROGATE_ESCAPE.search(raw):
                bad = invalid_unicode_at(rec)
                if bad is not None:
                    skips.add(
                        "invalid_unicode", self.display, lineno, detail=f"lone surrogate in {bad}"
                    )
                    continue
            yield lineno, rec


class TextLinesFile(RecordSource):
    """Plain text: every line is one record (a str, without its line ending), blank ones too."""

    def __init__(self, path: Path, label: str, max_record_bytes: int) -> None:
        self.path = path
        self.label = label
        self.display = str(path)
        self.max_record_bytes = max_record_bytes

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        for lineno, raw in _iter_lines(self.path, self.display, self.max_record_bytes, skips):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                skips.add(
                    "invalid_utf8", self.display, lineno, detail=f"byte {e.start}: {e.reason}"
                )
                continue
            if text.endswith("\n"):
                text = text[:-2] if text.endswith("\r\n") else text[:-1]
            yield lineno, text


def _iter_lines(
    path: Path, display: str, max_bytes: int, skips: SkipLog
) -> Iterator[tuple[int, bytes]]:
    """Lines as bytes with 1-based numbers; a line longer than ``max_bytes`` is counted as
    ``record_too_large`` and skipped by reading it in bounded chunks (never held whole)."""
    with _open_binary(path) as f:
        lineno = 0
        while True:
            line = f.readline(max_bytes + 1)
            if not line:
                return
            lineno += 1
            if lineno == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]  # UTF-8 byte-order mark
            if len(line) > max_bytes and not line.endswith(b"\n"):
                size = len(line)
                del line
                while True:
                    chunk = f.readline(_SKIP_CHUNK)
                    size += len(chunk)
                    if not chunk or chunk.endswith(b"\n"):
                        break
                skips.add(
                    "record_too_large",
                    display,
                    lineno,
                    detail=f"{size:,} bytes > max_record_bytes {max_bytes:,}",
                )
                continue
            yield lineno, line


class _CountingReader(io.RawIOBase):
    """Counts the bytes a streaming parser has pulled, to measure each array item."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.f.read(size)
        self.consumed += len(data)
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _one_line(message: str) -> str:
    """A parser message on one line: yajl adds a context excerpt and a caret line."""
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    lines = [ln for ln in lines if "(right here)" not in ln]
    if len(lines) >= 2:
        return f"{lines[0]} near {lines[1][:60]!r}"
    return " ".join(lines)


class JsonArrayFile(RecordSource):
    """A JSON file holding one array of records; positions are 1-based item numbers.

    Items are decoded one at a time by ijson (a streaming parser: memory bounded by an item).
    An item larger than ``max_record_bytes`` or nested deeper than MAX_JSON_DEPTH is a counted
    skip, exactly as the same record on a JSON Lines line. Invalid JSON is an error naming the
    file and the last good item: a broken array has no reliable record boundary to resume from.
    """

    def __init__(self, path: Path, label: str, max_record_bytes: int) -> None:
        self.path = path
        self.label = label
        self.display = str(path)
        self.max_record_bytes = max_record_bytes
        # ijson reads this much at a time; an item's measured size is exact to within it.
        self.buf_size = min(1 << 16, max(256, max_record_bytes // 8))
        self._surrogates: bool | None = None

    def where(self, pos: int) -> tuple[str, int | None]:
        return f"{self.display} item {pos}", None

    def _has_surrogate_escapes(self) -> bool:
        """Whether the file holds a JSON surrogate escape anywhere (one C-speed scan, cached).
        The fast yajl backend turns a lone surrogate into '?' silently; such files are parsed
        by ijson's Python backend instead, which keeps it, so the record can be skipped as
        invalid_unicode exactly as on a JSON Lines line."""
        if self._surrogates is None:
            tail = b""
            found = False
            with _open_binary(self.path) as f:
                while chunk := f.read(1 << 20):
                    if _SURROGATE_ESCAPE.search(tail + chunk):
                        found = True
                        break
                    tail = chunk[-5:]
            self._surrogates = found
        return self._surrogates

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        import ijson

        check_unicode = self._has_surrogate_escapes()
        backend = ijson.get_backend("python") if check_unicode else ijson
        with _open_binary(self.path) as fb:
            head = fb.peek(4) if hasattr(fb, "peek") else b""
            if head.startswith(b"\xef\xbb\xbf"):
                fb.read(3)  # UTF-8 byte-order mark
            counting = _CountingReader(fb)
            events = backend.parse(counting, buf_size=self.buf_size, use_float=True)
            index = 0
            inside = False  # whether the error is inside item `index` or after it

            def where() -> str:
                at = f"(read {counting.consumed:,} bytes)"
                return f"in item {index} {at}" if inside else f"after item {index} {at}"

            try:
                prefix, event, _ = next(events, ("", None, None))
                if event != "start_array":
                    raise InputError(
                        "expected a JSON array of records (or one JSON object per line)",
                        self.path,
                    )
                while True:
                    start = counting.consumed
                    prefix, event, value = next(events)
                    if event == "end_array" and prefix == "":
                        return
                    index += 1
                    inside = True
                    item, problem = self._item(events, event, value, counting, start)
                    inside = False
                    if problem is None and check_unicode:
                        bad = invalid_unicode_at(item)
                        if bad is not None:
                            problem = ("invalid_unicode", f"lone surrogate in {bad}")
                    if problem is not None:
                        reason, detail = problem
                        skips.add(reason, f"{self.display} item {index}", detail=detail)
                        continue
                    yield index, item
            except ijson.JSONError as e:
                raise InputError(
                    f"invalid JSON {where()}: {_one_line(str(e))}", self.path
                ) from None
            except UnicodeDecodeError as e:
                raise InputError(f"not UTF-8 {where()}: {e.reason}", self.path) from None
            except StopIteration:
                raise InputError(
                    f"unexpected end of file inside the array {where()}", self.path
                ) from None

    def _item(
        self, events: Iterator, event: str, value: Any, counting: _CountingReader, start: int
    ) -> tuple[Any, tuple[str, str] | None]:
        """Build one array item from its events; (None, (reason, detail)) when it is too
        large or too deep (its remaining events are consumed, never built)."""
        import ijson

        if event not in ("start_map", "start_array"):
            return value, None  # a scalar item: not a record, the caller counts it
        builder = ijson.ObjectBuilder()
        builder.event(event, value)
        depth = 1
        problem: tuple[str, str] | None = None
        for _, event, value in events:
            if event in ("start_map", "start_array"):
                depth += 1
                if depth > MAX_JSON_DEPTH and problem is None:
                    problem = ("too_deeply_nested", f"JSON nests deeper than {MAX_JSON_DEPTH}")
            elif event in ("end_map", "end_array"):
                depth -= 1
            if problem is None:
                size = counting.consumed - start
                if size > self.max_record_bytes + self.buf_size:
                    problem = (
                        "record_too_large",
                        f"over {self.max_record_bytes:,} bytes (max_record_bytes)",
                    )
                    builder = None
                else:
                    builder.event(event, value)
            if depth == 0:
                break
        if problem is None and counting.consumed - start > self.max_record_bytes + self.buf_size:
            problem = (
                "record_too_large",
                f"over {self.max_record_bytes:,} bytes (max_record_bytes)",
            )
        return (None, problem) if problem is not None else (builder.value, None)


class ParquetFile(RecordSource):
    row_based = True

    def __init__(self, path: Path, label: str, batch_rows: int = 1024) -> None:
        self.path = path
        self.label = label
        self.display = str(path)
        self.batch_rows = batch_rows

    def _file(self):
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path)
        except Exception as e:  # pyarrow raises ArrowInvalid / OSError for broken files
            raise InputError(f"cannot read parquet file: {e}", self.path) from None

    def columns(self) -> list[str]:
        return list(self._file().schema_arrow.names)

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        pf = self._file()
        row = 0
        batches = pf.iter_batches(batch_size=self.batch_rows)
        while True:
            try:
                batch = next(batches, None)
            except Exception as e:  # a corrupt page or column chunk: no row boundary to resume
                raise InputError(
                    f"cannot read parquet file after row {row}: {type(e).__name__}: {e}",
                    self.path,
                ) from None
            if batch is None:
                return
            for rec in batch.to_pylist():
                yield row, rec
                row += 1


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class CsvFile(RecordSource):
    """CSV/TSV with a header row. Cells are strings; list-valued fields may hold JSON text."""

    row_based = True

    def __init__(self, path: Path, label: str) -> None:
        self.path = path
        self.label = label
        self.display = str(path)
        name = path.name.lower().removesuffix(".gz")
        self.delimiter = "\t" if name.endswith(".tsv") else ","

    def _reader(self, f: io.TextIOBase) -> csv.DictReader:
        return csv.DictReader(f, delimiter=self.delimiter)

    def columns(self) -> list[str]:
        with (
            _open_binary(self.path) as fb,
            io.TextIOWrapper(fb, encoding="utf-8-sig", errors="replace", newline="") as f,
        ):
            return list(self._reader(f).fieldnames or [])

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        csv.field_size_limit(2**31 - 1)
        with (
            _open_binary(self.path) as fb,
            # surrogateescape: an undecodable byte stays in its row (as a lone surrogate, found
            # below: that row is skipped as invalid_utf8) instead of ending the file.
            io.TextIOWrapper(fb, encoding="utf-8-sig", errors="surrogateescape", newline="") as f,
        ):
            reader = self._reader(f)
            width = len(reader.fieldnames or ())
            row = 0
            while True:
                try:
                    rec = next(reader)
                except StopIteration:
                    return
                except csv.Error as e:
                    # e.g. a NUL byte or an unterminated quote: this row only; the reader
                    # goes on with the next line.
                    skips.add("malformed_csv", f"{self.display} row {row}", detail=str(e))
                    row += 1
                    continue
                bad = next(
                    (
                        k
                        for k, v in rec.items()
                        if type(v) is str and not v.isascii() and _has_surrogate(v)
                    ),
                    None,
                )
                if bad is not None:
                    skips.add(
                        "invalid_utf8",
                        f"{self.display} row {row}",
                        field_name=str(bad),
                        detail="bytes that are not UTF-8",
                    )
                    row += 1
                    continue
                if None in rec or (width and None in rec.values()):
                    cells = width + len(rec.get(None) or ()) - sum(v is None for v in rec.values())
                    skips.add(
                        "ragged_row",
                        f"{self.display} row {row}",
                        detail=f"{cells} cells, the header has {width}",
                    )
                    row += 1
                    continue
                yield row, rec
                row += 1


def file_source(path: Path, label: str, max_record_bytes: int) -> RecordSource:
    """The RecordSource for one local file, by extension (a '.json' file is sniffed:
    an array when its first non-blank character is '[', else JSON Lines)."""
    suffix = corpus_suffix(path)
    if suffix != ".parquet":
        with _open_binary(path) as f:
            head = f.read(4096)
        check_utf8_text(path, head)
    if suffix in LINE_EXTS:
        return JsonLinesFile(path, label, max_record_bytes)
    if suffix == ".json":
        if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
            return JsonArrayFile(path, label, max_record_bytes)
        return JsonLinesFile(path, label, max_record_bytes)
    if suffix == ".parquet":
        if path.name.lower().endswith(".gz"):
            raise InputError("gzipped parquet is not supported (parquet compresses itself)", path)
        return ParquetFile(path, label)
    if suffix in (".csv", ".tsv"):
        return CsvFile(path, label)
    if suffix == ".txt":
        return TextLinesFile(path, label, max_record_bytes)
    raise InputError(
        f"unsupported file type; expected one of {', '.join(SUFFIXES)} (optionally .gz)", path
    )
