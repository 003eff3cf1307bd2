"""The shared length-sorted batching and out-of-memory back-off (auditkit/batching.py)."""

import pytest

pytest.importorskip("torch")

from auditkit.batching import halve_on_oom, plan_batches  # noqa: E402
from auditkit.errors import AuditkitError  # noqa: E402


def test_plan_batches_sorts_by_length_and_fits_the_budget():
    lengths = [5, 1, 3, 3, 9]
    plan = plan_batches(lengths, token_budget=9, max_batch_size=8)
    assert [i for b in plan for i in b] == [1, 2, 3, 0, 4]
    for batch in plan[:-1]:
        assert len(batch) * max(lengths[i] for i in batch) <= 9


def test_halve_on_oom_keeps_finished_work_and_retries_the_rest_smaller():
    items = list(range(10))
    done: list[int] = []
    sizes: list[int] = []

    def attempt(size: int) -> str:
        sizes.append(size)
        while len(done) < len(items):
            batch = items[len(done) : len(done) + size]
            if size > 2:
                raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
            done.extend(batch)
        return "finished"

    result, final = halve_on_oom(attempt, 8, 1, "lower --batch-size")
    assert (result, final) == ("finished", 2)
    assert sizes == [8, 4, 2]
    assert done == items  # each item once: nothing lost, nothing repeated


def test_halve_on_oom_at_the_floor_is_one_line_error_and_other_errors_pass_through():
    def always_oom(size: int) -> None:
        raise RuntimeError("CUDA out of memory")

    with pytest.raises(AuditkitError, match="out of GPU memory at 4; lower --batch-size"):
        halve_on_oom(always_oom, 16, 4, "lower --batch-size")

    def broken(size: int) -> None:
        raise RuntimeError("shape mismatch")

    with pytest.raises(RuntimeError, match="shape mismatch"):
        halve_on_oom(broken, 16, 1, "x")
