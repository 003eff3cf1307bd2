"""Every scorer and every eval task runner on CUDA with tiny models, and 8-bit / 4-bit loads
through bitsandbytes. CUDA results must match the CPU ones (float32) to float tolerance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditkit.modeling import LoadOptions
from auditkit.probes.batching import run_batches
from auditkit.probes.scorers import build_scorer
from tests.conftest import FIXTURES
from tests.probes.scorers.test_scorers import _encoded

torch = pytest.importorskip("torch")

KINDS = ["starling", "seq-cls", "dpo", "lm"]
FX = FIXTURES / "evals"
TASKS = {
    "md3-game": dict(data=FX / "md3_game_items.csv", groups=None),
    "tydiqa-goldp": dict(data=FX / "tydiqa", groups=["english", "swahili"]),
    "belebele": dict(data=FX / "belebele", groups=["eng_Latn", "swh_Latn"]),
    "globalopinionsqa": dict(data=FX / "goqa_global_opinions.csv", groups=None),
}


def _path(tiny_models, kind):
    return {
        "starling": tiny_models.starling_like,
        "seq-cls": tiny_models.seq_cls,
        "dpo": tiny_models.causal_lm,
        "lm": tiny_models.causal_lm,
    }[kind]


@pytest.mark.parametrize("kind", KINDS)
def test_every_scorer_on_cuda_matches_cpu(tiny_models, kind):
    ref = str(tiny_models.causal_lm_ref)
    scores = {}
    for device in ("cpu", "cuda"):
        s = build_scorer(
            str(_path(tiny_models, kind)), kind, LoadOptions(dtype="float32", device=device),
            reference=ref,
        )  # fmt: skip
        items = _encoded(s)
        scores[device], _ = run_batches(items, s.score_batch, s.pad_id, 4096)
    assert np.isfinite(scores["cuda"]).all()
    np.testing.assert_allclose(scores["cuda"], scores["cpu"], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("kind", KINDS)
def test_every_scorer_in_bfloat16_on_cuda_keeps_the_ranking(tiny_models, kind):
    ref = str(tiny_models.causal_lm_ref)
    got = {}
    for dtype in ("float32", "bfloat16"):
        s = build_scorer(
            str(_path(tiny_models, kind)), kind, LoadOptions(dtype=dtype, device="cuda"),
            reference=ref,
        )  # fmt: skip
        got[dtype], _ = run_batches(_encoded(s), s.score_batch, s.pad_id, 4096)
    assert np.corrcoef(got["float32"], got["bfloat16"])[0, 1] > 0.9


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_runner_on_cuda_matches_cpu(tiny_models, tmp_path, task):
    from auditkit.evals.api import run_eval

    frames = {}
    for device in ("cpu", "cuda"):
        run_eval(
            task,
            str(tiny_models.causal_lm),
            data=str(TASKS[task]["data"]),
            groups=TASKS[task]["groups"],
            device=device,
            dtype="float32",
            max_new_tokens=4 if task == "tydiqa-goldp" else None,
            out=str(tmp_path / device),
            show_progress=False,
            n_resamples=50,
            batch_size=3,
        )
        frames[device] = pd.read_parquet(tmp_path / device / "outputs.parquet")
    a, b = frames["cpu"], frames["cuda"]
    if "generation" in a.columns:  # greedy decoding: the same text
        assert list(a["generation"]) == list(b["generation"])
    if "probs" in a.columns:
        np.testing.assert_allclose(
            np.stack(a["probs"].to_numpy()), np.stack(b["probs"].to_numpy()), atol=1e-4
        )


@pytest.mark.parametrize("flag", ["load_in_8bit", "load_in_4bit"])
def test_bitsandbytes_loads_for_scorers_and_tasks(tiny_models, tmp_path, flag):
    pytest.importorskip("bitsandbytes", reason=f"{flag} needs bitsandbytes")
    from auditkit.evals.api import run_eval

    for kind in ("seq-cls", "lm"):
        s = build_scorer(
            str(_path(tiny_models, kind)), kind, LoadOptions(device="cuda", **{flag: True})
        )
        q, _ = run_batches(_encoded(s), s.score_batch, s.pad_id, 4096)
        assert np.isfinite(q).all()
    summary = run_eval(
        "belebele",
        str(tiny_models.causal_lm),
        data=str(FX / "belebele"),
        groups=["eng_Latn", "swh_Latn"],
        device="cuda",
        out=str(tmp_path / flag),
        show_progress=False,
        n_resamples=50,
        model_args={flag: True},
    )
    assert summary["model"][flag] is True
