"""Length-sorted batching and the one out-of-memory back-off every model-running side uses.

Probe sequences and evaluation prompts vary in length; sorting by length and padding each
batch only to its own longest sequence removes most padding. When a batch does not fit on the
GPU, the batch size (or token budget) is halved and the unfinished items retried: the
results never depend on the batch size, only the speed does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from auditkit.errors import AuditkitError


def plan_batches(
    lengths: Sequence[int],
    token_budget: int,
    max_batch_size: int = 512,
    length_offset: int = 0,
) -> list[list[int]]:
    """Group indices into batches of similar length whose padded size fits the budget.

    Indices are sorted by (length, index), so the plan is deterministic; a sequence longer
    than the budget still gets a batch of its own. ``length_offset`` counts tokens every
    sequence attends to beyond its own (a cached shared prefix).
    """
    if token_budget < 1 or max_batch_size < 1:
        raise ValueError("token_budget and max_batch_size must be positive")
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        longest = lengths[i] + length_offset  # sorted ascending: the newest is the longest
        if cur and ((len(cur) + 1) * longest > token_budget or len(cur) >= max_batch_size):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


def is_oom(exc: BaseException) -> bool:
    """Whether ``exc`` is torch's CUDA out-of-memory error (or a RuntimeError saying so)."""
    from auditkit.modeling import require_torch

    torch = require_torch()
    oom = getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(exc, oom) or "out of memory" in str(exc).lower()


def halve_on_oom(
    attempt: Callable[[int], Any],
    size: int,
    floor: int,
    advice: str,
) -> tuple[Any, int]:
    """Call ``attempt(size)`` until it finishes, halving ``size`` after each out-of-memory.

    ``attempt`` must keep the work it finished before the error (it is called again for the
    rest only). At ``floor`` or below an out-of-memory is a one-line error with ``advice``.
    Returns ``attempt``'s result and the size that finally worked.
    """
    while True:
        try:
            return attempt(size), size
        except RuntimeError as e:  # torch.cuda.OutOfMemoryError is a RuntimeError
            if not is_oom(e):
                raise
            if size <= floor:
                raise AuditkitError(f"out of GPU memory at {size}; {advice}") from None
            from auditkit.modeling import require_torch

            require_torch().cuda.empty_cache()
            size = max(floor, size // 2)
