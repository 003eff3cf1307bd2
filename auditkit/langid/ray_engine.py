"""`auditkit lang --engine ray`: detection on a Ray cluster, same shards and done markers.

The driver still reads the corpus and cuts the same shards as the local engine; a window of
shards becomes one Ray Data dataset of unique texts, labelled by `map_batches` with an actor
class (detectors loaded once per actor, not per batch), and the labels come back to the driver,
which writes shards and done markers with the same code as the local engine. So a run started
on one engine can be resumed on the other, and the outputs are byte-identical: a label depends
only on its text.

Ray is optional: `pip install 'auditkit[ray]'`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.langid.engines import LabelsByKey, PendingShard, collect_chunks
from auditkit.langid.labels import Detectors, LabelFailure, LabelStep
from auditkit.raytools import require_ray
from auditkit.workers import Finished


class LabelBatch:
    """Ray Data callable class: both detectors loaded once per actor."""

    def __init__(self, fasttext_model: str | None, langdetect_impl: str) -> None:
        self.detectors = Detectors(fasttext_model, langdetect_impl).load()

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        raw = self.detectors.label_each([str(t) for t in batch["text"]])
        # a text the detectors cannot label travels as an error string (see labels.LabelFailure)
        errors = [x.error if isinstance(x, LabelFailure) else "" for x in raw]
        labels = [(None, 0.0, None, 0.0) if isinstance(x, LabelFailure) else x for x in raw]
        return {
            "i": batch["i"],
            "ft_label": np.array([a for a, _, _, _ in labels], dtype=object),
            "ft_prob": np.array([p for _, p, _, _ in labels], dtype=np.float64),
            "ld_label": np.array([b for _, _, b, _ in labels], dtype=object),
            "ld_prob": np.array([q for _, _, _, q in labels], dtype=np.float64),
            "error": np.array(errors, dtype=object),
        }


def label_texts(
    texts: list[str],
    *,
    fasttext_model: str | None,
    langdetect_impl: str,
    actors: int,
    batch_size: int,
) -> list[tuple[str | None, float, str | None, float]]:
    """Labels of `texts`, in order, computed by a pool of Ray Data actors."""
    ray = require_ray()
    if not texts:
        return []
    ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
    out = ds.map_batches(
        LabelBatch,
        fn_constructor_kwargs={
            "fasttext_model": fasttext_model,
            "langdetect_impl": langdetect_impl,
        },
        batch_size=batch_size,
        concurrency=actors,
        batch_format="numpy",
    )
    labels: list[Any] = [None] * len(texts)
    for row in out.iter_rows():
        ld = row["ld_label"]
        ft = row["ft_label"]
        if row.get("error"):
            labels[int(row["i"])] = LabelFailure(str(row["error"]))
            continue
        labels[int(row["i"])] = (
            None if ft is None else str(ft),
            float(row["ft_prob"]),
            None if ld is None else str(ld),
            float(row["ld_prob"]),
        )
    missing = sum(x is None for x in labels)
    if missing:
        raise AuditkitError(f"Ray returned no labels for {missing} texts")
    return labels


class RayWindowLabelling:
    """lang's Ray engine: shards wait until a window of ``window`` utterances is pending, then
    the window's texts are labelled in one Ray Data pass; each shard then holds its labels as
    one finished chunk, exactly as the local engine leaves it."""

    def __init__(
        self,
        fasttext_model: str | None,
        langdetect_impl: str,
        *,
        workers: int,
        chunk_size: int,
        window: int,
        address: str | None,
    ) -> None:
        from auditkit.raytools import init_ray

        self.options = {"fasttext_model": fasttext_model, "langdetect_impl": langdetect_impl}
        self.workers, self.chunk_size, self.window = workers, chunk_size, window
        self.step = LabelStep(fasttext_model, langdetect_impl)
        self._info = self.step.warm()  # the driver's own copy: the detectors' description
        init_ray(address, workers)

    def submit(self, shard: PendingShard) -> None:
        pass  # the window is labelled when it is full (ready)

    def ready(self, pending: list[PendingShard], final: bool) -> int:
        if final or sum(len(p.utterances) for p in pending) >= self.window:
            self._label_window(pending)
            return len(pending)
        return 0

    def _label_window(self, window: list[PendingShard]) -> None:
        todo: dict[bytes, str] = {}
        for shard in window:
            for key, text in shard.todo.items():
                todo.setdefault(key, text)
        order = list(todo)
        labels = label_texts(
            [todo[k] for k in order],
            **self.options,
            actors=self.workers,
            batch_size=self.chunk_size,
        )
        by_key = dict(zip(order, labels))
        for shard in window:
            keys = list(shard.todo)
            shard.chunks = [(keys, Finished([by_key[k] for k in keys]))] if keys else []

    def collect(self, shard: PendingShard, advance: Callable[[float], None]) -> LabelsByKey:
        return collect_chunks(shard, lambda chunk, handle: handle.value, advance)

    def info(self) -> dict[str, Any]:
        return self._info

    def close(self, cancel: bool) -> None:
        pass
