"""Browser test: headless Chromium renders the report from fixtures with networking disabled.

Checks that the page loads without console errors, requests nothing from the network, that
each chart element is in the rendered DOM; and, at a desktop (1400 px) and a phone (390 px)
width, that the findings are on the first screen, no card's content overflows it and no two
chart labels overlap. Screenshots go into the test's tmp dir (and $AUDITKIT_SCREENSHOT_DIR
when set) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from auditkit.report.api import report
from tests.report.browser import load_page, measure_layout, require_chromium, screenshot
from tests.report.conftest import RUNS
from tests.report.test_html import CHART_KINDS, LINKED


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def _save_screenshot(shot: Path, name: str) -> None:
    target = os.environ.get("AUDITKIT_SCREENSHOT_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / name)


# a headless browser per test: seconds each
pytestmark = pytest.mark.slow


def test_report_renders_offline_in_chromium(tmp_path):
    chromium = require_chromium()
    html = tmp_path / "report.html"
    report([RUNS], html=html, **LINKED)
    shot = tmp_path / "report.png"
    page = load_page(chromium, html, tmp_path / "chromium", screenshot=shot, window=(1280, 9600))

    assert page.page_requests == [], f"the report fetched: {page.page_requests}"
    assert page.console == [], page.console
    dom = page.dom
    assert "<h1>auditkit report</h1>" in dom
    for kind in CHART_KINDS:
        assert f'data-chart="{kind}"' in dom, f"chart {kind} missing from the rendered DOM"
    assert dom.count('class="country"') >= 2 * 170  # two maps of 176 countries
    assert "Bangla" in dom and "rare &amp; losing" in dom

    width, height = _png_size(shot)
    assert (width, height) == (1280, 9600)
    _save_screenshot(shot, "report-fixtures.png")
    pil = pytest.importorskip("PIL.Image")
    with pil.open(shot) as im:
        colours = im.convert("RGB").resize((64, 480)).getcolors(64 * 480)
    # a blank or failed render is one or two colours; charts give hundreds
    assert colours is not None and len(colours) > 50


def test_network_check_catches_an_external_resource(tmp_path):
    """Positive control: the same harness sees a page that tries to fetch something."""
    chromium = require_chromium()
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><html><body><p>x</p><img src='https://example.invalid/pixel.png'>"
        "</body></html>"
    )
    load = load_page(chromium, page, tmp_path / "chromium")
    assert load.page_requests == ["https://example.invalid/pixel.png"]


# (width, height) of the first screen: a desktop window and a phone (iPhone 12-15 class)
VIEWPORTS = ((1400, 900), (390, 844))


def check_layout(chromium: str, html: Path, work: Path, name: str) -> dict[int, dict]:
    """Measure ``html`` at each viewport, save screenshots, and assert the layout rules."""
    measured = {}
    for width, height in VIEWPORTS:
        m = measure_layout(chromium, html, work, width, height)
        measured[width] = m
        assert m["viewport"] == {"w": width, "h": height}
        f = m["findings"]
        # the findings heading and first finding are on the first screen, before any chart
        assert f["top"] < height / 3, (width, f)
        assert f["first_item_bottom"] is not None and f["first_item_bottom"] <= height, (width, f)
        assert m["first_chart_top"] > f["bottom"], (width, m["first_chart_top"], f)
        overflowing = [c for c in m["cards"] if c["scrollWidth"] > c["clientWidth"]]
        assert overflowing == [], (width, overflowing)
        assert m["page"]["scrollWidth"] <= m["page"]["clientWidth"], (width, m["page"])
        assert m["charts"] >= 1 and m["labels"] > 0
        assert m["overlaps"] == [], (width, m["overlaps"][:10])
        for label, h in (("first-screen", height), ("page", 12000)):
            png = work / f"{name}-{width}px-{label}.png"
            screenshot(chromium, html, work, png, width, h)
            _save_screenshot(png, png.name)
    return measured


def test_layout_at_desktop_and_phone_width(tmp_path):
    chromium = require_chromium()
    html = tmp_path / "report.html"
    report([RUNS], html=html, **LINKED)
    m = check_layout(chromium, html, tmp_path / "chromium", "report-fixtures")
    # every chart of the page was measured, with all its text
    assert m[1400]["charts"] == m[390]["charts"] == html.read_text().count(' data-chart="')


def test_label_overlap_check_catches_overlapping_labels(tmp_path):
    """Positive control: two labels drawn at one spot are reported."""
    chromium = require_chromium()
    page = tmp_path / "overlap.html"
    page.write_text(
        "<!DOCTYPE html><html><body><section class='card' id='findings'><ol><li>x</li></ol>"
        "</section><section class='card'><div style='width:2000px'>wide</div></section>"
        '<svg class="chart" id="c" viewBox="0 0 200 100"><text x="10" y="20">Congo</text>'
        '<text x="14" y="22">Djibouti</text></svg></body></html>'
    )
    m = measure_layout(chromium, page, tmp_path / "chromium", 390, 844)
    assert m["overlaps"] == [{"chart": "c", "a": "Congo", "b": "Djibouti"}]
    assert [c["scrollWidth"] > c["clientWidth"] for c in m["cards"]] == [False, True]
