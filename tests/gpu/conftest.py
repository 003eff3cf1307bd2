"""tests/gpu: the CUDA paths (skipped where torch sees no CUDA device).

Run on a GPU machine with `tools/gpu_check.sh` (these tests plus the 7B-shaped timing)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config, items):
    try:
        import torch

        cuda = torch.cuda.is_available()
    except ImportError:
        cuda = False
    if cuda:
        return
    skip = pytest.mark.skip(reason="needs a CUDA GPU (tests/gpu; run tools/gpu_check.sh there)")
    for item in items:
        if "tests/gpu/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(skip)
