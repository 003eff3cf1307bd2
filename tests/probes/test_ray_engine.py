"""`auditkit probe-rm --engine ray` on a local Ray cluster: the same scores and a byte-identical
summary.json as the local engine; actor planning; the install hint without Ray."""

from __future__ import annotations

import builtins
import filecmp

import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.errors import AuditkitError, MissingDependency
from auditkit.io import read_json
from auditkit.probes.api import SCORES_FILE, probe_rm, question_chunks
from auditkit.probes.probesets import default_probe_set
from auditkit.probes.ray_engine import plan_actors

COUNTRIES = [
    "France",
    "Netherlands",
    "United States of America",
    "Japan",
    "Nigeria",
    "India",
    "The Bahamas",
    "Canada",
    "China",
    "Russia",
]


@pytest.fixture(scope="module")
def local_ray():
    ray = pytest.importorskip("ray", reason="ray not installed: pip install 'auditkit[ray]'")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.fixture
def one_torch_thread():
    """Both engines with one torch thread, so that two one-CPU actors fit the 2-CPU cluster
    (the thread count itself is what the engines must agree on)."""
    from auditkit.modeling import require_torch

    torch = require_torch()
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _same_run(local, on_ray) -> None:
    assert (local / "summary.json").read_bytes() == (on_ray / "summary.json").read_bytes()
    a = pd.read_parquet(local / SCORES_FILE)
    b = pd.read_parquet(on_ray / SCORES_FILE)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert filecmp.cmp(local / SCORES_FILE, on_ray / SCORES_FILE, shallow=False)


@pytest.mark.slow
def test_reward_model_on_ray_matches_local_byte_for_byte(
    tiny_models, tmp_path, local_ray, one_torch_thread
):
    kw = dict(
        countries=COUNTRIES,
        limit=5,  # chunks of 2: 2 + 2 + 1 questions, shared among two actors
        question_chunk=2,
        dtype="float32",
        device="cpu",
        n_resamples=50,
    )
    model = str(tiny_models.starling_like)
    local = probe_rm(model, out=tmp_path / "local", **kw)
    on_ray = probe_rm(model, out=tmp_path / "ray", engine="ray", **kw)
    _same_run(tmp_path / "local", tmp_path / "ray")
    assert [c["country"] for c in on_ray["countries"]] == [c["country"] for c in local["countries"]]
    assert len(pd.read_parquet(tmp_path / "ray" / SCORES_FILE)) == 5 * len(COUNTRIES)

    engine = read_json(tmp_path / "ray" / "audit.json")["engine"]
    assert engine["name"] == "ray" and engine["chunks"] == 3 and engine["torch_threads"] == 1
    (ray_run,) = engine["ray"].values()
    assert ray_run["actors"] == 2 and ray_run["actor_resources"] == {"num_cpus": 1}
    assert sorted(ray_run["chunks_per_actor"]) == [1, 2]  # both actors scored
    assert read_json(tmp_path / "local" / "audit.json")["engine"]["name"] == "local"


@pytest.mark.slow
def test_lm_without_prefix_reuse_on_ray_cli_matches_local(
    tiny_models, tmp_path, local_ray, one_torch_thread
):
    # Without prefix reuse a batch mixes several questions' sequences, so the scores depend
    # on which questions are scored together: the chunks must be the same on both engines.
    (tmp_path / "countries.txt").write_text("\n".join(COUNTRIES) + "\n")
    args = [
        "probe-rm",
        str(tiny_models.causal_lm),
        "--scorer",
        "lm",
        "--no-reuse-prefix",
        "--countries",
        str(tmp_path / "countries.txt"),
        "--limit",
        "6",
        "--question-chunk",
        "3",
        "--token-budget",
        "600",
        "--dtype",
        "float32",
        "--device",
        "cpu",
        "--bootstrap",
        "50",
        "--quiet",
    ]
    main([*args, "--out", str(tmp_path / "local")])
    main([*args, "--out", str(tmp_path / "ray"), "--engine", "ray"])
    _same_run(tmp_path / "local", tmp_path / "ray")
    # the engine is a runtime argument (results do not depend on it): recorded beside the config
    record = read_json(tmp_path / "ray" / "audit.json")
    assert record["engine"]["name"] == "ray" and "engine" not in record["config"]


@pytest.mark.slow
def test_user_error_in_an_actor_reaches_the_driver_as_its_message(
    tmp_path, local_ray, one_torch_thread
):
    missing = tmp_path / "no-such-model"
    with pytest.raises(AuditkitError, match="no-such-model") as e:
        probe_rm(str(missing), out=tmp_path / "out", engine="ray", limit=2, device="cpu")
    assert "Traceback" not in str(e.value)


def test_question_chunks_are_fixed_and_cover_every_question():
    qs = default_probe_set().questions[:7]
    chunks = question_chunks(qs, 3)
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert [q for c in chunks for q in c] == list(qs)
    assert question_chunks([], 4) == [[]]
    with pytest.raises(AuditkitError, match="question-chunk"):
        question_chunks(qs, 0)


class _FakeRay:
    def __init__(self, gpus: int, node_cpus: list[float]) -> None:
        self.gpus = gpus
        self.node_cpus = node_cpus

    def cluster_resources(self) -> dict[str, float]:
        res = {"CPU": float(sum(self.node_cpus))}
        if self.gpus:
            res["GPU"] = float(self.gpus)
        return res

    def nodes(self) -> list[dict]:
        return [{"Alive": True, "Resources": {"CPU": c}} for c in self.node_cpus]


def test_plan_actors_one_per_gpu_else_per_thread_group_of_cpus():
    assert plan_actors(_FakeRay(4, [16, 16]), 8, 35, "auto") == (4, {"num_gpus": 1}, "cuda")
    assert plan_actors(_FakeRay(4, [16]), 8, 2, "cuda:3") == (2, {"num_gpus": 1}, "cuda")
    # CPU: actors reserve the driver's torch threads, so they never oversubscribe a node.
    assert plan_actors(_FakeRay(0, [16, 8]), 8, 35, "auto") == (3, {"num_cpus": 8}, "cpu")
    assert plan_actors(_FakeRay(4, [16]), 4, 35, "cpu") == (4, {"num_cpus": 4}, "cpu")
    # More threads than any node has: one actor per node, reserving the whole node.
    assert plan_actors(_FakeRay(0, [2, 2]), 16, 35, "auto") == (2, {"num_cpus": 2}, "cpu")
    with pytest.raises(AuditkitError, match="no GPUs"):
        plan_actors(_FakeRay(0, [16]), 8, 35, "cuda")


@pytest.fixture
def no_ray(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def test_engine_ray_without_ray_says_how_to_install(no_ray, tmp_path):
    with pytest.raises(MissingDependency, match=r"for --engine ray: pip install 'auditkit\[ray\]'"):
        probe_rm("starling", out=tmp_path / "x", engine="ray")
    assert not (tmp_path / "x").exists()  # failed before loading or writing anything


@pytest.mark.slow
def test_cli_engine_ray_without_ray_prints_the_install_hint(no_ray, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["probe-rm", "starling", "--engine", "ray", "--out", str(tmp_path / "x"), "-q"])
    assert e.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "ray is needed for --engine ray: pip install 'auditkit[ray]'" in err
