"""The `auditkit lang` pipeline: stream a corpus, label it with two detectors, write shards.

Shape of a run folder (`--out`):
    run.json                    what this folder was created with (a rerun must match)
    utterances/part-00000.parquet   per-utterance results, one file per shard
    done/part-00000.done.json   done marker: row count + the shard's partial counts (outside
                                utterances/, so pandas and DuckDB read that folder as one dataset)
    summary.json                deterministic summary (no timestamps)
    audit.json                  audit record (inputs, config, versions, timestamps)

Why shards: a killed run keeps every finished shard; a rerun with the same arguments skips
them (dolma-style done markers) and produces byte-identical output. Shards never split an
example, so per-example statistics stay shard-local.

Determinism: a text's labels depend only on the text (langdetect is re-seeded per text), so
caching, batching and the number of worker processes never change a label.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditkit.audit import SUMMARY_FILE, build_record, utc_now, write_record
from auditkit.config import to_record
from auditkit.corpora.corpus import invalid_unicode
from auditkit.corpus_pass import (  # noqa: F401  (re-exported: lang's old public names)
    DONE_DIR,
    RUN_FILE,
    SHARD_DIR,
    UTTERANCE_KEY_FIELDS,
    RunFolder,
    Shard,
    merge_counts,
    run_pass,
)
from auditkit.errors import AuditkitError
from auditkit.io import run_folder_lock, text_hash, write_json
from auditkit.langid.aggregate import lang_summary, shard_counts
from auditkit.langid.codes import EMPTY, normalise_code
from auditkit.langid.config import LangConfig
from auditkit.langid.engines import LabelEngine, LabelsByKey, PendingShard, local_labelling
from auditkit.langid.labels import (  # noqa: F401  (re-exported: lang's old public names)
    Detectors,
    LabelFailure,
    Labels,
    LanguageLabeller,
    agree,
)
from auditkit.langid.prepare import prepare
from auditkit.skips import SkipLog
from auditkit.workers import check_engine

OUTPUT_SCHEMA = pa.schema(
    [
        *UTTERANCE_KEY_FIELDS,
        ("n_chars_prepared", pa.int64()),
        ("stripped_chars", pa.int64()),
        ("ft_label", pa.string()),
        ("ft_prob", pa.float64()),
        ("ft_code", pa.string()),
        ("ld_label", pa.string()),
        ("ld_prob", pa.float64()),
        ("ld_code", pa.string()),
        ("lang", pa.string()),
        ("status", pa.string()),
        ("human_lang", pa.string()),
        ("source_file", pa.string()),  # the file of a local input (relative to a folder input)
    ]
)
# --keep-text adds the prepared text (what the detectors saw) as the last column
TEXT_FIELD = pa.field("text", pa.string())


# what the audit record's findings repeat from the summary
FINDINGS = (
    "utterances_total",
    "utterances_agreed",
    "utterances_disagreed",
    "utterances_empty",
    "non_english_share",
    "agreement_rate",
    "low_resource",
)


def text_key(text: str) -> bytes:
    """The dedup/cache key of a prepared text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def prepare_shard(shard: Shard, strip_code: bool) -> PendingShard:
    """Each utterance's prepared text and key; one that cannot be prepared is marked failed
    (a counted skip, as for labelling)."""
    prepared, keys, failed = [], [], {}
    for j, u in enumerate(shard.utterances):
        try:
            unwritable = invalid_unicode([u])
            if unwritable is not None:  # no detector or parquet takes it
                raise ValueError(f"{unwritable[0]}: {unwritable[1]}")
            p = prepare(u.text, strip_code)
        except Exception as e:  # per-utterance guard, as for labelling
            failed[j] = f"preparing the text: {type(e).__name__}: {e}"
            prepared.append(("", 0))
            keys.append(b"")
            continue
        prepared.append((p.text, sum(p.removed)))
        keys.append(text_key(p.text) if p.text else b"")
    return PendingShard(shard.index, shard.start, shard.utterances, prepared, keys, failed)


class ShardRows:
    """The columns of one shard's utterance table, filled row by row."""

    def __init__(self, keep_text: bool) -> None:
        self.keep_text = keep_text
        self.schema = OUTPUT_SCHEMA.append(TEXT_FIELD) if keep_text else OUTPUT_SCHEMA
        self.cols: dict[str, list] = {name: [] for name in self.schema.names}

    def add(self, utt_index: int, u: Any, prepared: tuple[str, int], labels: tuple) -> None:
        """labels: (ft_label, ft_prob, ft_code, ld_label, ld_prob, ld_code, lang, status)."""
        text, removed = prepared
        values = (
            utt_index, u.corpus, u.example_id, u.source, u.role, u.turn, u.side, u.rank,
            text_hash(u.text), len(u.text), len(text), removed, *labels, u.human_lang,
            u.extra.get("source_file"),
        )  # fmt: skip
        for name, value in zip(OUTPUT_SCHEMA.names, values):
            self.cols[name].append(value)
        if self.keep_text:
            self.cols["text"].append(text)

    def table(self) -> pa.Table:
        return pa.Table.from_pydict(self.cols, schema=self.schema)


def label_columns(lab: Labels | None, min_conf: float) -> tuple:
    """The label columns of one utterance (ShardRows.add); None: nothing to detect."""
    if lab is None:
        return (None, 0.0, EMPTY, None, 0.0, EMPTY, EMPTY, EMPTY)
    ft_label, ft_prob, ld_label, ld_prob = lab
    ft_code = normalise_code(ft_label, "fasttext")
    ld_code = normalise_code(ld_label, "langdetect")
    lang, status = agree(ft_code, ft_prob, ld_code, ld_prob, min_conf)
    return (ft_label, ft_prob, ft_code, ld_label, ld_prob, ld_code, lang, status)


class LangRun:
    """One `auditkit lang` run into an output folder: the corpus pass's processor (prepare a
    shard, label its new texts on an engine, write its rows)."""

    def __init__(
        self,
        config: LangConfig,
        out_dir: str | Path,
        workers: int | None = None,
        progress: bool = True,
        overwrite: bool = False,
        chunk_size: int = 2500,
        cache_size: int = 200_000,
        engine: str = "local",
        ray_address: str | None = None,
        ray_window: int = 50_000,
    ) -> None:
        check_engine(engine)
        self.engine = engine
        self.ray_address = ray_address
        self.ray_window = ray_window
        self.config = config
        self.out = Path(out_dir)
        self.workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
        self.progress = progress
        self.overwrite = overwrite
        self.chunk_size = chunk_size
        self.cache_size = cache_size
        self._cache: OrderedDict[bytes, Labels] = OrderedDict()
        self.folder = RunFolder(self.out, config.identity(), overwrite)
        self.labelling: LabelEngine | None = None

    # -- run folder ------------------------------------------------------------------------
    def shard_path(self, i: int) -> Path:
        return self.folder.shard_path(i)

    def done_path(self, i: int) -> Path:
        return self.folder.done_path(i)

    # -- the corpus pass's processor (auditkit/corpus_pass.py) ------------------------------
    def start(self, shard: Shard) -> None:
        state = prepare_shard(shard, self.config.strip_code)
        for (text, _), key in zip(state.prepared, state.keys):
            if key and key not in self._cache:
                state.todo.setdefault(key, text)
        shard.state = state
        assert self.labelling is not None
        self.labelling.submit(state)

    def ready(self, pending: list[Shard], final: bool) -> int:
        assert self.labelling is not None
        return self.labelling.ready([p.state for p in pending], final)

    def finish(self, shard: Shard, advance: Callable[[float], None]) -> tuple[Any, dict, dict]:
        state, shard.state = shard.state, None
        return self._finish(state, advance)

    def close(self, cancel: bool) -> None:
        if self.labelling is not None:
            self.labelling.close(cancel)

    def _finish(self, shard: PendingShard, on_chunk) -> tuple[pa.Table, dict, dict]:
        assert self.labelling is not None
        new = self.labelling.collect(shard, on_chunk)
        skips = SkipLog()
        rows = ShardRows(self.config.keep_text)
        for j, (u, prepared, key) in enumerate(zip(shard.utterances, shard.prepared, shard.keys)):
            lab = self._label_of(key, new) if key else None
            failure = shard.failed.get(j) or (lab.error if isinstance(lab, LabelFailure) else None)
            if failure is not None:
                # The per-utterance guard: this one is counted and left out, the run goes on.
                skips.add(
                    "label_failed",
                    detail=f"example {u.example_id!r} turn {u.turn} ({u.role}): {failure}",
                )
                continue
            rows.add(shard.start + j, u, prepared, label_columns(lab, self.config.min_confidence))
        self._remember(new)
        return rows.table(), shard_counts(rows.cols), skips.as_dict()

    # -- the label cache (a text seen in an earlier shard is not labelled again) -------------
    def _label_of(self, key: bytes, new: LabelsByKey) -> Labels | LabelFailure:
        lab = new.get(key)
        if lab is None:
            lab = self._cache[key]
            self._cache.move_to_end(key)
        return lab

    def _remember(self, new: LabelsByKey) -> None:
        for key, lab in new.items():
            if not isinstance(lab, LabelFailure):
                self._cache[key] = lab
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    # -- main loop -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        # One run per folder at a time: a second one (any arguments, --overwrite or not)
        # refuses at once instead of mixing its shards with ours.
        with run_folder_lock(self.out):
            return self._run_locked()

    def _make_labelling(self) -> LabelEngine:
        cfg = self.config
        if self.engine == "ray":
            from auditkit.langid.ray_engine import RayWindowLabelling

            return RayWindowLabelling(
                cfg.fasttext_model,
                cfg.langdetect_impl,
                workers=self.workers,
                chunk_size=self.chunk_size,
                window=self.ray_window,
                address=self.ray_address,
            )
        return local_labelling(
            cfg.fasttext_model,
            cfg.langdetect_impl,
            workers=self.workers,
            chunk_size=self.chunk_size,
        )

    def _run_locked(self) -> dict[str, Any]:
        from auditkit.corpora import open_corpus

        started = utc_now()
        cfg = self.config
        corpus = open_corpus(
            cfg.source,
            format=cfg.format,
            split=cfg.split,
            revision=cfg.revision,
            text_field=cfg.text_field,
            messages_field=cfg.messages_field,
        )
        self.folder.prepare(corpus.inputs)
        self.labelling = self._make_labelling()
        try:
            result = run_pass(
                self.folder,
                corpus,
                self,
                shard_size=cfg.shard_size,
                limit=cfg.limit,
                progress=self.progress,
                label=f"lang {cfg.source}",
                # Ray labels whole windows; a broken input keeps what is already labelled
                finish_on_input_error=self.engine == "local",
            )
            detector_info = self.labelling.info()
        finally:
            labelling, self.labelling = self.labelling, None
            labelling.close(cancel=False)
        return self._publish(corpus, result, detector_info, started)

    def _publish(self, corpus: Any, result: Any, detectors: dict, started: str) -> dict[str, Any]:
        """Write summary.json and audit.json of a finished pass; the summary."""
        cfg = self.config
        header = {
            "corpus": corpus.name,
            "format": corpus.format,
            "config": to_record(cfg),
            "detectors": detectors,
            "skips": _all_skips(corpus.skips, SkipLog.from_dict(result.skips)).as_dict(),
            "shards": result.shards,
        }
        summary = lang_summary(
            merge_counts(result.counts),
            low_resource_threshold=cfg.low_resource_threshold,
            header=header,
        )
        write_json(self.out / SUMMARY_FILE, summary)
        record = build_record(
            "lang",
            config=to_record(cfg),
            inputs=corpus.inputs,
            components=detectors,
            findings={k: summary[k] for k in FINDINGS},
            started=started,
            extra={
                "resumed_utterances": result.resumed_utterances,
                "workers": self.workers,
                "engine": self.engine,
                "corpus": corpus.describe(),
            },
        )
        write_record(self.out, record)
        return summary


def _all_skips(*logs: SkipLog) -> SkipLog:
    out = SkipLog()
    for log in logs:
        out.merge(log)
    return out


def lang_config(source: str | LangConfig = "sample", **options: Any) -> LangConfig:
    """A LangConfig from keyword options (the API's older form); a LangConfig passes through."""
    if isinstance(source, LangConfig):
        if options:
            return source.replace(**options)
        return source
    unknown = set(options) - set(LangConfig.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    return LangConfig(source=source, **options)


def run_lang(
    config: LangConfig | str = "sample",
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    progress: bool = False,
    overwrite: bool = False,
    engine: str = "local",
    ray_address: str | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Python API of `auditkit lang`: label a corpus and return the summary dict.

    config: a LangConfig, or a source (alias, file, folder, Hub id) with the LangConfig fields
    as keyword options (format, split, revision, strip_code, min_confidence, limit,
    low_resource_threshold, fasttext_model, langdetect_impl, shard_size, ...).
    engine: 'local' (process pool) or 'ray' (Ray Data actors; ray_address joins a cluster,
    default: start a local one). The engine never changes a result, so it is not part of the
    run's identity: a run can be resumed by either engine.
    """
    from auditkit.io import default_out_dir

    cfg = lang_config(config, **options)
    out_dir = Path(out) if out is not None else default_out_dir("lang", cfg.source)
    return LangRun(
        cfg,
        out_dir,
        workers=workers,
        progress=progress,
        overwrite=overwrite,
        engine=engine,
        ray_address=ray_address,
    ).run()


def read_utterances(out_dir: str | Path, columns: list[str] | None = None):
    """All per-utterance results of a run folder as one pandas DataFrame (shard order)."""
    files = sorted((Path(out_dir) / SHARD_DIR).glob("part-*.parquet"))
    if not files:
        raise AuditkitError(f"{out_dir}: no per-utterance results ({SHARD_DIR}/part-*.parquet)")
    return pq.ParquetDataset(files).read(columns=columns).to_pandas()


__all__ = ["LangConfig", "LangRun", "lang_config", "read_utterances", "run_lang"]
