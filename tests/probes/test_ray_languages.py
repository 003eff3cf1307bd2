"""`--engine ray` for the language probe and --pairs: byte-identical summary.json and scores."""

from __future__ import annotations

import filecmp
import json

import pytest

from auditkit.probes.api import SCORES_FILE, probe_rm
from tests.probes.test_ray_engine import local_ray, one_torch_thread  # noqa: F401

FEW = ["en", "bn", "sw", "te", "zh", "ar", "fr", "ru", "hi", "am"]


def _same(a, b) -> None:
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert filecmp.cmp(a / SCORES_FILE, b / SCORES_FILE, shallow=False)


@pytest.mark.slow
def test_language_probe_on_ray_matches_local(tiny_models, tmp_path, local_ray, one_torch_thread):  # noqa: F811
    kw = dict(
        probes="languages",
        languages=FEW,
        question_chunk=3,
        dtype="float32",
        device="cpu",
        n_resamples=50,
    )
    model = str(tiny_models.starling_like)
    probe_rm(model, out=tmp_path / "local", **kw)
    probe_rm(model, out=tmp_path / "ray", engine="ray", **kw)
    _same(tmp_path / "local", tmp_path / "ray")
    engine = json.loads((tmp_path / "ray" / "audit.json").read_text())["engine"]
    assert engine["name"] == "ray" and engine["chunks"] == 3  # 8 (item, variant) groups / 3


@pytest.mark.slow
def test_pairs_on_ray_match_local(tiny_models, tmp_path, local_ray, one_torch_thread):  # noqa: F811
    rows = [
        {
            "id": i,
            "language": lang,
            "prompt": f"{p} {i}",
            "chosen": "Yes, gladly.",
            "rejected": "No.",
        }
        for i in range(4)
        for lang, p in (("eng_Latn", "Can you help?"), ("fra_Latn", "Pouvez-vous aider ?"))
    ]
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    kw = dict(pairs=[str(data)], question_chunk=3, dtype="float32", device="cpu")
    model = str(tiny_models.seq_cls)
    probe_rm(model, out=tmp_path / "local", **kw)
    probe_rm(model, out=tmp_path / "ray", engine="ray", **kw)
    _same(tmp_path / "local", tmp_path / "ray")
