"""Strict readers of the tabular files users hand to `eval score`, `probe-rm --scores`, `report`
and `check`: UTF-8 CSV whose every row has as many cells as the header, and parquet.

pandas alone cuts a row with more cells than the header into the index, pads a short row with
NaN, decodes nothing but UTF-8 with a traceback, and raises a different exception class for each
kind of damage. These readers turn all of that into one ``InputError`` naming the file, the row
(spreadsheet numbering: the header is row 1) and, where known, the field.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.errors import InputError

# The csv module refuses fields over 128 KiB by default; generations and probability lists can
# be longer. Bounded anyway so a file without a closing quote cannot hold the whole file.
_FIELD_LIMIT = min(sys.maxsize, 64 << 20)


def decode_utf8(data: bytes, path: str | Path) -> str:
    """``data`` as text; a byte that is not UTF-8 is an error naming its line and offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        hint = (
            " (it looks like UTF-16: save it as UTF-8)"
            if data[:2] in (b"\xff\xfe", b"\xfe\xff")
            else ""
        )
        raise InputError(
            f"not UTF-8: byte 0x{data[e.start]:02x} at offset {e.start}{hint}", path, line
        ) from None


def read_text(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path) from None
    return decode_utf8(data, path)


def _check_rows(text: str, path: str | Path) -> list[int]:
    """Spreadsheet row number of each data record; a record whose cell count differs from the
    header's is an error."""
    old = csv.field_size_limit()
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise InputError(f"not a readable CSV header: {e}", path, 1) from None
        if not header:
            raise InputError("empty CSV: no header row", path, 1)
        width, rows = len(header), []
        row = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                raise InputError(f"not a readable CSV row: {e}", path, row + 1) from None
            row += 1
            if not cells:  # a blank line: pandas skips it too
                continue
            rows.append(row)
            if len(cells) != width:
                what = "more" if len(cells) > width else "fewer"
                raise InputError(
                    f"row has {len(cells)} cells, {what} than the header's {width}: a ragged or "
                    "cut row (quote cells that hold the delimiter)",
                    path,
                    row,
                )
        return rows
    finally:
        csv.field_size_limit(old)


def read_csv(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_csv`` of a checked UTF-8 CSV (``kwargs`` go to pandas). The frame's index
    is the spreadsheet row number of each record (header = row 1, blank lines counted)."""
    text = read_text(path)
    rows = _check_rows(text, path)
    try:
        df = pd.read_csv(io.StringIO(text), **kwargs)
    except (ValueError, pd.errors.ParserError, csv.Error) as e:
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"not a readable CSV: {msg}", path) from None
    df.index = rows if len(rows) == len(df) else range(2, len(df) + 2)
    return df


def csv_header(path: str | Path) -> list[str]:
    """The header of a CSV file, or [] when it is no readable CSV (for format detection)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            return next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return []


def read_parquet(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """``pd.read_parquet`` with one-line errors for files that are not parquet or are cut."""
    try:
        return pd.read_parquet(path, **kwargs)
    except OSError as e:
        raise InputError(f"cannot read as parquet: {e.strerror or e}", path) from None
    except Exception as e:  # pyarrow raises ArrowInvalid, ArrowTypeError, ... for damaged files
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InputError(f"not a readable parquet file: {msg}", path) from None
