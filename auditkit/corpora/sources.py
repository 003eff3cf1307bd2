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
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from auditkit.errors import AuditkitError, InputError
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


def _open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


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


def _json_error(path: Path, e: json.JSONDecodeError, base_offset: int = 0) -> InputError:
    return InputError(
        f"invalid JSON at line {e.lineno} column {e.colno} (char {base_offset + e.pos}): {e.msg}",
        path,
    )


class JsonArrayFile(RecordSource):
    """A JSON file holding one array of records; positions are 1-based item numbers.

    Invalid JSON is an error naming the file and the position (a broken array has no reliable
    record boundaries to resume from). Large arrays are decoded item by item.
    """

    def __init__(self, path: Path, label: str, max_record_bytes: int) -> None:
        self.path = path
        self.label = label
        self.display = str(path)
        self.max_record_bytes = max_record_bytes

    def where(self, pos: int) -> tuple[str, int | None]:
        return f"{self.display} item {pos}", None

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        if self.path.name.lower().endswith(".gz") or (
            self.path.stat().st_size > JSON_ARRAY_WHOLE_MAX_BYTES
        ):
            yield from self._stream()
            return
        with open(self.path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise InputError(f"not UTF-8 at byte {e.start}: {e.reason}", self.path) from None
        del data
        try:
            items = json.loads(text)
        except json.JSONDecodeError as e:
            raise _json_error(self.path, e) from None
        if not isinstance(items, list):
            raise InputError(
                f"expected a JSON array of records (or one JSON object per line), "
                f"got a JSON {type(items).__name__}",
                self.path,
            )
        yield from enumerate(items, 1)

    def sniff_records(self, n: int) -> list[Any]:
        # Detection decodes only the first items (the whole-file parse waits for iteration).
        out: list[Any] = []
        for _, rec in self._stream():
            out.append(rec)
            if len(out) >= n:
                break
        return out

    def _stream(self) -> Iterator[tuple[int, Any]]:
        """Decode ``[item, item, ...]`` incrementally with ``raw_decode`` over a sliding buffer."""
        decoder = json.JSONDecoder()
        with _open_binary(self.path) as fb:
            reader = io.TextIOWrapper(fb, encoding="utf-8-sig")
            buf = ""
            pos = 0
            eof = False
            # what was dropped from the front of buf so far, for error positions
            dropped_chars = 0
            dropped_lines = 0
            dropped_tail = 0  # characters after the last newline dropped

            def fill() -> bool:
                nonlocal buf, pos, eof, dropped_chars, dropped_lines, dropped_tail
                try:
                    chunk = reader.read(1 << 20)
                except UnicodeDecodeError as e:
                    raise InputError(f"not UTF-8: {e.reason}", self.path) from None
                if not chunk:
                    eof = True
                    return False
                gone = buf[:pos]
                dropped_chars += len(gone)
                nl = gone.rfind("\n")
                if nl >= 0:
                    dropped_lines += gone.count("\n")
                    dropped_tail = len(gone) - nl - 1
                else:
                    dropped_tail += len(gone)
                buf = buf[pos:] + chunk
                pos = 0
                return True

            def skip_ws() -> None:
                nonlocal pos
                while True:
                    while pos < len(buf) and buf[pos] in " \t\r\n":
                        pos += 1
                    if pos < len(buf) or not fill():
                        return

            def err(msg: str, at: int | None = None) -> InputError:
                i = pos if at is None else at
                line = dropped_lines + buf.count("\n", 0, i) + 1
                nl = buf.rfind("\n", 0, i)
                col = i - nl if nl >= 0 else dropped_tail + i + 1
                return InputError(
                    f"invalid JSON at line {line} column {col} (char {dropped_chars + i}): {msg}",
                    self.path,
                )

            skip_ws()
            if pos >= len(buf) or buf[pos] != "[":
                raise err("expected '[' starting an array of records")
            pos += 1
            index = 0
            skip_ws()
            if pos < len(buf) and buf[pos] == "]":
                return
            while True:
                skip_ws()
                while True:
                    try:
                        rec, end = decoder.raw_decode(buf, pos)
                    except json.JSONDecodeError as e:
                        # Possibly just cut off by the buffer end: read more and retry.
                        if eof or not fill():
                            raise err(e.msg, e.pos) from None
                        if len(buf) - pos > self.max_record_bytes + (1 << 20):
                            raise err(
                                f"an array item exceeds max_record_bytes {self.max_record_bytes:,}"
                            ) from None
                        continue
                    if end >= len(buf) and not eof and fill():
                        continue  # a scalar may continue past the buffer end: decode again
                    break
                pos = end
                index += 1
                yield index, rec
                skip_ws()
                if pos >= len(buf):
                    raise err("unexpected end of file inside the array")
                if buf[pos] == ",":
                    pos += 1
                elif buf[pos] == "]":
                    return
                else:
                    raise err(f"expected ',' or ']' after item {index}, got {buf[pos]!r}")


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
        for batch in pf.iter_batches(batch_size=self.batch_rows):
            for rec in batch.to_pylist():
                yield row, rec
                row += 1


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
            io.TextIOWrapper(fb, encoding="utf-8-sig", newline="") as f,
        ):
            reader = self._reader(f)
            row = 0
            try:
                for rec in reader:
                    yield row, rec
                    row += 1
            except UnicodeDecodeError as e:
                raise InputError(f"not UTF-8 near row {row}: {e.reason}", self.path) from None
            except csv.Error as e:
                raise InputError(f"malformed CSV near row {row}: {e}", self.path) from None


class HubSplit(RecordSource):
    """A Hugging Face dataset split, streamed with ``datasets`` (imported lazily)."""

    row_based = True

    def __init__(
        self, hub_id: str, config: str | None, split: str | None, revision: str | None
    ) -> None:
        self.hub_id = hub_id
        self.config = config
        self.split = split
        self.revision = revision
        self.label = hub_id
        self.display = hub_id + (f"[{split}]" if split else "")
        self._dataset: Any = None

    def _load(self) -> Any:
        if self._dataset is not None:
            return self._dataset
        from auditkit import hub

        ds = hub.load_dataset(
            self.hub_id,
            self.config,
            split=self.split,
            revision=self.revision,
            streaming=True,
            hint="pass a local file or folder instead",
        )
        if self.split is None and hasattr(ds, "keys"):
            names = list(ds.keys())
            pick = "train" if "train" in names else (names[0] if len(names) == 1 else None)
            if pick is None:
                raise AuditkitError(
                    f"hub dataset {self.hub_id!r} has several splits ({', '.join(names)}); "
                    "pass --split NAME"
                )
            self.split = pick
            self.display = f"{self.hub_id}[{pick}]"
            ds = ds[pick]
        self._dataset = ds
        return ds

    def records(self, skips: SkipLog) -> Iterator[tuple[int, Any]]:
        ds = self._load()
        row = 0
        it = iter(ds)
        while True:
            try:
                rec = next(it)
            except StopIteration:
                return
            except Exception as e:
                raise AuditkitError(
                    f"reading hub dataset {self.display} failed at row {row} (offline?): "
                    f"{type(e).__name__}: {e}"
                ) from None
            yield row, rec
            row += 1

    def columns(self) -> list[str] | None:
        features = getattr(self._load(), "features", None)
        return list(features) if features else None


def file_source(path: Path, label: str, max_record_bytes: int) -> RecordSource:
    """The RecordSource for one local file, by extension (a '.json' file is sniffed:
    an array when its first non-blank character is '[', else JSON Lines)."""
    suffix = corpus_suffix(path)
    if suffix in LINE_EXTS:
        return JsonLinesFile(path, label, max_record_bytes)
    if suffix == ".json":
        with _open_binary(path) as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith(b"["):
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
