"""The package's one country table (auditkit/facts/countries.py)."""

from __future__ import annotations

import pytest

from auditkit.errors import AuditkitError
from auditkit.facts import countries as fc

REQUIRED_LANGUAGES = ("en", "ar", "bn", "fi", "id", "ko", "ru", "sw", "te")
REQUIRED_LANGUAGES += ("zh", "es", "fr", "de", "pt", "ja")


def test_study_countries_are_181_distinct_codes_in_the_table():
    study = fc.study_countries()
    assert len(study) == 181
    assert len({c.iso3 for c in study}) == 181
    assert all(c.in_study for c in study)
    assert study[0].name == "Afghanistan" and study[-1].name == "Zimbabwe"
    assert sum(c.in_study for c in fc.countries().values()) == 181


def test_every_iso_3166_country_is_in_the_table_and_kosovo_is_the_one_user_assigned_code():
    import pycountry

    table = fc.countries()
    assert {c.alpha_3 for c in pycountry.countries} <= set(table)
    extra = [c for c in table.values() if not c.iso_3166]
    assert [(c.iso3, c.iso2, c.name) for c in extra] == [("XKX", "XK", "Kosovo")]


@pytest.mark.parametrize(
    "name, code",
    [
        ("Kosovo", "XKX"),
        ("Republic of Congo", "COG"),
        ("Democratic Republic of the Congo", "COD"),
        ("United States of America", "USA"),
        ("UK", "GBR"),
        ("Great Britain", "GBR"),
        ("Hong Kong S.A.R.", "HKG"),
        ("swaziland", "SWZ"),
        ("Germany", "DEU"),
        ("DEU", "DEU"),
        ("de", "DEU"),
        ("Somaliland", None),
    ],
)
def test_lookup_iso3(name, code):
    assert fc.lookup_iso3(name) == code


def test_unknown_names_raise_rather_than_become_no_code():
    with pytest.raises(AuditkitError, match="unknown country name 'Atlantis'"):
        fc.lookup_iso3("Atlantis")
    assert fc.iso3_or_none("Atlantis") is None


@pytest.mark.parametrize("lang", REQUIRED_LANGUAGES)
def test_cldr_names_for_every_study_country_in_the_required_languages(lang):
    names = fc.localised_names(lang)
    missing = [c.iso3 for c in fc.study_countries() if not names.get(c.iso3)]
    assert missing == []
    # localised, not English copies: Germany is not 'Germany' outside English
    if lang != "en":
        assert "Germany" not in names["DEU"]


def test_demonyms_from_countryinfo_with_plurals_and_documented_resolutions():
    d = fc.english_demonyms()
    assert d["Nigerian"] == ("NGA",) and d["Nigerians"] == ("NGA",)
    assert d["Nigerien"] == ("NER",)
    assert d["French"] == ("FRA",)  # countryinfo gives it to several territories
    assert d["Congolese"] == ("COD", "COG")  # shared and unresolved: ambiguous
    assert "Chineses" not in d and "Swisss" not in d
    assert "English" not in d  # a language far more often than England


def test_table_codes_are_all_known():
    data = fc.table_data()  # validates every code against pycountry + user-assigned
    assert data["needs_cue"] and data["not_countries"]


def test_every_side_gives_one_answer():
    """probe-rm, the report's map and GlobalOpinionsQA resolve names through this table: they
    agree on every study country and on Kosovo (they disagreed before: None vs XKX)."""
    from auditkit.evals.tasks.goqa import canonical_country
    from auditkit.probes.countries import iso3 as probe_iso3
    from auditkit.report.geometry import resolve_iso3

    for c in fc.study_countries():
        assert probe_iso3(c.name) == c.iso3 == resolve_iso3(c.name), c.name
    assert probe_iso3("Kosovo") == resolve_iso3("Kosovo") == fc.lookup_iso3("Kosovo") == "XKX"
    for spelling in ("USA", "US", "U.S.", "United States of America", "United States"):
        assert canonical_country(spelling) == "United States"
    assert canonical_country("UK") == canonical_country("United Kingdom") == "Great Britain"
    assert canonical_country("Jordan") == "Jordan"
