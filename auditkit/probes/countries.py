"""Country registry of the probes: names as the study spells them, codes, articles.

The study named countries by their Natural Earth ``ADMIN`` spelling ("United States of America",
"Republic of Serbia", "Swaziland", "Hong Kong S.A.R.", ...). Codes come from the package's one
country table, auditkit/facts/countries.py (pycountry exact lookups, the documented aliases,
Kosovo as the user-assigned XKX, and the places with no code, reported as such, never guessed).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from auditkit.errors import AuditkitError
from auditkit.facts import countries as _facts

# Names that take "the" in running English although no keyword below gives it away.
_ARTICLE_NAMES = frozenset(
    {
        "Bahamas",
        "Gambia",
        "Netherlands",
        "Ivory Coast",
        "Philippines",
        "Maldives",
        "Seychelles",
        "Russian Federation",
        "Vatican",
        "Comoros",
    }
)
# Plural or descriptive names take "the" ("the Solomon Islands", "the United Kingdom",
# "the Czech Republic"); a single "Island" does not ("Norfolk Island").
_ARTICLE_WORDS = re.compile(r"\b(Islands|States|Republic|United|Kingdom|Emirates|Federation)\b")


@dataclass(frozen=True)
class Country:
    """A country as probes name it. ``name`` is the display spelling (the study's by default)."""

    name: str
    iso3: str | None
    takes_article: bool

    @property
    def bare_name(self) -> str:
        """The name without a leading article ('The Bahamas' -> 'Bahamas')."""
        return self.name[4:] if self.name.startswith("The ") else self.name

    def mention(self, sentence_initial: bool = False) -> str:
        """How the country reads in a sentence: 'the Netherlands', sentence-initial 'The Bahamas'."""
        if not self.takes_article:
            return self.name
        return ("The " if sentence_initial else "the ") + self.bare_name


def takes_article(name: str) -> bool:
    """Whether English puts 'the' before this country name."""
    if name.startswith("The "):
        return True
    if name in _ARTICLE_NAMES:
        return True
    return bool(_ARTICLE_WORDS.search(name))


def iso3(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a country name (Kosovo: the user-assigned XKX), or None for
    places without one. Raises AuditkitError for names nobody knows, so a typo never silently
    becomes 'no code'. One answer for the whole package: auditkit.facts.countries."""
    return _facts.lookup_iso3(name)


def lookup(name: str) -> Country:
    """A Country for any known spelling; the display name is kept as given."""
    name = name.strip()
    return Country(name=name, iso3=iso3(name), takes_article=takes_article(name))


@lru_cache(maxsize=1)
def study_countries() -> tuple[Country, ...]:
    """The study's 181 countries (2021 population > 250,000), in the study's order."""
    from auditkit.facts.countries import study_rows

    return tuple(
        Country(name=name, iso3=code or None, takes_article=takes_article(name))
        for name, code in study_rows()
    )


COUNTRY_LISTS = ("study-181",)


def resolve_countries(spec: str | list[str] | tuple[str, ...] | None) -> list[Country]:
    """A country list from a name ('study-181'), a file (one name per line or a CSV with a
    'country' column), or an explicit list of names."""
    from pathlib import Path

    if spec is None or spec == "study-181":
        return list(study_countries())
    if isinstance(spec, str):
        p = Path(spec)
        if not p.exists():
            raise AuditkitError(
                f"--countries {spec!r}: not a known list ({', '.join(COUNTRY_LISTS)}) "
                "and no such file"
            )
        return load_country_file(p)
    return [lookup(n) for n in spec]


def load_country_file(path) -> list[Country]:
    """One country name per line, or a CSV with a 'country' column (other columns ignored)."""
    from auditkit.errors import InputError

    text = open(path, encoding="utf-8-sig").read()
    lines = text.splitlines()
    out: list[Country] = []
    if lines and "," in lines[0] and "country" in [c.strip() for c in lines[0].split(",")]:
        reader = csv.DictReader(lines)
        for i, row in enumerate(reader, start=2):
            name = (row.get("country") or "").strip()
            if not name:
                raise InputError("empty country name", path, i, "country")
            try:
                out.append(lookup(name))
            except AuditkitError as e:
                raise InputError(str(e), path, i, "country") from e
        return out
    start = 1
    if lines and lines[0].strip().lower() == "country":
        start = 2
        lines = lines[1:]
    for i, line in enumerate(lines, start=start):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            out.append(lookup(line))
        except AuditkitError as e:
            raise InputError(str(e), path, i, "country") from e
    if not out:
        raise InputError("no countries listed", path)
    return out
