"""Where lang's labelling runs: one small class per engine, behind one interface.

``LangRun`` (lang_run.py) prepares a shard's texts and hands the unique ones not in its cache to
an engine (``submit``); the corpus pass asks how many leading shards are labelled (``ready``);
``collect`` returns a shard's labels by text key. Engines:

- ``ChunkedLabelling`` on corpus_pass ``Workers``: this process (one worker) or worker
  processes (chunks of a shard spread over them; a chunk whose worker died is labelled again
  here, text by text);
- ``RayWindowLabelling`` (ray_engine.py): a window of shards in one Ray Data pass.

A label depends only on its text, so every engine gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from auditkit.langid.labels import LabelFailure, Labels, LabelStep
from auditkit.workers import Finished, InProcess, ProcessWorkers, Workers, pool_context

LabelsByKey = dict[bytes, Labels | LabelFailure]


@dataclass
class PendingShard:
    """A started shard: its utterances, prepared texts, and the labelling submitted for them."""

    index: int
    start: int  # utt_index of the first row
    utterances: list[Any]
    prepared: list[tuple[str, int]]  # (prepared text, chars removed)
    keys: list[bytes]  # dedup key per utterance (b"" for empty)
    failed: dict[int, str] = field(default_factory=dict)  # utterance -> why it is skipped
    todo: dict[bytes, str] = field(default_factory=dict)  # key -> text to label
    chunks: list[tuple[list[bytes], Any]] = field(default_factory=list)  # (keys, handle)


class LabelEngine(Protocol):
    def submit(self, shard: PendingShard) -> None:
        """Start labelling shard.todo."""

    def ready(self, pending: list[PendingShard], final: bool) -> int:
        """How many leading pending shards are labelled (all of them when final)."""

    def collect(self, shard: PendingShard, advance: Callable[[float], None]) -> LabelsByKey:
        """The shard's new labels by key; calls advance(n utterances) as chunks come in."""

    def info(self) -> dict[str, Any]:
        """The detectors' description (name, version, model hash)."""

    def close(self, cancel: bool) -> None: ...


def collect_chunks(
    shard: PendingShard,
    result: Callable[[list[bytes], Any], list[Labels | LabelFailure]],
    advance: Callable[[float], None],
) -> LabelsByKey:
    """The labels of a shard's chunks, advancing the progress bar in proportion to each."""
    new: LabelsByKey = {}
    n_unique = sum(len(k) for k, _ in shard.chunks) or 1
    for chunk, handle in shard.chunks:
        new.update(zip(chunk, result(chunk, handle)))
        advance(len(shard.utterances) * len(chunk) / n_unique)
    if not shard.chunks:
        advance(len(shard.utterances))
    return new


class ChunkedLabelling:
    """Chunks of chunk_size texts submitted to corpus_pass Workers as soon as a shard starts."""

    def __init__(self, workers: Workers, n_workers: int, chunk_size: int, step: LabelStep):
        self.workers = workers
        self.n_workers = n_workers
        self.chunk_size = chunk_size
        self.step = step  # this process's detectors: a failed chunk is labelled again here
        # Start the workers now: they load their detectors while the corpus is counted, and
        # the parent never loads a copy of its own (it only needs their description).
        self._info = workers.warm()[0]

    def submit(self, shard: PendingShard) -> None:
        keys = list(shard.todo)
        for s in range(0, len(keys), self.chunk_size):
            chunk = keys[s : s + self.chunk_size]
            shard.chunks.append((chunk, self.workers.submit([shard.todo[k] for k in chunk])))

    def ready(self, pending: list[PendingShard], final: bool) -> int:
        if final:
            return len(pending)
        k = 0
        while k < len(pending) and (
            len(pending) - k >= self.n_workers + 1
            or all(self.workers.done(h) for _, h in pending[k].chunks)
        ):
            k += 1
        return k

    def collect(self, shard: PendingShard, advance: Callable[[float], None]) -> LabelsByKey:
        def result(chunk: list[bytes], handle: Any) -> list[Labels | LabelFailure]:
            try:
                return self.workers.result(handle)
            except Exception:
                # A worker died or its call failed as a whole (e.g. a crash in a native
                # detector): this chunk is labelled again here, text by text.
                return self.step.work([shard.todo[k] for k in chunk])

        return collect_chunks(shard, result, advance)

    def info(self) -> dict[str, Any]:
        return self.workers.result(self._info)

    def close(self, cancel: bool) -> None:
        self.workers.close(cancel)


def local_labelling(
    fasttext_model: str | None, langdetect_impl: str, *, workers: int, chunk_size: int
) -> ChunkedLabelling:
    """Worker processes when there are several workers (and a usable pool context), else this
    process."""
    step = LabelStep(fasttext_model, langdetect_impl)
    context = pool_context() if workers > 1 else None
    if context is None:
        return ChunkedLabelling(InProcess(step), workers, chunk_size, step)
    kwargs = {"fasttext_model": fasttext_model, "langdetect_impl": langdetect_impl}
    pool = ProcessWorkers("auditkit.langid.labels:LabelStep", kwargs, workers, context)
    return ChunkedLabelling(pool, workers, chunk_size, step)


__all__ = [
    "ChunkedLabelling",
    "Finished",
    "LabelEngine",
    "PendingShard",
    "collect_chunks",
    "local_labelling",
]
