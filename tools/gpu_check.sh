#!/usr/bin/env bash
# The GPU check of auditkit (issue #13 item 8), meant to finish within 10 minutes on one CUDA GPU:
#   1. tests/gpu: every scorer and task runner on CUDA with tiny models (= the CPU results),
#      bfloat16, and 8-bit / 4-bit loads through bitsandbytes;
#   2. the 554 x 181 probe timed on a randomly initialised 7B-shaped Llama in bfloat16
#      (tools/gpu_probe_timing.py; no download).
# Without CUDA it says so in one line and exits 2. Exit 0 only when every step passed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false

if ! python - <<'PY'
import sys
try:
    import torch
except ImportError:
    print("gpu_check: torch is not installed"); sys.exit(1)
if not torch.cuda.is_available():
    print("gpu_check: no CUDA device visible to torch (torch %s); nothing to check" % torch.__version__)
    sys.exit(1)
print("gpu_check: %s, torch %s, CUDA %s" % (torch.cuda.get_device_name(0), torch.__version__, torch.version.cuda))
PY
then
    exit 2
fi
python -c "import bitsandbytes as b; print('gpu_check: bitsandbytes', b.__version__)" 2>/dev/null \
    || echo "gpu_check: bitsandbytes is not installed: the 8-bit/4-bit tests will skip (pip install bitsandbytes)"

status=0
start=$(date +%s)
echo "== 1/2 tests/gpu (limit 300 s)"
timeout 300 python -m pytest -q -rs tests/gpu -p no:cacheprovider || status=1
echo "== 2/2 554 x 181 probe, 7B-shaped Llama, bfloat16 (limit 240 s)"
timeout 240 python tools/gpu_probe_timing.py || status=1
echo "gpu_check: done in $(( $(date +%s) - start )) s, status $status"
exit $status
