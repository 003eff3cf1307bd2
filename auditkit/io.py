"""Small I/O helpers shared by every side: atomic writes, stable JSON, run folders, hashes."""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import inspect
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from auditkit.errors import AuditkitError

try:
    import fcntl
except ImportError:  # Windows: no flock; run folders are then unlocked
    fcntl = None  # type: ignore[assignment]

REPORTS_DIR = Path("reports")
T = TypeVar("T")
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


# Errors of the file system that are the user's to fix (full disk, quota, read-only or
# forbidden folder): reported as one line naming the path, never as a traceback.
WRITE_ERRNOS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EFBIG: "file too large for the file system",
    errno.ENAMETOOLONG: "file name too long",
}


class OutputError(AuditkitError):
    """An output could not be written (full disk, read-only folder, a symlink in the way...)."""


def output_error(e: OSError, path: str | Path) -> OutputError:
    why = WRITE_ERRNOS.get(e.errno or -1) or e.strerror or str(e)
    return OutputError(
        f"cannot write {path}: {why}; free space or fix the folder (or choose another --out) "
        "and run the command again: finished work is kept"
    )


def _open_private_temp(path: Path) -> tuple[int, str]:
    """A new temp file beside ``path``: a unique name created with O_EXCL (mkstemp), so two
    writers never share one and a symlink planted at a predictable name is never followed."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    # mkstemp makes the file private (0600); outputs get the usual umask-based mode.
    os.fchmod(fd, 0o666 & ~_UMASK)
    return fd, tmp


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write via a unique temp file + atomic rename, so a killed run never leaves a
    half-written file and a reader sees the old file or the new one, never a mix.

    The rename replaces a symlink at ``path`` itself: nothing is written through it to the
    file it points to. OSErrors of the file system (full disk, read-only...) become an
    OutputError naming the path.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _open_private_temp(path)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as e:
        if e.errno in WRITE_ERRNOS:
            raise output_error(e, path) from None
        raise
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def write_json(path: str | Path, obj: Any) -> Path:
    atomic_write_bytes(path, dumps_json(obj).encode("utf-8"))
    return Path(path)


def read_json(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def parquet_bytes(table_or_df: Any) -> bytes:
    """A pandas DataFrame or pyarrow Table as parquet file bytes (zstd)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = (
        table_or_df
        if isinstance(table_or_df, pa.Table)
        else pa.Table.from_pandas(table_or_df, preserve_index=False)
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def write_parquet(table_or_df: Any, path: str | Path) -> Path:
    """Atomic parquet write of a pandas DataFrame or a pyarrow Table.

    Serialised in memory first (result tables and shards are small) so the file is written by
    the one atomic, symlink-safe path above."""
    atomic_write_bytes(path, parquet_bytes(table_or_df))
    return Path(path)


# -- run-folder lock ---------------------------------------------------------------------------

LOCK_FILE = ".auditkit.lock"
_held_locks: dict[str, tuple[int, int]] = {}  # real path of a folder -> (fd, depth)


class RunFolderBusy(AuditkitError):
    """Another process holds the lock of a run folder."""


def _lock_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        pid = os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        pid = ""
    return f"PID {pid}" if pid.isdigit() else "another process"


def _open_lock(lock_path: Path) -> int:
    try:
        # O_NOFOLLOW: a symlink planted at the lock's name is refused, not followed.
        return os.open(
            lock_path,
            os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
            0o644,
        )
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OutputError(
                f"{lock_path} is a symlink; remove it (auditkit never writes through a symlink)"
            ) from None
        if e.errno in WRITE_ERRNOS:
            raise output_error(e, lock_path) from None
        raise


def _still_linked(fd: int, lock_path: Path) -> bool:
    """Whether the locked file is still the one at lock_path (a run that wrote nothing removes
    its folder and lock file on exit; a process that opened the file just before must retry)."""
    try:
        return os.fstat(fd).st_ino == os.stat(lock_path, follow_symlinks=False).st_ino
    except OSError:
        return False


@contextlib.contextmanager
def run_folder_lock(folder: str | Path) -> Iterator[Path]:
    """Hold an exclusive lock on a run folder for the whole run (``flock`` on
    ``<folder>/.auditkit.lock``). A second run on the same folder, from any process, fails at
    once naming the holder's PID. The lock ends with the process however it ends (the kernel
    drops it), so a killed run never leaves a stale lock. Re-entrant within one process.
    A folder the run created and left empty (it failed before writing) is removed again.
    """
    folder = Path(folder)
    key = os.path.realpath(folder)
    if key in _held_locks:
        fd, depth = _held_locks[key]
        _held_locks[key] = (fd, depth + 1)
        try:
            yield folder
        finally:
            fd, depth = _held_locks[key]
            _held_locks[key] = (fd, depth - 1)
        return
    lock_path = folder / LOCK_FILE
    for _ in range(20):
        created = not folder.exists()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            if e.errno in WRITE_ERRNOS or e.errno == errno.EEXIST:
                raise output_error(e, folder) from None
            raise
        fd = _open_lock(lock_path)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(fd)
            os.close(fd)
            raise RunFolderBusy(
                f"{folder} is in use by another auditkit run ({holder}); wait for it "
                "to finish or use another --out"
            ) from None
        if _still_linked(fd, lock_path):
            break
        os.close(fd)  # locked a file its holder had just removed: take the new one
    else:  # pragma: no cover - only under a storm of runs starting and failing at once
        raise RunFolderBusy(f"{folder}: could not take its lock; try again")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held_locks[key] = (fd, 1)
        try:
            yield folder
        finally:
            del _held_locks[key]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                if created and [p.name for p in folder.iterdir()] == [LOCK_FILE]:
                    # unlink while still holding the lock: see _still_linked
                    os.unlink(lock_path)
                    folder.rmdir()
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while b := f.read(chunk):
            h.update(b)
    return h.hexdigest()


def text_hash(text: str) -> str:
    """Stable 16-hex-digit content hash of a text (dedup key, stored instead of the text)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _remove_if_only_lock(folder: Path) -> None:
    with contextlib.suppress(OSError):
        if [p.name for p in folder.iterdir()] == [LOCK_FILE]:
            (folder / LOCK_FILE).unlink()
            folder.rmdir()


def holds_run_folder(
    folder_of: Callable[[dict[str, Any]], str | Path | None],
) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorate an API function that writes a run folder so that it holds the folder's lock
    (``run_folder_lock``) from its first line to its last. ``folder_of`` gets the call's
    arguments (defaults applied) and returns the folder, or None for none; an exception in
    it leaves the function to report the bad argument itself."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            try:
                bound = sig.bind(*args, **kwargs)
                bound.apply_defaults()
                folder = folder_of(bound.arguments)
            except Exception:
                folder = None
            if folder is None:
                return fn(*args, **kwargs)
            existed = Path(folder).exists()
            try:
                with run_folder_lock(folder):
                    return fn(*args, **kwargs)
            except BaseException:
                if not existed:  # a run that failed before writing anything leaves no folder
                    _remove_if_only_lock(Path(folder))
                raise

        return wrapper

    return decorate
