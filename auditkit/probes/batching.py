"""Length-sorted dynamic batching under a token budget, with back-off on GPU out-of-memory.

The study padded every sequence to 2,048 tokens and scored four at a time. Probe sequences are
20-60 tokens, so almost all of that work is padding: sorting by length and padding each batch
only to its own longest sequence removes it. A batch holds as many sequences as fit in
``token_budget`` padded tokens (``max_batch_size`` at most).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from auditkit.batching import halve_on_oom, plan_batches

CPU_TOKEN_BUDGET = 8192
MAX_BATCH_SIZE = 512

__all__ = ["Encoded", "pad_batch", "plan_batches", "run_batches", "run_group_with_prefix"]


@dataclass(frozen=True)
class Encoded:
    """One tokenised sequence. ``start`` is the first scored position (likelihood scorers);
    reward models score the last token and ignore it."""

    input_ids: tuple[int, ...]
    start: int = 0

    def __len__(self) -> int:
        return len(self.input_ids)


def pad_batch(items: Sequence[Encoded], pad_id: int):
    """Right-padded input_ids and attention_mask tensors, plus start positions."""
    from auditkit.modeling import require_torch

    torch = require_torch()
    width = max(len(e) for e in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for r, e in enumerate(items):
        ids[r, : len(e)] = torch.tensor(e.input_ids, dtype=torch.long)
        mask[r, : len(e)] = 1
    starts = torch.tensor([e.start for e in items], dtype=torch.long)
    return ids, mask, starts


def default_token_budget(device: str) -> int:
    """Padded tokens per batch: a fixed budget on CPU; on CUDA a share of free memory.

    The CUDA figure is a starting point only: ``run_batches`` halves it on out-of-memory.
    """
    if not str(device).startswith("cuda"):
        return CPU_TOKEN_BUDGET
    from auditkit.modeling import require_torch

    torch = require_torch()
    idx = torch.device(device).index or 0
    free, _total = torch.cuda.mem_get_info(idx)
    # About 1 MiB of activations per token for a 7B model in half precision at these lengths.
    return int(max(1024, min(262_144, free // (1 << 20))))


def run_batches(
    items: Sequence[Encoded],
    forward: Callable[..., np.ndarray],
    pad_id: int,
    token_budget: int,
    max_batch_size: int = MAX_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    length_offset: int = 0,
) -> tuple[np.ndarray, int]:
    """Score every item with ``forward(input_ids, attention_mask, starts) -> scores``.

    Returns the scores in the order of ``items`` and the token budget that finally worked
    (smaller than asked after an out-of-memory back-off).
    """
    from auditkit.modeling import require_torch

    torch = require_torch()
    out = np.full(len(items), np.nan, dtype=np.float64)
    pending = list(range(len(items)))

    def attempt(budget: int) -> None:
        # finished batches are kept: after an out-of-memory only the pending items re-run
        lengths = [len(items[i]) for i in pending]
        plan = [
            [pending[j] for j in b]
            for b in plan_batches(lengths, budget, max_batch_size, length_offset)
        ]
        for batch in plan:
            ids, mask, starts = pad_batch([items[i] for i in batch], pad_id)
            with torch.inference_mode():
                scores = np.asarray(forward(ids, mask, starts), dtype=np.float64)
            out[batch] = scores
            done = set(batch)
            pending[:] = [i for i in pending if i not in done]
            if on_batch is not None:
                on_batch(len(batch))

    floor = max((len(e) for e in items), default=1) + length_offset
    _, budget = halve_on_oom(
        attempt, token_budget, floor, "lower --max-batch-size or use --load-in-8bit"
    )
    return out, budget


def common_prefix_length(seqs: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix shared by every sequence."""
    if not seqs:
        return 0
    first = seqs[0]
    n = min(len(s) for s in seqs)
    for i in range(n):
        t = first[i]
        if any(s[i] != t for s in seqs):
            return i
    return n


def run_group_with_prefix(
    group: Sequence[Encoded],
    scorer: Any,
    token_budget: int,
    max_batch_size: int = MAX_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    min_group_size: int = 1,
) -> tuple[np.ndarray, int]:
    """Score a group of renderings that share a token prefix (one question's fillers): the
    prefix is run once and its key/value cache reused for every suffix. Falls back to plain
    batches when nothing usable is shared or the group is smaller than ``min_group_size``."""
    shared = common_prefix_length([e.input_ids for e in group])
    # The last token (rewards) and every scored token's predecessor (likelihoods)
    # must be computed in the batch, not taken from the cache.
    shared = min(shared, min(len(e) for e in group) - 1)
    if scorer.uses_start:
        shared = min(shared, min(e.start for e in group) - 1)
    if shared < 1 or len(group) < min_group_size:
        return run_batches(
            group, scorer.score_batch, scorer.pad_id, token_budget, max_batch_size, on_batch
        )
    state = scorer.prefix_state(group[0].input_ids[:shared])
    suffixes = [Encoded(e.input_ids[shared:], e.start - shared) for e in group]
    return run_batches(
        suffixes,
        partial(scorer.score_batch, prefix=state),
        scorer.pad_id,
        token_budget,
        max_batch_size,
        on_batch,
        length_offset=shared,
    )
