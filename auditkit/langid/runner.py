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
import signal
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from auditkit.audit import SUMMARY_FILE, build_record, utc_now, write_record
from auditkit.corpora.corpus import invalid_unicode
from auditkit.corpora.record import Utterance
from auditkit.corpus_pass import (  # noqa: F401  (re-exported: lang's old public names)
    DONE_DIR,
    RUN_FILE,
    SHARD_DIR,
    RunFolder,
    Shard,
    check_inputs_unchanged,
    describe_input_change,
    end_with_parent,
    input_identity,
    iter_shards,
    main_script_is_unguarded,
    merge_counts,
    pool_context,
    run_pass,
)
from auditkit.errors import AuditkitError
from auditkit.io import (
    run_folder_lock,
    text_hash,
    write_json,
)
from auditkit.langid.aggregate import build_summary, shard_counts
from auditkit.langid.codes import EMPTY, UNDETERMINED, normalise_code
from auditkit.langid.prepare import prepare
from auditkit.skips import SkipLog

OUTPUT_SCHEMA = pa.schema(
    [
        ("utt_index", pa.int64()),
        ("corpus", pa.string()),
        ("example_id", pa.string()),
        ("source", pa.string()),
        ("role", pa.string()),
        ("turn", pa.int32()),
        ("side", pa.string()),
        ("rank", pa.int32()),
        ("text_hash", pa.string()),
        ("n_chars", pa.int64()),
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


@dataclass(frozen=True)
class LangConfig:
    """Everything that determines the labels of a run (recorded in run.json and audit.json)."""

    source: str = "sample"
    format: str | None = None
    split: str | None = None
    revision: str | None = None
    strip_code: bool = False
    min_confidence: float = 0.0
    limit: int | None = None
    low_resource_threshold: int = 100
    fasttext_model: str | None = None
    langdetect_impl: str = "auto"
    shard_size: int = 10_000
    keep_text: bool = False  # the prepared text in the utterance table
    text_field: str | None = None  # read this field as `text` (non-standard schemas)
    messages_field: str | None = None  # read this field as `messages`

    def identity(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("low_resource_threshold")  # only changes the summary, never a shard
        return d


@dataclass(frozen=True)
class LabelFailure:
    """A text the detectors could not label (their error): its utterance becomes a counted
    skip ('label_failed') instead of ending the run."""

    error: str


Labels = tuple[str | None, float, str | None, float]


@dataclass
class Detectors:
    """Both detectors, loaded once per process."""

    fasttext_model: str | None
    langdetect_impl: str
    _ft: Any = field(default=None, init=False)
    _ld: Any = field(default=None, init=False)

    def load(self) -> Detectors:
        from auditkit.langid.detectors import FastTextDetector, LangdetectDetector

        self._ft = FastTextDetector(self.fasttext_model)
        self._ld = LangdetectDetector(self.langdetect_impl)
        return self

    def info(self) -> dict[str, Any]:
        return {"fasttext": self._ft.info(), "langdetect": self._ld.info()}

    def label(self, texts: list[str]) -> list[Labels]:
        ft = self._ft.predict(texts)
        ld = self._ld.predict(texts)
        return [(a, pa_, b, pb) for (a, pa_), (b, pb) in zip(ft, ld)]

    def label_each(self, texts: list[str]) -> list[Labels | LabelFailure]:
        """``label``, isolated per text: when a batch fails, each text is labelled alone and
        the ones that still fail come back as LabelFailure (a label depends only on its text,
        so the others get exactly the labels the batch would have given)."""
        try:
            return list(self.label(texts))
        except Exception as e:
            if len(texts) == 1:
                return [LabelFailure(f"{type(e).__name__}: {e}"[:300])]
        out: list[Labels | LabelFailure] = []
        for t in texts:
            try:
                out.append(self.label([t])[0])
            except Exception as e:
                out.append(LabelFailure(f"{type(e).__name__}: {e}"[:300]))
        return out


# --- worker processes -----------------------------------------------------------------------
_WORKER: Detectors | None = None


def _init_worker(fasttext_model: str | None, langdetect_impl: str, parent: int = 0) -> None:
    global _WORKER
    # Ctrl-C and SIGTERM are handled once, by the parent, which then stops the pool (a group
    # signal must not kill workers under it mid-task); they still end with the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if parent:
        end_with_parent(parent)
    _WORKER = Detectors(fasttext_model, langdetect_impl).load()


def _worker_info() -> dict[str, Any]:
    assert _WORKER is not None
    return _WORKER.info()


def _work(texts: list[str]) -> list[Labels | LabelFailure]:
    assert _WORKER is not None
    return _WORKER.label_each(texts)


def agree(
    ft_code: str, ft_prob: float, ld_code: str, ld_prob: float, min_conf: float
) -> tuple[str, str]:
    """(agreed label, status) of one utterance; status in aggregate.STATUSES."""
    if ft_code == ld_code and ft_code != UNDETERMINED:
        if ft_prob >= min_conf and ld_prob >= min_conf:
            return ft_code, "agreed"
        return UNDETERMINED, "low_confidence"
    return UNDETERMINED, "disagreed"


class LanguageLabeller:
    """Agreed language code per text with lang's default settings (both detectors, no
    stripping, no confidence floor), for steps of other sides that need an utterance's language
    (`auditkit countries`). Reached through auditkit.corpus_pass.language_labeller, so those
    sides never import this one."""

    def __init__(self) -> None:
        self.detectors = Detectors(None, "auto").load()

    def info(self) -> dict[str, Any]:
        return self.detectors.info()

    def __call__(self, texts: list[str]) -> list[str]:
        prepared = [prepare(t, False).text for t in texts]
        unique = list(dict.fromkeys(t for t in prepared if t))
        labels = dict(zip(unique, self.detectors.label(unique))) if unique else {}
        out = []
        for t in prepared:
            if not t:
                out.append(EMPTY)
                continue
            ft_label, ft_prob, ld_label, ld_prob = labels[t]
            code, _ = agree(
                normalise_code(ft_label, "fasttext"),
                ft_prob,
                normalise_code(ld_label, "langdetect"),
                ld_prob,
                0.0,
            )
            out.append(code)
        return out


@dataclass
class _PendingShard:
    index: int
    start: int  # utt_index of the first row
    utterances: list[Utterance]
    prepared: list[tuple[str, int]]  # (prepared text, chars removed)
    keys: list[bytes]  # dedup key per utterance (b"" for empty)
    futures: list[tuple[list[bytes], Future | list]]  # (keys of the chunk, labels)
    failed: dict[int, str] = field(default_factory=dict)  # utterance -> why it is skipped


class LangRun:
    """One `auditkit lang` run into an output folder."""

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
        if engine not in ("local", "ray"):
            raise AuditkitError(f"unknown engine {engine!r}: local or ray")
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
        self._cache: OrderedDict[bytes, tuple] = OrderedDict()
        self.folder = RunFolder(self.out, config.identity(), overwrite)
        self._pool: ProcessPoolExecutor | None = None
        self._local: Detectors | None = None

    # -- run folder ------------------------------------------------------------------------
    def shard_path(self, i: int) -> Path:
        return self.folder.shard_path(i)

    def done_path(self, i: int) -> Path:
        return self.folder.done_path(i)

    # -- labelling -------------------------------------------------------------------------
    @staticmethod
    def _key(text: str) -> bytes:
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def _submit(
        self, shard: _PendingShard, pool: ProcessPoolExecutor | None, local: Detectors | None
    ) -> None:
        todo: dict[bytes, str] = {}
        for (text, _), key in zip(shard.prepared, shard.keys):
            if key and key not in self._cache and key not in todo:
                todo[key] = text
        keys = list(todo)
        for s in range(0, len(keys), self.chunk_size):
            chunk = keys[s : s + self.chunk_size]
            texts = [todo[k] for k in chunk]
            if pool is not None:
                shard.futures.append((chunk, pool.submit(_work, texts)))
            else:
                assert local is not None
                shard.futures.append((chunk, local.label_each(texts)))

    def _label_window_on_ray(self, window: list[_PendingShard]) -> None:
        """Label the uncached texts of several shards in one Ray Data pass; each shard then
        holds its labels as a finished chunk, exactly as the local engine leaves it."""
        from auditkit.langid.ray_engine import label_texts

        todo: dict[bytes, str] = {}
        per_shard: list[list[bytes]] = []
        for shard in window:
            keys: dict[bytes, None] = {}
            for (text, _), key in zip(shard.prepared, shard.keys):
                if key and key not in self._cache:
                    keys[key] = None
                    todo.setdefault(key, text)
            per_shard.append(list(keys))
        order = list(todo)
        labels = dict(
            zip(
                order,
                label_texts(
                    [todo[k] for k in order],
                    fasttext_model=self.config.fasttext_model,
                    langdetect_impl=self.config.langdetect_impl,
                    actors=self.workers,
                    batch_size=self.chunk_size,
                ),
            )
        )
        for shard, keys in zip(window, per_shard):
            shard.futures = [(keys, [labels[k] for k in keys])] if keys else []

    def _finish(self, shard: _PendingShard, on_chunk) -> tuple[pa.Table, dict, dict]:
        new: dict[bytes, Labels | LabelFailure] = {}
        n_unique = sum(len(k) for k, _ in shard.futures) or 1
        for chunk, fut in shard.futures:
            if isinstance(fut, Future):
                try:
                    labels = fut.result()
                except Exception:
                    # A worker died or its call failed as a whole (e.g. a crash in a native
                    # detector): this chunk is labelled again here, text by text.
                    texts = dict(zip(shard.keys, (t for t, _ in shard.prepared)))
                    labels = self._fallback().label_each([texts[k] for k in chunk])
            else:
                labels = fut
            new.update(zip(chunk, labels))
            on_chunk(len(shard.utterances) * len(chunk) / n_unique)
        if not shard.futures:
            on_chunk(len(shard.utterances))
        min_conf = self.config.min_confidence
        skips = SkipLog()
        keep_text = self.config.keep_text
        schema = OUTPUT_SCHEMA.append(TEXT_FIELD) if keep_text else OUTPUT_SCHEMA
        cols: dict[str, list] = {name: [] for name in schema.names}
        for j, (u, (text, removed), key) in enumerate(
            zip(shard.utterances, shard.prepared, shard.keys)
        ):
            lab = None
            if key:
                lab = new.get(key)
                if lab is None:
                    lab = self._cache[key]
                    self._cache.move_to_end(key)
            failure = shard.failed.get(j) or (lab.error if isinstance(lab, LabelFailure) else None)
            if failure is not None:
                # The per-utterance guard: this one is counted and left out, the run goes on.
                skips.add(
                    "label_failed",
                    detail=f"example {u.example_id!r} turn {u.turn} ({u.role}): {failure}",
                )
                continue
            if lab is not None:
                ft_label, ft_prob, ld_label, ld_prob = lab
                ft_code = normalise_code(ft_label, "fasttext")
                ld_code = normalise_code(ld_label, "langdetect")
                lang, status = agree(ft_code, ft_prob, ld_code, ld_prob, min_conf)
            else:
                ft_label = ld_label = None
                ft_prob = ld_prob = 0.0
                ft_code = ld_code = lang = status = EMPTY
            cols["utt_index"].append(shard.start + j)
            cols["corpus"].append(u.corpus)
            cols["example_id"].append(u.example_id)
            cols["source"].append(u.source)
            cols["role"].append(u.role)
            cols["turn"].append(u.turn)
            cols["side"].append(u.side)
            cols["rank"].append(u.rank)
            cols["text_hash"].append(text_hash(u.text))
            cols["n_chars"].append(len(u.text))
            cols["n_chars_prepared"].append(len(text))
            cols["stripped_chars"].append(removed)
            cols["ft_label"].append(ft_label)
            cols["ft_prob"].append(ft_prob)
            cols["ft_code"].append(ft_code)
            cols["ld_label"].append(ld_label)
            cols["ld_prob"].append(ld_prob)
            cols["ld_code"].append(ld_code)
            cols["lang"].append(lang)
            cols["status"].append(status)
            cols["human_lang"].append(u.human_lang)
            cols["source_file"].append(u.extra.get("source_file"))
            if keep_text:
                cols["text"].append(text)
        for key, lab in new.items():
            if not isinstance(lab, LabelFailure):
                self._cache[key] = lab
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        for key, lab in new.items():
            if not isinstance(lab, LabelFailure):
                self._cache[key] = lab
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        table = pa.Table.from_pydict(cols, schema=schema)
        return table, shard_counts(cols), skips.as_dict()

    def _fallback(self) -> Detectors:
        """Detectors in this process, loaded on first need (a failed worker chunk)."""
        if self._local is None:
            self._local = Detectors(self.config.fasttext_model, self.config.langdetect_impl).load()
        return self._local

    # -- the corpus pass's processor (auditkit/corpus_pass.py) ------------------------------
    def start(self, shard: Shard) -> None:
        prepared = []
        keys = []
        failed: dict[int, str] = {}
        for j, u in enumerate(shard.utterances):
            try:
                unwritable = invalid_unicode([u])
                if unwritable is not None:  # no detector or parquet takes it
                    raise ValueError(f"{unwritable[0]}: {unwritable[1]}")
                p = prepare(u.text, self.config.strip_code)
            except Exception as e:  # per-utterance guard, as for labelling
                failed[j] = f"preparing the text: {type(e).__name__}: {e}"
                prepared.append(("", 0))
                keys.append(b"")
                continue
            prepared.append((p.text, sum(p.removed)))
            keys.append(self._key(p.text) if p.text else b"")
        shard.state = _PendingShard(
            shard.index, shard.start, shard.utterances, prepared, keys, [], failed
        )
        if self.engine != "ray":
            self._submit(shard.state, self._pool, self._local)

    def ready(self, pending: list[Shard], final: bool) -> int:
        if self.engine == "ray":
            # Ray labels a window of shards in one Ray Data pass.
            if final or sum(len(p.utterances) for p in pending) >= self.ray_window:
                self._label_window_on_ray([p.state for p in pending])
                return len(pending)
            return 0
        if final:
            return len(pending)
        k = 0
        while k < len(pending) and (
            len(pending) - k >= self.workers + 1
            or all(isinstance(f, list) or f.done() for _, f in pending[k].state.futures)
        ):
            k += 1
        return k

    def finish(self, shard: Shard, advance) -> tuple[pa.Table, dict, dict]:
        state, shard.state = shard.state, None
        return self._finish(state, advance)

    def close(self, cancel: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=True)
            if not cancel:
                self._pool = None

    # -- main loop -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        # One run per folder at a time: a second one (any arguments, --overwrite or not)
        # refuses at once instead of mixing its shards with ours.
        with run_folder_lock(self.out):
            return self._run_locked()

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
        self._pool = None
        self._local = None
        context = pool_context() if self.engine == "local" and self.workers > 1 else None
        if context is not None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(cfg.fasttext_model, cfg.langdetect_impl, os.getpid()),
            )
            # Start the workers now: they load their detectors while the corpus is counted,
            # and the parent never loads a copy of its own (it only needs their description).
            info_futures = [self._pool.submit(_worker_info) for _ in range(self.workers)]
        else:
            self._local = Detectors(cfg.fasttext_model, cfg.langdetect_impl).load()
        if self.engine == "ray":
            from auditkit.raytools import init_ray

            init_ray(self.ray_address, self.workers)
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
            detector_info = (
                self._local.info() if self._local is not None else info_futures[0].result()
            )
        finally:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        all_counts = result.counts
        index = result.shards - 1
        n_done_before = result.resumed_utterances

        header = {
            "corpus": corpus.name,
            "format": corpus.format,
            "config": asdict(cfg),
            "detectors": detector_info,
            "skips": _all_skips(corpus.skips, SkipLog.from_dict(result.skips)).as_dict(),
            "shards": index + 1,
        }
        summary = build_summary(
            merge_counts(all_counts),
            low_resource_threshold=cfg.low_resource_threshold,
            header=header,
        )
        write_json(self.out / SUMMARY_FILE, summary)
        record = build_record(
            "lang",
            config=asdict(cfg),
            inputs=corpus.inputs,
            components=detector_info,
            findings={
                k: summary[k]
                for k in (
                    "utterances_total",
                    "utterances_agreed",
                    "utterances_disagreed",
                    "utterances_empty",
                    "non_english_share",
                    "agreement_rate",
                    "low_resource",
                )
            },
            started=started,
            extra={
                "resumed_utterances": n_done_before,
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


def run_lang(
    source: str = "sample",
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    progress: bool = False,
    overwrite: bool = False,
    engine: str = "local",
    ray_address: str | None = None,
    **config: Any,
) -> dict[str, Any]:
    """Python API of `auditkit lang`: label a corpus and return the summary dict.

    config: the LangConfig fields (format, split, revision, strip_code, min_confidence, limit,
    low_resource_threshold, fasttext_model, langdetect_impl, shard_size).
    engine: 'local' (process pool) or 'ray' (Ray Data actors; ray_address joins a cluster,
    default: start a local one). The engine never changes a result, so it is not part of the
    run's identity: a run can be resumed by either engine.
    """
    from auditkit.io import default_out_dir

    unknown = set(config) - set(LangConfig.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
    cfg = LangConfig(source=source, **config)
    out_dir = Path(out) if out is not None else default_out_dir("lang", source)
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
