"""Country registry: names as the study spells them, ISO 3166-1 alpha-3 codes, articles.

The study named countries by their Natural Earth ``ADMIN`` spelling ("United States of America",
"Republic of Serbia", "Swaziland", "Hong Kong S.A.R.", ...). Codes come from pycountry
(exact lookups only: its fuzzy search maps Kosovo to Serbia and Sint Maarten to the
Netherlands); names pycountry does not know are resolved through ``ALIASES`` (name -> alpha-3,
checked against pycountry), and places without an ISO 3166-1 code are listed in ``NO_ISO_CODE``
so they are reported as such instead of guessed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

from auditkit.errors import AuditkitError

# Spellings pycountry's exact lookup does not resolve: the study's Natural Earth names, the
# Gallup poll's names, and common short forms. Values are alpha-3 codes validated by pycountry.
ALIASES: dict[str, str] = {
    # Natural Earth ADMIN names used by the study's score files
    "Aland": "ALA",
    "The Bahamas": "BHS",
    "Bahamas": "BHS",
    "Brunei": "BRN",
    "Cape Verde": "CPV",
    "Democratic Republic of the Congo": "COD",
    "Republic of Congo": "COG",
    "Republic of the Congo": "COG",
    "East Timor": "TLS",
    "Falkland Islands": "FLK",
    "French Southern and Antarctic Lands": "ATF",
    "Guinea Bissau": "GNB",
    "Hong Kong S.A.R.": "HKG",
    "Ivory Coast": "CIV",
    "Macao S.A.R": "MAC",
    "Macao S.A.R.": "MAC",
    "Macedonia": "MKD",
    "Palestine": "PSE",
    "Pitcairn Islands": "PCN",
    "Russia": "RUS",
    "Saint Barthelemy": "BLM",
    "Saint Helena": "SHN",
    "Saint Martin": "MAF",
    "Sint Maarten": "SXM",
    "South Georgia and South Sandwich Islands": "SGS",
    "Swaziland": "SWZ",
    "Turkey": "TUR",
    "United States Virgin Islands": "VIR",
    "Vatican": "VAT",
    # Gallup and everyday spellings
    "Great Britain": "GBR",
    "Britain": "GBR",
    "UK": "GBR",
    "England": "GBR",
    "US": "USA",
    "U.S.": "USA",
    "USA": "USA",
    "United States": "USA",
    "America": "USA",
    "The Palestinian Authority": "PSE",
    "Palestinian Territories": "PSE",
    "The Netherlands": "NLD",
    "The Gambia": "GMB",
    "The Philippines": "PHL",
    "Burma": "MMR",
    "Czech Republic": "CZE",
}

# Natural Earth ADMIN names with no ISO 3166-1 alpha-3 code (disputed areas, sovereign base
# areas, uninhabited reefs, territories that span several codes). Kosovo's XKX is user-assigned,
# not ISO 3166-1.
NO_ISO_CODE: frozenset[str] = frozenset(
    {
        "Akrotiri Sovereign Base Area",
        "Ashmore and Cartier Islands",
        "Bajo Nuevo Bank (Petrel Is.)",
        "Baykonur Cosmodrome",
        "Clipperton Island",
        "Coral Sea Islands",
        "Cyprus No Mans Area",
        "Dhekelia Sovereign Base Area",
        "Indian Ocean Territories",
        "Kosovo",
        "Northern Cyprus",
        "Scarborough Reef",
        "Serranilla Bank",
        "Siachen Glacier",
        "Somaliland",
        "Spratly Islands",
        "US Naval Base Guantanamo Bay",
    }
)

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


@lru_cache(maxsize=4096)
def iso3(name: str) -> str | None:
    """ISO 3166-1 alpha-3 code of a country name, or None for places without one.

    Raises AuditkitError for names neither pycountry nor the alias table knows, so a typo never
    silently becomes 'no code'.
    """
    import pycountry

    key = name.strip()
    if key in NO_ISO_CODE:
        return None
    if key in ALIASES:
        code = ALIASES[key]
        if pycountry.countries.get(alpha_3=code) is None:  # pragma: no cover - table guard
            raise AssertionError(f"alias {key!r} -> {code} is not an ISO 3166-1 code")
        return code
    try:
        return pycountry.countries.lookup(key).alpha_3
    except LookupError:
        pass
    raise AuditkitError(
        f"unknown country name {name!r}: not an ISO 3166-1 name or code known to pycountry "
        "and not one of auditkit's aliases (auditkit.probes.countries.ALIASES)"
    )


def lookup(name: str) -> Country:
    """A Country for any known spelling; the display name is kept as given."""
    name = name.strip()
    return Country(name=name, iso3=iso3(name), takes_article=takes_article(name))


def same_country(a: str, b: str) -> bool:
    ca, cb = iso3(a), iso3(b)
    return (ca is not None and ca == cb) or a.strip() == b.strip()


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
