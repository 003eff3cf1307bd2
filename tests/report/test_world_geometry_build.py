"""tools/build_world_geometry.py, the build-time maker of the report's world geometry: the
projection and the simplification (the report itself only reads the JSON)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from auditkit.report.geometry import outline_path
from tests.conftest import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    "build_world_geometry", REPO_ROOT / "tools" / "build_world_geometry.py"
)
BUILD = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(BUILD)
equal_earth, simplify = BUILD.equal_earth, BUILD.simplify


def test_equal_earth_projection():
    x, y = equal_earth(np.array([0.0, 180.0, -180.0, 0.0]), np.array([0.0, 0.0, 0.0, 90.0]))
    assert x[0] == 0 and y[0] == 0
    assert x[1] == pytest.approx(-x[2])
    # Equal Earth's published extent on the unit sphere: x_max 2.7064, y_max 1.3173
    assert x[1] == pytest.approx(2.7064, abs=1e-3)
    assert y[3] == pytest.approx(1.3173, abs=1e-3)
    assert BUILD.outline_path() == outline_path()  # the shipped outline is this one


def test_simplify_keeps_corners_and_drops_collinear_points():
    pts = np.array([[0, 0], [1, 0.01], [2, 0], [2, 1], [2, 2]], dtype=float)
    out = simplify(pts, 0.1)
    assert out.tolist() == [[0, 0], [2, 0], [2, 2]]
