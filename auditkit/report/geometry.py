"""Offline world geometry for the choropleth: Natural Earth admin-0 countries, 1:110m.

The shipped file ``data/world_110m.json`` holds one SVG path per country and the globe's
outline, already projected (Equal Earth) and simplified, so drawing the map needs neither a
network nor a GIS library. It is built by ``tools/build_world_geometry.py`` (see
``data/NATURAL_EARTH.md``); this module only reads it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

WORLD_FILE = "world_110m.json"


@dataclass(frozen=True)
class World:
    width: float
    height: float
    countries: tuple[dict[str, str], ...]
    source: str
    outline: str  # the projected globe's outline (the +-180 degree meridians) as a path


@lru_cache(maxsize=1)
def load_world() -> World:
    """The shipped world geometry (package data, no network)."""
    text = resources.files("auditkit.report").joinpath("data", WORLD_FILE).read_text("utf-8")
    raw = json.loads(text)
    return World(
        width=float(raw["width"]),
        height=float(raw["height"]),
        countries=tuple(raw["countries"]),
        source=raw["source"],
        outline=raw["outline"],
    )


def outline_path() -> str:
    """The projected globe's outline as SVG path data."""
    return load_world().outline


# Natural Earth's own drawing ids for places that have no country code at all (the package's
# country table reports them as "no code"); only the map needs them.
NE_DRAWING_IDS = {"northern cyprus": "CYN", "somaliland": "SOL"}


@lru_cache(maxsize=4096)
def resolve_iso3(name: str) -> str | None:
    """ISO3 of a country name: Natural Earth short spelling or drawing id, else the package's
    one country table (auditkit.facts.countries: the study's spellings, aliases, anything
    pycountry knows exactly). No fuzzy matching: a wrong country on a map is worse than a
    missing one."""
    from auditkit.facts.countries import iso3_or_none

    key = str(name).strip().casefold()
    if not key:
        return None
    for c in load_world().countries:
        if c["name"].casefold() == key or c["iso3"].casefold() == key:
            return c["iso3"]
    if key in NE_DRAWING_IDS:
        return NE_DRAWING_IDS[key]
    return iso3_or_none(str(name).strip())
