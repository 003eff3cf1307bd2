"""`auditkit lang --engine ray` on a local Ray cluster: byte-identical to the local engine,
and a run resumes across engines (same shards, same done markers)."""

from __future__ import annotations

import pytest

from auditkit.langid.lang_run import DONE_DIR, run_lang
from tests.langid.test_lang_run import _files, write_corpus

pytestmark = pytest.mark.slow  # a Ray cluster per test

ray = pytest.importorskip("ray", reason="ray not installed: pip install 'auditkit[ray]'")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_ray_engine_is_byte_identical_and_resumes_a_local_run(tmp_path, local_ray):
    corpus = write_corpus(tmp_path / "c.jsonl", per_language=12)
    local = run_lang(str(corpus), tmp_path / "local", workers=2, shard_size=60)
    on_ray = run_lang(str(corpus), tmp_path / "ray", workers=2, shard_size=60, engine="ray")
    assert on_ray == local
    assert _files(tmp_path / "ray") == _files(tmp_path / "local")

    # A local run that "died" after two shards, resumed on Ray.
    mixed = tmp_path / "mixed"
    run_lang(str(corpus), mixed, workers=1, shard_size=60)
    for marker in sorted((mixed / DONE_DIR).glob("*.done.json"))[2:]:
        marker.unlink()
    (mixed / "summary.json").unlink()
    resumed = run_lang(str(corpus), mixed, workers=2, shard_size=60, engine="ray")
    assert resumed == local
    assert _files(mixed) == _files(tmp_path / "local")


def test_missing_ray_says_how_to_install(monkeypatch):
    import builtins

    from auditkit import raytools
    from auditkit.errors import MissingDependency

    real_import = builtins.__import__

    def no_ray(name, *a, **k):
        if name == "ray":
            raise ImportError("No module named 'ray'")
        return real_import(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MissingDependency, match=r"pip install 'auditkit\[ray\]'"):
        raytools.require_ray()
