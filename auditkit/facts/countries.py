"""auditkit's one country table: codes, names, the study's 181, localised names, demonyms.

Every side that names a country resolves it here (probe-rm's country lists, the report's map,
GlobalOpinionsQA's country filter, `auditkit countries`' matcher), so a country has one code
everywhere. Sources, all maintained packages except the small documented table
``data/countries.yaml`` for what they do not cover:

- ISO 3166-1 codes and English names: pycountry (exact lookups only: its fuzzy search maps
  Kosovo to Serbia and Sint Maarten to the Netherlands).
- Localised country names: CLDR through babel (``Locale.territories``).
- English demonyms and alternative spellings: countryinfo (the REST Countries data set).
- The study's 181 countries (2021 population > 250,000), in the study's spelling and order:
  ``data/study_countries_181.csv``.

Kosovo has no ISO 3166-1 entry; the package uses the user-assigned XK/XKX that the EU, the IMF
and CLDR use (``Country.iso_3166`` is False for it).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from auditkit.errors import AuditkitError

DATA_FILE = "countries.yaml"
STUDY_FILE = "study_countries_181.csv"


@dataclass(frozen=True)
class Country:
    """One entry of the table. ``name`` is the English short name (the study's spelling for the
    study's countries, else CLDR's English name)."""

    iso3: str
    iso2: str
    name: str
    in_study: bool
    iso_3166: bool = True


def _read_text(name: str) -> str:
    return resources.files("auditkit.facts").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def table_data() -> dict[str, Any]:
    """The raw documented table (data/countries.yaml), codes validated."""
    import pycountry
    import yaml

    data = yaml.safe_load(_read_text(DATA_FILE))
    known = {c.alpha_3 for c in pycountry.countries} | set(data["user_assigned"])

    def check(where: str, mapping: dict) -> None:
        for k, v in mapping.items():
            if v is not None and v not in known:  # pragma: no cover - table guard
                raise AssertionError(f"countries.yaml {where}: {k!r} -> {v!r} is no known code")

    for section in ("aliases", "abbreviations", "extra_demonyms", "demonym_resolutions"):
        check(section, data[section])

    def strings(where: str, value: Any) -> None:
        # YAML reads a bare `on`/`no`/`null` as a boolean or None: every word must be a string
        if isinstance(value, dict):
            for k, v in value.items():
                strings(f"{where}.{k}", v)
        elif isinstance(value, list):
            for v in value:
                if not isinstance(v, str):  # pragma: no cover - table guard
                    raise AssertionError(f"countries.yaml {where}: {v!r} is not a string")

    strings("", data)
    for lang, mapping in data["localised_aliases"].items():
        check(f"localised_aliases.{lang}", mapping)
    return data


@lru_cache(maxsize=1)
def study_rows() -> tuple[tuple[str, str], ...]:
    """(study spelling, iso3) of the study's 181 countries, in the study's order."""
    rows = csv.DictReader(_read_text(STUDY_FILE).splitlines())
    return tuple((r["country"], r["iso3"]) for r in rows)


@lru_cache(maxsize=1)
def countries() -> dict[str, Country]:
    """Every country and territory with a code: ISO 3166-1 plus the user-assigned ones, by iso3."""
    import pycountry
    from babel import Locale

    en = Locale.parse("en").territories
    study = {iso3: name for name, iso3 in study_rows()}
    out: dict[str, Country] = {}
    for c in pycountry.countries:
        name = study.get(c.alpha_3) or en.get(c.alpha_2) or getattr(c, "common_name", c.name)
        out[c.alpha_3] = Country(c.alpha_3, c.alpha_2, name, c.alpha_3 in study)
    for iso3, extra in table_data()["user_assigned"].items():
        out[iso3] = Country(iso3, extra["iso2"], extra["name"], iso3 in study, iso_3166=False)
    return dict(sorted(out.items()))


def study_countries() -> tuple[Country, ...]:
    """The study's 181 countries, in the study's order."""
    table = countries()
    return tuple(table[iso3] for _, iso3 in study_rows())


def country(iso3: str) -> Country:
    try:
        return countries()[iso3]
    except KeyError:
        raise AuditkitError(f"unknown country code {iso3!r}") from None


def no_code_names() -> frozenset[str]:
    """Natural Earth places with no code at all (reported as such, never guessed)."""
    return frozenset(table_data()["no_code"])


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str | None]:
    """Case-folded spelling -> iso3 (None: a place known to have no code)."""
    data = table_data()
    index: dict[str, str | None] = {}
    for name in data["no_code"]:
        index[name.casefold()] = None
    for c in countries().values():
        index.setdefault(c.name.casefold(), c.iso3)
        index.setdefault(c.iso3.casefold(), c.iso3)
        index.setdefault(c.iso2.casefold(), c.iso3)
    for name, code in {**data["aliases"], **data["abbreviations"]}.items():
        index[name.casefold()] = code
    return index


@lru_cache(maxsize=8192)
def lookup_iso3(name: str) -> str | None:
    """iso3 of a country name or code: the study's spelling, an alias, or anything pycountry
    knows exactly (names, official names, alpha-2/3 codes). None for places known to have no
    code. Raises AuditkitError for names nobody knows, so a typo never becomes 'no code'."""
    import pycountry

    key = str(name).strip()
    folded = key.casefold()
    index = _name_index()
    if folded in index:
        return index[folded]
    try:
        return pycountry.countries.lookup(key).alpha_3
    except LookupError:
        pass
    raise AuditkitError(
        f"unknown country name {name!r}: not an ISO 3166-1 name or code known to pycountry "
        "and not one of auditkit's aliases (auditkit/facts/data/countries.yaml)"
    )


def iso3_or_none(name: str) -> str | None:
    """Like lookup_iso3, but None for unknown names too (for maps: a missing country is better
    than a wrong one)."""
    try:
        return lookup_iso3(name)
    except AuditkitError:
        return None


@lru_cache(maxsize=64)
def localised_names(lang: str) -> dict[str, tuple[str, ...]]:
    """iso3 -> CLDR names of the country in `lang` (babel), plus the table's everyday forms."""
    from babel import Locale, UnknownLocaleError

    by_iso2 = {c.iso2: c.iso3 for c in countries().values()}
    try:
        territories = Locale.parse(lang).territories
    except (UnknownLocaleError, ValueError):
        territories = {}
    out: dict[str, list[str]] = {}
    for iso2, name in territories.items():
        iso3 = by_iso2.get(iso2)
        if iso3:
            out.setdefault(iso3, []).append(name)
    for form, iso3 in table_data()["localised_aliases"].get(lang, {}).items():
        out.setdefault(iso3, []).append(form)
    return {k: tuple(v) for k, v in sorted(out.items())}


@lru_cache(maxsize=1)
def english_forms() -> dict[str, tuple[str, ...]]:
    """iso3 -> English names: CLDR, pycountry (name, common and official names), countryinfo
    alternative spellings (no codes, no inverted 'Korea, Republic of' forms), the table's
    aliases. Kept apart from demonyms."""
    import pycountry

    out: dict[str, set[str]] = {}

    def add(iso3: str | None, form: str | None) -> None:
        if iso3 and form and form.strip():
            out.setdefault(iso3, set()).add(form.strip())

    for iso3, names in localised_names("en").items():
        for n in names:
            add(iso3, n)
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value and "," not in value:
                add(c.alpha_3, value)
    excluded = {s.casefold() for s in table_data()["excluded_spellings"]}
    for iso3, info in _countryinfo().items():
        add(iso3, info.get("name_title"))
        for alt in info.get("altSpellings") or ():
            if "," in alt or (alt.isupper() and len(alt) <= 3) or alt.casefold() in excluded:
                continue
            add(iso3, alt)
    for c in countries().values():
        add(c.iso3, c.name)
    for form, iso3 in table_data()["aliases"].items():
        add(iso3, form)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


@lru_cache(maxsize=1)
def _countryinfo() -> dict[str, dict[str, Any]]:
    """countryinfo's records by iso3 (its own name keys are lower-case)."""
    from countryinfo import CountryInfo

    out: dict[str, dict[str, Any]] = {}
    for info in CountryInfo.all().values():
        iso3 = (info.get("ISO") or {}).get("alpha3")
        if iso3 and iso3 in countries() and iso3 not in out:
            out[iso3] = {**info, "name_title": info.get("name")}
    return out


def capital(iso3: str) -> str | None:
    """The capital city (countryinfo), used as a cue for ambiguous names."""
    return (_countryinfo().get(iso3) or {}).get("capital") or None


def _plural(demonym: str) -> str | None:
    """English plural of a demonym ('Nigerian' -> 'Nigerians'); None where it is the same word
    ('Chinese', 'Swiss', 'French') or not formed with -s."""
    last = demonym.split()[-1]
    if last.endswith(("ese", "s", "sh", "ch", "x", "z")) or last.endswith("man"):
        return None
    return demonym + "s"


@lru_cache(maxsize=1)
def english_demonyms() -> dict[str, tuple[str, ...]]:
    """Demonym/adjective -> the codes it may mean (one code: unambiguous). From countryinfo plus
    the table's extras, with their -s plurals; shared forms are resolved by the table's
    demonym_resolutions or left with several codes (ambiguous)."""
    data = table_data()
    excluded = {d.casefold() for d in data["excluded_demonyms"]}
    raw: dict[str, set[str]] = {}

    def add(form: str, iso3: str | None) -> None:
        if form.casefold() in excluded:
            return
        raw.setdefault(form, set())
        if iso3:
            raw[form].add(iso3)

    for iso3, info in _countryinfo().items():
        dem = (info.get("demonym") or "").strip()
        for part in dem.replace("/", ",").split(","):
            part = part.strip()
            if part:
                add(part, iso3)
                plural = _plural(part)
                if plural:
                    add(plural, iso3)
    for form, iso3 in data["extra_demonyms"].items():
        add(form, iso3)
        if iso3 is None:
            raw[form] = set()
    out: dict[str, tuple[str, ...]] = {}
    for form, codes in raw.items():
        resolved = data["demonym_resolutions"].get(form)
        out[form] = (resolved,) if resolved else tuple(sorted(codes))
    return dict(sorted(out.items()))
