"""tools/gpu_check.sh and tools/gpu_probe_timing.py on a machine without CUDA: a clean
refusal, and the timing's code path on a tiny model (so the GPU run is correct by
construction)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT

# end-to-end: subprocesses, whole commands (run with -m slow)
pytestmark = pytest.mark.slow

torch = pytest.importorskip("torch")
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


@no_cuda
def test_gpu_check_refuses_cleanly_without_cuda():
    proc = subprocess.run(
        ["bash", str(REPO_ROOT / "tools" / "gpu_check.sh")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout.strip().startswith("gpu_check: no CUDA device") and not proc.stderr


@no_cuda
def test_the_timing_refuses_without_cuda_and_runs_tiny():
    script = str(REPO_ROOT / "tools" / "gpu_probe_timing.py")
    proc = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "needs a GPU" in proc.stdout
    proc = subprocess.run(
        [sys.executable, script, "--tiny", "--questions", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert out["sequences"] == out["countries"] == 181 and out["finite_scores"] is True
