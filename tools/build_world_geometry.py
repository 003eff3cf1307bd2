"""Build auditkit/report/data/world_110m.json, the HTML report's offline world geometry.

Build-time only (the report reads the JSON and needs neither this script nor a GIS library):
reads a Natural Earth admin-0 shapefile with pyshp (``pip install pyshp``), projects it with
Equal Earth to a 1000-unit-wide map, simplifies each ring with Douglas-Peucker, rounds to 0.1
unit, and writes one SVG path per country plus the projected globe's outline. See
auditkit/report/data/NATURAL_EARTH.md for the source file. Run from the repository root:

    python tools/build_world_geometry.py naturalearth_lowres.shp [OUT_JSON]
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

WORLD_JSON = (
    Path(__file__).resolve().parents[1] / "auditkit" / "report" / "data" / "world_110m.json"
)
# Map width in SVG user units; heights follow from the projection's aspect ratio.
MAP_WIDTH = 1000.0
# Douglas-Peucker tolerance in map units (0.35 of 1000 is well under a pixel at report size).
SIMPLIFY_TOLERANCE = 0.35
# Antarctica takes a sixth of the map and no study country is there.
DROPPED = {"ATA"}
# The 110m file marks Kosovo with -99; the package's country table gives it XKX (the
# user-assigned code the EU, the IMF and CLDR use).
ISO3_FIXES = {"Kosovo": "XKX"}
OUTLINE_STEPS = 90  # points per meridian of the globe's outline

# Equal Earth (Šavrič, Patterson & Jenny 2018) polynomial coefficients.
_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth projection of degrees to unit-sphere coordinates (x east, y north)."""
    lam = np.radians(np.asarray(lon_deg, dtype=float))
    phi = np.radians(np.asarray(lat_deg, dtype=float))
    theta = np.arcsin(_M * np.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (2 * math.sqrt(3) * lam * np.cos(theta)) / (
        3 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1)
    )
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def _extent() -> tuple[float, float]:
    """Half-width and half-height of the whole projected world (unit sphere)."""
    x, _ = equal_earth(np.array([180.0]), np.array([0.0]))
    _, y = equal_earth(np.array([0.0]), np.array([90.0]))
    return float(x[0]), float(y[0])


def to_map(lon_deg: np.ndarray, lat_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees to SVG map units: x in [0, MAP_WIDTH], y downwards from the north pole."""
    hx, hy = _extent()
    x, y = equal_earth(lon_deg, lat_deg)
    scale = MAP_WIDTH / (2 * hx)
    return (x + hx) * scale, (hy - y) * scale


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker simplification of a polyline (first and last points are kept)."""
    pts = np.asarray(points, dtype=float)
    if len(pts) < 3:
        return pts
    keep = np.zeros(len(pts), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = pts[i], pts[j]
        seg = b - a
        norm = math.hypot(seg[0], seg[1])
        rel = pts[i + 1 : j] - a
        if norm == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            m = i + 1 + k
            keep[m] = True
            stack.append((i, m))
            stack.append((m, j))
    return pts[keep]


def ring_path(lonlat: Sequence[Sequence[float]], tolerance: float = SIMPLIFY_TOLERANCE) -> str:
    """One closed ring as SVG path data ('M x y L ... Z'); empty when it collapses."""
    arr = np.asarray(lonlat, dtype=float)
    x, y = to_map(arr[:, 0], arr[:, 1])
    pts = simplify(np.column_stack([x, y]), tolerance)
    pts = np.round(pts, 1)
    # drop consecutive duplicates left by rounding
    if len(pts) > 1:
        pts = pts[np.r_[True, np.any(np.diff(pts, axis=0) != 0, axis=1)]]
    if len(pts) < 4:  # a closed ring needs 3 distinct points + the closing one
        return ""
    coords = [f"{p[0]:g} {p[1]:g}" for p in pts[:-1]]
    return "M" + "L".join(coords) + "Z"


def build_world(shapefile_path: str | Path) -> dict[str, Any]:
    """Project and simplify a Natural Earth admin-0 shapefile into the shipped JSON layout."""
    try:
        import shapefile  # pyshp
    except ImportError as e:  # pragma: no cover - exercised only when rebuilding the data
        raise SystemExit("reading the shapefile needs pyshp: pip install pyshp") from e
    reader = shapefile.Reader(str(shapefile_path))
    countries = []
    for shape_rec in reader.iterShapeRecords():
        rec = shape_rec.record.as_dict()
        name = rec["name"]
        iso3 = ISO3_FIXES.get(name, rec["iso_a3"])
        if iso3 in DROPPED:
            continue
        shape = shape_rec.shape
        bounds = list(shape.parts) + [len(shape.points)]
        rings = [shape.points[bounds[i] : bounds[i + 1]] for i in range(len(shape.parts))]
        d = "".join(ring_path(r) for r in rings)
        if d:
            countries.append({"iso3": iso3, "name": name, "continent": rec["continent"], "d": d})
    hx, hy = _extent()
    height = round(MAP_WIDTH * hy / hx, 1)
    return {
        "source": "Natural Earth 1:110m admin-0 countries (geopandas 0.14.4 naturalearth_lowres)",
        "license": "public domain (Natural Earth terms of use)",
        "projection": "Equal Earth",
        "width": MAP_WIDTH,
        "height": height,
        "dropped": sorted(DROPPED),
        "countries": sorted(countries, key=lambda c: c["iso3"]),
        "outline": outline_path(),
    }


def outline_path(steps: int = OUTLINE_STEPS) -> str:
    """The projected globe's outline (the +-180 degree meridians, pole to pole) as a path."""
    lats = np.linspace(-90.0, 90.0, steps)
    xl, yl = to_map(np.full(steps, -180.0), lats)
    xr, yr = to_map(np.full(steps, 180.0), lats[::-1])
    pts = [f"{x:.1f} {y:.1f}" for x, y in zip(np.r_[xl, xr], np.r_[yl, yr])]
    return "M" + "L".join(pts) + "Z"


def write_world(world: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(world, separators=(",", ":"), ensure_ascii=False) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        raise SystemExit("usage: python tools/build_world_geometry.py SHAPEFILE [OUT_JSON]")
    out = Path(args[1]) if len(args) == 2 else WORLD_JSON
    world = build_world(args[0])
    write_world(world, out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes, {len(world['countries'])} countries)")


if __name__ == "__main__":
    main()
