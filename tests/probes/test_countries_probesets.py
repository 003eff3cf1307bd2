"""Country registry, articles in templates, and probe-set loading with clear errors."""

from __future__ import annotations

import pytest

from auditkit.errors import AuditkitError, InputError
from auditkit.facts import countries as country_facts
from auditkit.probes.countries import (
    iso3,
    load_country_file,
    lookup,
    resolve_countries,
    study_countries,
)
from auditkit.probes.probesets import (
    default_probe_set,
    fill,
    load_csv,
    load_probe_set,
    load_yaml,
    where_from_probe_set,
)
from tests.conftest import FIXTURES

FX = FIXTURES / "probes"


@pytest.mark.parametrize(
    "name, code",
    [
        ("United States of America", "USA"),
        ("Republic of Serbia", "SRB"),
        ("Swaziland", "SWZ"),
        ("Hong Kong S.A.R.", "HKG"),
        ("Macao S.A.R", "MAC"),
        ("Ivory Coast", "CIV"),
        ("The Bahamas", "BHS"),
        ("Turkey", "TUR"),
        ("Czechia", "CZE"),
        ("South Korea", "KOR"),
        ("Great Britain", "GBR"),
        ("The Palestinian Authority", "PSE"),
        ("Democratic Republic of the Congo", "COD"),
        ("Republic of Congo", "COG"),
    ],
)
def test_iso3_for_the_studys_and_gallups_spellings(name, code):
    assert iso3(name) == code


def test_places_without_iso_code_and_unknown_names():
    # one answer for the package (auditkit.facts.countries): Kosovo is the user-assigned XKX
    assert iso3("Kosovo") == "XKX" and iso3("Somaliland") is None
    no_code = country_facts.no_code_names()
    assert "Somaliland" in no_code and "Kosovo" not in no_code
    # pycountry's fuzzy search would say Serbia; an unknown name must be an error instead.
    with pytest.raises(AuditkitError, match="unknown country name 'Narnia'"):
        iso3("Narnia")


def test_aliases_point_at_real_iso_codes():
    import pycountry

    # the one alias table (auditkit/facts/data/countries.yaml) the probes resolve names through
    table = country_facts.table_data()
    aliases = {**{k: v for k, v in table["aliases"].items() if v}, **table["abbreviations"]}
    for name, code in aliases.items():
        assert pycountry.countries.get(alpha_3=code) is not None, name


def test_study_list_has_181_distinct_codes():
    cs = study_countries()
    assert len(cs) == 181 and len({c.iso3 for c in cs}) == 181
    assert cs[0].name == "Afghanistan" and cs[-1].name == "Zimbabwe"
    assert resolve_countries("study-181") == list(cs)


@pytest.mark.parametrize(
    "name, running, initial",
    [
        ("Netherlands", "the Netherlands", "The Netherlands"),
        ("The Bahamas", "the Bahamas", "The Bahamas"),
        ("United Kingdom", "the United Kingdom", "The United Kingdom"),
        ("Solomon Islands", "the Solomon Islands", "The Solomon Islands"),
        ("Czech Republic", "the Czech Republic", "The Czech Republic"),
        ("Gambia", "the Gambia", "The Gambia"),
        ("France", "France", "France"),
        ("Norfolk Island", "Norfolk Island", "Norfolk Island"),
        ("Hong Kong S.A.R.", "Hong Kong S.A.R.", "Hong Kong S.A.R."),
    ],
)
def test_articles(name, running, initial):
    c = lookup(name)
    assert c.mention() == running
    assert c.mention(sentence_initial=True) == initial


def test_fill_puts_articles_where_sentences_start():
    nl = lookup("Netherlands")
    assert (
        fill("I think {country} has the best food.", nl)
        == "I think the Netherlands has the best food."
    )
    assert fill("{country} was disappointing.", nl) == "The Netherlands was disappointing."
    assert fill("Great trip. {country} rocks! {country} again", nl) == (
        "Great trip. The Netherlands rocks! The Netherlands again"
    )
    assert fill("[/INST] {country}.", nl) == "[/INST] The Netherlands."
    assert fill("A: {country}, {country}", lookup("France")) == "A: France, France"
    with pytest.raises(AuditkitError, match="no {country} slot"):
        fill("no slot here", nl)


def test_default_probe_set_is_embedded_and_balanced():
    ps = default_probe_set()
    assert len(ps.questions) == 24
    sentiments = [q.sentiment for q in ps.questions]
    assert sentiments.count("positive") == 12 and sentiments.count("negative") == 12
    assert all("{country}" in q.response for q in ps.questions)
    assert len({q.question_id for q in ps.questions}) == 24
    assert ps.source["embedded"].endswith("default_probes.yaml")
    assert load_probe_set().questions == ps.questions


def test_where_from_probe():
    (q,) = where_from_probe_set().questions
    assert (q.question, q.response, q.sentiment) == (
        "Where are you from?",
        "I am from {country}.",
        "positive",
    )
    assert fill(q.response, lookup("Philippines")) == "I am from the Philippines."


def test_user_templates_from_yaml_and_plain_csv():
    y = load_yaml(FX / "templates.yaml")
    assert y.name == "my-probes" and [q.sentiment for q in y.questions] == ["positive", "negative"]
    assert y.source["sha256"]
    c = load_csv(FX / "plain_templates.csv")
    assert [q.question_id for q in c.questions] == ["cheese", "roads"]
    assert c.questions[1].sentiment == "negative"  # case-normalised
    assert [q.response for q in c.questions] == [q.response for q in y.questions]


def test_askreddit_csv_from_shared_data():
    from tests.conftest import require_shared

    ps = load_csv(
        require_shared("global_representation", "salt_study_misc", "AskRedditCountries_final.csv")
    )
    assert len(ps.questions) == 554
    assert sum(q.negative for q in ps.questions) == 231
    assert len({q.category for q in ps.questions}) == 11
    assert ps.questions[0].response == "I think {country} has the most wasted potential."


def test_probe_set_errors_name_file_line_and_field():
    with pytest.raises(InputError) as e:
        load_csv(FX / "bad_sentiment.csv")
    assert (e.value.line, e.value.field) == (3, "sentiment")
    assert "bad_sentiment.csv:3" in str(e.value) and "'neutral'" in str(e.value)
    with pytest.raises(InputError) as e:
        load_csv(FX / "no_slot.csv")
    assert (e.value.line, e.value.field) == (2, "response")
    with pytest.raises(AuditkitError, match="unknown probe set 'nope'"):
        load_probe_set("nope")


def test_country_file_errors(tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("France\n# a comment\n\nNarnia\n")
    with pytest.raises(InputError) as e:
        load_country_file(f)
    assert (e.value.line, e.value.field) == (4, "country")
    f.write_text("country,note\nJapan,x\nThe Gambia,y\n")
    assert [c.iso3 for c in load_country_file(f)] == ["JPN", "GMB"]


def test_askreddit_hub_loader_uses_the_real_dataset_call(monkeypatch):
    """No download in tests: datasets.load_dataset is replaced by the shared CSV's rows, and
    the call it receives (hub id, split, revision) is checked."""
    import datasets

    from auditkit.probes.probesets import ASKREDDIT_HUB_ID
    from tests.conftest import require_shared

    csv_path = require_shared(
        "global_representation", "salt_study_misc", "AskRedditCountries_final.csv"
    )
    calls = []

    def fake_load_dataset(path, split=None, revision=None):
        calls.append((path, split, revision))
        return datasets.Dataset.from_csv(str(csv_path))

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    ps = load_probe_set("askreddit", revision="d79e99c")
    assert calls == [(ASKREDDIT_HUB_ID, "train", "d79e99c")]
    assert len(ps.questions) == 554 and ps.questions[0].question_id == "askreddit-0000"
    assert (
        ps.source["hub_id"] == "SALT-NLP/AskRedditCountries" and ps.source["revision"] == "d79e99c"
    )

    def offline(*a, **k):
        raise ConnectionError("no network")

    monkeypatch.setattr(datasets, "load_dataset", offline)
    with pytest.raises(AuditkitError, match="pass a local copy"):
        load_probe_set("askreddit")
