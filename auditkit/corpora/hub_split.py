"""A Hugging Face dataset split as a corpus RecordSource (streamed through auditkit.hub, the
one home of Hub loading), and the commit a revision resolves to (a run's input identity)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from auditkit.corpora.sources import RecordSource
from auditkit.errors import AuditkitError
from auditkit.skips import SkipLog


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
        self.commit: str | None = None  # the commit the revision resolved to, when known

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
        self.commit = hub_commit(self.hub_id, self.revision)
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


_COMMIT_SHA = re.compile(r"[0-9a-f]{40}")


def hub_commit(hub_id: str, revision: str | None) -> str | None:
    """The commit sha a dataset revision ('main', a tag, None) points at now, so a run's
    identity pins the data it read; None when it cannot be resolved (offline): then only a
    --revision given as a commit sha pins the data."""
    if revision and _COMMIT_SHA.fullmatch(revision):
        return revision
    from auditkit import hub

    # offline, private, no such revision: the run goes on, unpinned (hub.py's one policy:
    # HF_HUB_OFFLINE honoured, an unreachable Hub costs one short probe per process)
    return hub.dataset_commit(hub_id, revision)
