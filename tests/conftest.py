"""Shared fixtures: the ../shared/data folder and tiny local models.

Tests that need ../shared/data use the `shared_data` fixture: they skip with a reason when it
is absent, and fail instead when AUDITKIT_REQUIRE_SHARED=1 (CI sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "fixtures"


def shared_data_dir() -> Path:
    env = os.environ.get("AUDITKIT_SHARED_DATA")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "data")


def require_shared(*parts: str) -> Path:
    """Path under ../shared/data; skip (or fail when AUDITKIT_REQUIRE_SHARED=1) if missing."""
    p = shared_data_dir().joinpath(*parts)
    if not p.exists():
        msg = f"shared data not found: {p}"
        if os.environ.get("AUDITKIT_REQUIRE_SHARED") == "1":
            pytest.fail(msg + " (AUDITKIT_REQUIRE_SHARED=1)")
        pytest.skip(msg)
    return p


@pytest.fixture
def shared_data() -> Path:
    return require_shared()


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Tiny randomly initialised models saved with save_pretrained (see tests/tiny_models.py)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from tests.tiny_models import build_tiny_models

    return build_tiny_models(tmp_path_factory.mktemp("tiny_models"))


def _uses_shared_data(item: pytest.Item) -> bool:
    """Whether the test, or a fixture it uses, reads ../shared/data (calls require_shared)."""
    import inspect

    funcs = [getattr(item, "function", None)]
    info = getattr(item, "_fixtureinfo", None)
    for defs in info.name2fixturedefs.values() if info else ():
        funcs.extend(d.func for d in defs)
    for fn in funcs:
        try:
            src = inspect.getsource(fn) if fn is not None else ""
        except (OSError, TypeError):
            continue
        if "require_shared(" in src or "shared_data" in src:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # `-m shared` / `-m "not shared"` select the tests that read the real public data; the
    # marker is derived from the code, so a new test cannot forget it
    for item in items:
        if item.get_closest_marker("shared") is None and _uses_shared_data(item):
            item.add_marker(pytest.mark.shared)
