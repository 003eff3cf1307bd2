"""``open_corpus``: resolve a source (alias, Hub id, file or folder) into a streamable Corpus."""

from __future__ import annotations

import copy
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditkit.corpora.aliases import ALIASES, CorpusAlias
from auditkit.corpora.formats import FORMATS, Format, RecordSkip
from auditkit.corpora.hub_split import HubSplit
from auditkit.corpora.record import Utterance
from auditkit.corpora.sources import (
    SUFFIXES,
    RecordSource,
    RenamedFields,
    TextLinesFile,
    corpus_suffix,
    file_source,
)
from auditkit.errors import AuditkitError, InputError
from auditkit.io import sha256_file
from auditkit.skips import SkipLog

# How many readable records of each input are looked at to detect its format.
SNIFF_RECORDS = 5


@dataclass
class _Part:
    source: RecordSource
    fmt: Format | None  # None: a folder member without one readable record


class Corpus:
    """A corpus ready to stream: ``iter_utterances()`` yields normalised utterances.

    Each call starts a fresh pass (same order, same utterances), so the corpus can be read
    twice. ``skips`` counts what the latest pass could not read; it is reset at the start of
    every pass to what it held when the corpus was opened, so counts never double.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        parts: list[_Part],
        inputs: list[dict],
        skips: SkipLog,
        alias: CorpusAlias | None = None,
        hub: dict | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self._parts = parts
        self.inputs = inputs
        self.skips = skips
        self.alias = alias
        self._hub = hub
        names = sorted({p.fmt.name for p in parts if p.fmt is not None})
        self.format: str = names[0] if len(names) == 1 else "+".join(names)
        self._base_counts = Counter(skips.counts)
        self._base_examples = copy.deepcopy(skips.examples)

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, format={self.format!r}, kind={self.kind!r})"

    def _reset_skips(self) -> None:
        self.skips.counts.clear()
        self.skips.counts.update(self._base_counts)
        self.skips.examples.clear()
        self.skips.examples.update(copy.deepcopy(self._base_examples))

    def iter_utterances(self) -> Iterator[Utterance]:
        """Stream every utterance in a deterministic order, in constant memory."""
        self._reset_skips()
        for part in self._parts:
            yield from self._iter_part(part)

    def _iter_part(self, part: _Part) -> Iterator[Utterance]:
        src = part.source
        skips = self.skips
        name = self.name
        label = src.label

        def report(reason: str, pos: int, field: str | None, detail: str = "") -> None:
            path, line = src.where(pos)
            skips.add(reason, path, line, field, detail)

        if part.fmt is None:
            self._count_unreadable(src)
            return
        convert = part.fmt.make_converter(report)
        stateless = not convert.stateful
        text_ok = part.fmt.accepts_text_lines
        # the file each utterance came from (a folder member's relative path), for
        # per-file breakdowns; None for Hub splits
        source_file = None if self._hub else label
        last = 0
        for pos, rec in src.records(skips):
            if type(rec) is not dict and not (text_ok and type(rec) is str):
                report("not_an_object", pos, None, f"expected a JSON object, got {_kind(rec)}")
                continue
            try:
                utterances = convert(rec, name, label, pos)
            except RecordSkip as s:
                report(s.reason, pos, s.field, s.detail)
                continue
            except Exception as e:
                # The per-record guard: shapes the checks above did not foresee (a converter's
                # TypeError, a RecursionError on absurd nesting...) cost this record only.
                report("bad_record", pos, None, f"{type(e).__name__}: {e}")
                continue
            # (a stateful converter returns other records' utterances: the sources check
            # those records as they decode them, see sources.invalid_unicode_at)
            bad = invalid_unicode(utterances) if stateless else None
            if bad is not None:
                report("invalid_unicode", pos, bad[0], bad[1])
                continue
            if not utterances and stateless:
                # a record that yields nothing (an empty turn list...) is counted, not lost
                report("no_utterances", pos, None, "the record holds no utterance")
                continue
            if source_file is not None:
                for u in utterances:
                    u.extra["source_file"] = source_file
            yield from utterances
            last = pos
        try:
            tail = convert.flush()
        except Exception as e:  # a stateful converter's last group: same guard
            report("bad_record", last, None, f"{type(e).__name__}: {e}")
            tail = []
        for u in tail:
            if source_file is not None:
                u.extra["source_file"] = source_file
            yield u

    def _count_unreadable(self, src: RecordSource) -> None:
        """A folder member with no readable record: the pass counts each unreadable line with
        its own reason (a file that holds nothing at all counts once)."""
        n_before = self.skips.total
        for _ in src.records(self.skips):
            pass
        if self.skips.total == n_before:
            self.skips.add("empty_file", src.display, detail="no records; file skipped")

    def describe(self) -> dict[str, Any]:
        """Name, format, source kind (alias/hub/file/folder), hub id/split and files."""
        d: dict[str, Any] = {
            "name": self.name,
            "format": self.format,
            "kind": self.kind,
            "alias": self.alias.name if self.alias else None,
            "hub_id": None,
            "config": None,
            "split": None,
            "revision": None,
            "files": [i["path"] for i in self.inputs if "path" in i],
        }
        if self._hub:
            d.update(self._hub)
        if len({p.fmt.name for p in self._parts if p.fmt is not None}) > 1:
            d["formats_by_file"] = {
                p.source.display: p.fmt.name for p in self._parts if p.fmt is not None
            }
        return d


_UTTERANCE_STR_FIELDS = ("text", "example_id", "source", "role", "human_lang")


def invalid_unicode(utterances: list[Utterance]) -> tuple[str, str] | None:
    """(field, detail) when a string of these utterances is not valid Unicode: a lone
    surrogate (valid JSON: ``"\\ud800"``) cannot be encoded as UTF-8, so no detector or
    output file can take it. Such a record is skipped like an undecodable line."""
    for u in utterances:
        for name in _UTTERANCE_STR_FIELDS:
            v = getattr(u, name)
            if type(v) is str and not v.isascii():
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError as e:
                    return name, f"lone surrogate U+{ord(v[e.start]):04X} at character {e.start}"
    return None


def _kind(rec: Any) -> str:
    return {list: "an array", str: "a string", type(None): "null"}.get(
        type(rec), type(rec).__name__
    )


def _keys_seen(records: list[Any]) -> list[str]:
    keys: set[str] = set()
    for r in records:
        if isinstance(r, dict):
            keys.update(map(str, r))
    return sorted(keys)


def _formats_listing() -> str:
    return "; ".join(
        f"{n} ({', '.join('|'.join(g) for g in f.required)})" for n, f in FORMATS.items()
    )


def detect_format(records: list[Any]) -> Format | None:
    """The format that accepts most of ``records`` (at least half); ties go to the more
    specific format (registration order). None when nothing fits."""
    best: Format | None = None
    best_n = 0
    for _, fmt in FORMATS.items():
        n = sum(1 for r in records if fmt.sniff(r))
        if n > best_n:
            best, best_n = fmt, n
    if best is None or best_n * 2 < len(records):
        return None
    return best


def _resolve_format(source: RecordSource, forced: Format | None, where: str) -> Format:
    if isinstance(source, TextLinesFile):
        if forced is not None and not forced.accepts_text_lines:
            raise InputError(
                f"format {forced.name!r} cannot read plain-text lines; use format 'text' "
                "or a .jsonl/.json/.csv/.parquet file",
                where,
            )
        return FORMATS.get("text")
    fmt = forced
    if fmt is None:
        records = source.sniff_records(SNIFF_RECORDS)
        if not records:
            hint = (
                "; a .json file must hold an array of records or one JSON object per line"
                if corpus_suffix(Path(where)) == ".json"
                else ""
            )
            raise InputError(
                "no readable records to detect the format from (empty, or every line "
                f"unreadable){hint}; pass --format NAME to read it anyway",
                where,
            )
        fmt = detect_format(records)
        if fmt is None:
            raise InputError(
                f"no known format fits its first {len(records)} record(s) "
                f"(keys seen: {', '.join(_keys_seen(records)) or 'none: not JSON objects'}). "
                f"Known formats (required keys): {_formats_listing()}. "
                "Pass --format NAME to force one.",
                where,
            )
    columns = source.columns()
    if columns is not None:
        missing = fmt.missing_columns(columns)
        if missing:
            raise InputError(
                f"missing required column {missing[0]!r} for format {fmt.name!r} "
                f"(columns: {', '.join(columns)})",
                where,
                field=missing[0],
            )
    return fmt


def _renamed(src: RecordSource, renames: dict[str, str] | None) -> RecordSource:
    if not renames or isinstance(src, TextLinesFile):
        return src
    return RenamedFields(src, renames)


def _looks_like_path(source: str) -> bool:
    """Whether a non-existent source was meant as a local path (so the error says so)."""
    return (
        source.startswith(("/", "./", "../", "~", "."))
        or corpus_suffix(Path(source)) != ""
        or source.count("/") > 1
        or (os.sep != "/" and os.sep in source)
        or source.endswith("/")
    )


def file_fingerprint(path: Path) -> dict:
    """What identifies a local input's content: path, size, mtime and sha256. A run resumes
    only on the same size and hash (mtime is recorded, but a copy or `touch` keeps content)."""
    st = path.stat()
    return {
        "path": str(path),
        "sha256": sha256_file(path),
        "bytes": st.st_size,
        "mtime_ns": st.st_mtime_ns,
    }


def _folder_files(path: Path) -> list[Path]:
    """A folder's corpus files (hidden ones left out), in a stable order."""
    files = sorted(
        (
            p
            for p in path.rglob("*")
            if p.is_file()
            and corpus_suffix(p)
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        ),
        key=lambda p: p.relative_to(path).as_posix(),
    )
    if not files:
        raise InputError(
            f"folder holds no corpus files ({', '.join(SUFFIXES)}, optionally .gz)", path
        )
    return files


def _folder_part(
    f: Path, label: str, forced: Format | None, max_record_bytes: int, renames: dict | None
) -> _Part:
    src = _renamed(file_source(f, label, max_record_bytes), renames)
    if forced is None and not isinstance(src, TextLinesFile):
        if not src.sniff_records(1):
            # Counted per line, with reasons, by the pass (see _iter_part).
            return _Part(src, None)
    return _Part(src, _resolve_format(src, forced, str(f)))


def _open_folder(
    name: str,
    path: Path,
    forced: Format | None,
    max_record_bytes: int,
    skips: SkipLog,
    alias: CorpusAlias | None,
    renames: dict[str, str] | None,
) -> Corpus:
    files = _folder_files(path)
    parts = []
    for f in files:
        try:
            label = f.relative_to(path).as_posix()
            parts.append(_folder_part(f, label, forced, max_record_bytes, renames))
        except InputError as e:
            # One unreadable member (not UTF-8, a broken parquet, no known format) is a
            # counted skip with its reason; the rest of the folder is still read.
            skips.add("unreadable_file", str(f), detail=e.reason)
    if not any(p.fmt is not None for p in parts):
        raise InputError(
            "no file in the folder holds readable records"
            + (
                f" ({skips.total} skipped: {', '.join(sorted(skips.counts))})"
                if skips.total
                else ""
            ),
            path,
        )
    return Corpus(
        name,
        "alias" if alias else "folder",
        parts,
        # every member, read or skipped: a change to any of them changes the input
        [file_fingerprint(f) for f in files],
        skips,
        alias,
    )


def _open_files(
    name: str,
    path: Path,
    forced: Format | None,
    max_record_bytes: int,
    skips: SkipLog,
    alias: CorpusAlias | None = None,
    renames: dict[str, str] | None = None,
) -> Corpus:
    if path.is_dir():
        return _open_folder(name, path, forced, max_record_bytes, skips, alias, renames)
    src = _renamed(file_source(path, path.name, max_record_bytes), renames)
    part = _Part(src, _resolve_format(src, forced, str(path)))
    return Corpus(
        name, "alias" if alias else "file", [part], [file_fingerprint(path)], skips, alias
    )


def _open_hub(
    name: str,
    hub_id: str,
    config: str | None,
    split: str | None,
    revision: str | None,
    forced: Format | None,
    skips: SkipLog,
    alias: CorpusAlias | None = None,
    renames: dict[str, str] | None = None,
) -> Corpus:
    hub_src = HubSplit(hub_id, config, split, revision)
    hub_src._load()  # fail early (offline, no such dataset or split) with a clear message
    src = _renamed(hub_src, renames)
    fmt = _resolve_format(src, forced, src.display)
    hub = {
        "hub_id": hub_id,
        "config": config,
        "split": hub_src.split,
        "revision": revision,
        "commit": hub_src.commit,
    }
    return Corpus(
        name, "alias" if alias else "hub", [_Part(src, fmt)], [dict(hub)], skips, alias, hub
    )


def _open_alias(
    source: str,
    forced: Format | None,
    split: str | None,
    revision: str | None,
    max_record_bytes: int,
    skips: SkipLog,
    renames: dict[str, str],
) -> Corpus:
    alias = ALIASES.get(source)
    fmt = forced or FORMATS.get(alias.format)
    if alias.path is not None:
        if not alias.path.exists():
            raise AuditkitError(
                f"corpus alias {source!r} points at {alias.path}, which is missing "
                "(broken install? reinstall auditkit)"
            )
        if split is not None or revision is not None:
            raise AuditkitError(f"split/revision do not apply to the local alias {source!r}")
        return _open_files(source, alias.path, fmt, max_record_bytes, skips, alias, renames=renames)
    assert alias.hub_id is not None
    return _open_hub(
        source,
        alias.hub_id,
        alias.config,
        split or alias.split,
        revision,
        fmt,
        skips,
        alias,
        renames=renames,
    )


def open_corpus(
    source: str,
    *,
    format: str | None = None,
    split: str | None = None,
    revision: str | None = None,
    max_record_bytes: int = 32 * 2**20,
    skips: SkipLog | None = None,
    text_field: str | None = None,
    messages_field: str | None = None,
) -> Corpus:
    """Open a corpus without reading it: an alias (see ``ALIASES``), an existing file or folder
    (.jsonl/.json/.parquet/.csv/.txt, optionally .gz), or a Hugging Face dataset id
    ('owner/name', streamed). ``format`` forces a format (see ``FORMATS``), else it is
    detected per file from the first records. ``split``/``revision`` apply to Hub datasets;
    lines longer than ``max_record_bytes`` are skipped as ``record_too_large``.
    ``text_field`` / ``messages_field`` read a differently named field as ``text`` /
    ``messages`` (non-standard schemas).
    """
    renames = {f: t for f, t in ((text_field, "text"), (messages_field, "messages")) if f}
    source = str(source)
    forced = FORMATS.get(format) if format else None
    if not isinstance(max_record_bytes, int) or max_record_bytes <= 0:
        raise AuditkitError(
            f"max_record_bytes must be a positive integer, got {max_record_bytes!r}"
        )
    skips = skips if skips is not None else SkipLog()
    path = Path(source).expanduser()
    if source and path.exists():
        if split is not None or revision is not None:
            raise AuditkitError(
                f"split/revision apply to Hub datasets; {source!r} is a local "
                f"{'folder' if path.is_dir() else 'file'}"
            )
        return _open_files(source, path, forced, max_record_bytes, skips, renames=renames)
    if source in ALIASES:
        return _open_alias(source, forced, split, revision, max_record_bytes, skips, renames)
    if _looks_like_path(source) or not source:
        raise InputError("no such file or folder", source or "''")
    if "/" in source:
        return _open_hub(source, source, None, split, revision, forced, skips, renames=renames)
    raise AuditkitError(
        f"unknown corpus {source!r}: not a file or folder, not a Hugging Face id (owner/name), "
        f"and not an alias; known aliases: {', '.join(ALIASES.names())} "
        "(`auditkit corpora` lists them)"
    )
