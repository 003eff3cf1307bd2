"""`auditkit countries --engine ray` on a local Ray cluster: byte-identical to the local
engine, and a local run resumes on Ray (the corpus-pass engine's shards and done markers)."""

from __future__ import annotations

import pytest

from auditkit.corpus_pass import DONE_DIR
from auditkit.countries.mentions_run import run_countries
from tests.countries.test_mentions_run import _files, write_pairs

pytestmark = pytest.mark.slow  # a Ray cluster per test

ray = pytest.importorskip("ray", reason="ray not installed: pip install 'auditkit[ray]'")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_engine_is_byte_identical_and_resumes_a_local_run(tmp_path, local_ray):
    corpus = write_pairs(tmp_path / "pairs.json", n=30)
    opts = {"languages": "en", "shard_size": 15}
    local = run_countries(str(corpus), tmp_path / "local", workers=2, **opts)
    on_ray = run_countries(str(corpus), tmp_path / "ray", workers=2, engine="ray", **opts)
    assert on_ray == local
    assert _files(tmp_path / "ray") == _files(tmp_path / "local")

    mixed = tmp_path / "mixed"
    run_countries(str(corpus), mixed, workers=1, **opts)
    for marker in sorted((mixed / DONE_DIR).glob("*.done.json"))[2:]:
        marker.unlink()
    (mixed / "summary.json").unlink()
    resumed = run_countries(str(corpus), mixed, workers=2, engine="ray", **opts)
    assert resumed == local
    assert _files(mixed) == _files(tmp_path / "local")
