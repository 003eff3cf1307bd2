"""Loading evaluation data from the Hugging Face Hub (only when no local --data is given),
through auditkit.hub's one error policy."""

from __future__ import annotations

from typing import Any


def load_hub_dataset(
    hub_id: str, config: str | None, split: str, revision: str | None = None
) -> Any:
    """``datasets.load_dataset(hub_id, config, split=split)`` with a clean error when offline."""
    from auditkit import hub

    return hub.load_dataset(
        hub_id, config, split=split, revision=revision, hint="pass --data with a local copy"
    )
