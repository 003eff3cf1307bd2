"""Small I/O helpers shared by every side: atomic writes, stable JSON, run folders, hashes."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

REPORTS_DIR = Path("reports")
_UMASK = os.umask(0)
os.umask(_UMASK)


def slug(name: str) -> str:
    """A file-system-safe folder name for a corpus, model or task id, distinct for distinct
    names: 'allenai/tulu' -> 'allenai__tulu'. Where the readable form does not map back to the
    name ('x__y', which would read as 'x/y'; spaces, markup or other characters replaced), a
    short hash of the name is appended, so 'x/y' and 'x__y' never share a run folder."""
    name = str(name)
    s = name.strip().replace("/", "__")
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", s).strip("-.")
    if s and s.replace("__", "/") == name:
        return s
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{s[:80]}-{digest}" if s else f"run-{digest}"


def default_out_dir(kind: str, name: str) -> Path:
    """The `--out` convention shared by all commands: reports/<kind>/<slug of name>/."""
    return REPORTS_DIR / kind / slug(Path(name).stem if os.sep in str(name) else name)


def _jsonable(o: Any) -> Any:
    if isinstance(o, dict):
        return {str(k): _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating, float)):
        f = float(o)
        # JSON has no NaN/inf: null keeps files readable by every parser (DuckDB, jq, JS)
        return None if (math.isnan(f) or math.isinf(f)) else f
    if isinstance(o, np.ndarray):
        return _jsonable(o.tolist())
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, Path):
        return str(o)
    return o


def dumps_json(obj: Any) -> str:
    """Deterministic JSON: sorted keys, NaN -> null, trailing newline."""
    return json.dumps(_jsonable(obj), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write via a temp file + rename so a killed run never leaves a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); outputs get the usual umask-based mode.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_json(path: str | Path, obj: Any) -> Path:
    atomic_write_bytes(path, dumps_json(obj).encode("utf-8"))
    return Path(path)


def read_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_parquet(table_or_df: Any, path: str | Path) -> Path:
    """Atomic parquet write of a pandas DataFrame or a pyarrow Table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = (
        table_or_df
        if isinstance(table_or_df, pa.Table)
        else pa.Table.from_pandas(table_or_df, preserve_index=False)
    )
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
    return path


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            h.update(b)
    return h.hexdigest()


def sha256_files(paths: Iterable[str | Path]) -> str:
    """One fingerprint for several files (order-independent: sorted by path)."""
    h = hashlib.sha256()
    for p in sorted(str(p) for p in paths):
        h.update(Path(p).name.encode())
        h.update(sha256_file(p).encode())
    return h.hexdigest()


def text_hash(text: str) -> str:
    """Stable 16-hex-digit content hash of a text (dedup key, stored instead of the text)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
