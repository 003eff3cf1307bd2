"""The HTML report: self-contained, every chart present with alt text, deterministic."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from auditkit.report import charts
from auditkit.report.api import report
from auditkit.report.geometry import load_world, outline_path, resolve_iso3
from auditkit.report.html import external_references
from tests.report.conftest import RUNS

# The fixture corpus is a local file, so nothing declares its training step: the tests link
# it with --link, and --min-loss 0 flags every drop of a rare language.
LINKED = {"links": ["lang=llama-tulu:sft"], "min_loss_points": 0.0}

CHART_KINDS = (
    "language-shares",
    "choropleth",
    "heatmap",
    "metric-bars",
    "link-languages",
    "link-countries",
)


class _Svgs(HTMLParser):
    """Collects each <svg>'s attributes and whether it has a <title> and a <desc>."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict] = []
        self.stack: list[str] = []
        self.figcaptions = 0

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs.append({"attrs": dict(attrs), "title": False, "desc": False})
        elif tag in ("title", "desc") and self.svgs and "svg" in self.stack:
            if self.stack[-1] == "svg":
                self.svgs[-1][tag] = True
        elif tag == "figcaption":
            self.figcaptions += 1
        if tag not in ("meta", "br", "line", "rect", "path", "circle"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_startendtag(self, tag, attrs):
        pass


@pytest.fixture(scope="module")
def html(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("html") / "report.html"
    report([RUNS], html=out, **LINKED)
    return out.read_text("utf-8")


def test_report_has_every_chart_with_alt_text(html):
    p = _Svgs()
    p.feed(html)
    kinds = [s["attrs"].get("data-chart") for s in p.svgs]
    for k in CHART_KINDS:
        assert k in kinds, k
    # 2 evals x 1 chain of bars, 2 probe maps
    assert kinds.count("metric-bars") == 2 and kinds.count("choropleth") == 2
    for s in p.svgs:
        a = s["attrs"]
        assert a.get("role") == "img"
        assert s["title"] and s["desc"], a.get("id")
        ids = a["aria-labelledby"].split()
        assert ids == [f"{a['id']}-t", f"{a['id']}-d"]
    assert p.figcaptions == len(p.svgs)


def test_report_is_self_contained(html):
    assert external_references(html) == []
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html and "url(" not in html


def test_external_reference_detector_finds_what_a_browser_would_fetch():
    page = (
        "<img src='https://cdn.example/x.png'><link href=\"//fonts.example/css\">"
        "<div style=\"background:url('http://t.example/a.png')\"></div><a href='#top'>x</a>"
        "<style>@import 'https://x.example/y.css';</style><img src='data:image/png;base64,AA'>"
    )
    assert external_references(page) == [
        "https://cdn.example/x.png",
        "//fonts.example/css",
        "http://t.example/a.png",
        "https://x.example/y.css",
    ]


def test_report_is_deterministic(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    report([RUNS], html=a, **LINKED)
    report([RUNS], html=b, **LINKED)
    assert a.read_bytes() == b.read_bytes()


def test_choropleth_colours_ranked_countries_and_greys_the_rest(html):
    svg = re.search(r'<svg[^>]*data-chart="choropleth".*?</svg>', html, re.S).group(0)
    fills = dict(re.findall(r'data-iso3="([A-Z]{3})" fill="(#[0-9a-f]{6})"', svg))
    assert len(fills) == len(load_world().countries)
    # New Zealand is ranked 1 in the LM fixture: the darkest end of viridis
    assert fills["NZL"] == charts.interpolate(charts.VIRIDIS, 0.0)
    assert fills["AUT"] == charts.NO_DATA  # not among the fixture's countries
    assert "New Zealand: mean rank 1.0 (rank 1 of 132)" in svg


def test_links_section_flags_bengali(html):
    sec = html[html.index("id='links'") :]
    assert "Bangla" in sec and "rare &amp; losing" in sec
    assert "rests on 9 languages" in sec
    assert "a drop of more than 0 points (--min-loss)" in sec  # the rule in force is named
    assert sec.count("data-link='lang→llama-tulu:sft'") == 1


def test_world_geometry_is_small_complete_and_offline():
    from importlib import resources

    f = resources.files("auditkit.report").joinpath("data", "world_110m.json")
    assert len(f.read_bytes()) < 1_000_000
    w = load_world()
    isos = {c["iso3"] for c in w.countries}
    assert len(isos) == len(w.countries) == 176
    assert {"USA", "IND", "BGD", "NGA", "FRA", "NOR", "XKX"} <= isos
    assert "ATA" not in isos
    for c in w.countries:
        assert re.fullmatch(r"(M[-\d. L]+Z)+", c["d"].replace("L", " L")), c["iso3"]


def test_shipped_outline_is_a_closed_path():
    assert outline_path().startswith("M") and outline_path().endswith("Z")


@pytest.mark.parametrize(
    "name,iso",
    [
        ("United States of America", "USA"),
        ("Ivory Coast", "CIV"),
        ("Democratic Republic of the Congo", "COD"),
        ("Bosnia and Herz.", "BIH"),
        ("Germany", "DEU"),
        ("Kosovo", "XKX"),
        ("Atlantis", None),
    ],
)
def test_resolve_iso3(name, iso):
    assert resolve_iso3(name) == iso


def test_nice_ticks_and_percent_labels():
    assert charts.nice_ticks(0, 73) == [0, 20, 40, 60, 80]
    assert charts.nice_ticks(-12.5, 9.1)[0] <= -12.5 and charts.nice_ticks(-12.5, 9.1)[-1] >= 9.1
    assert charts.percent_label(0.0001) == "0.01%"
    assert charts.percent_label(1.0) == "100%"
    assert charts.interpolate(("#000000", "#ffffff"), 0.5) == "#808080"
