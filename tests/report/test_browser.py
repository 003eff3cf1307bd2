"""Browser test: headless Chromium renders the report from fixtures with networking disabled.

Checks that the page loads without console errors, requests nothing from the network, that
each chart element is in the rendered DOM, and saves a screenshot into the test's tmp dir
(and into $AUDITKIT_SCREENSHOT_DIR when set) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pytest

from auditkit.report.api import report
from tests.report.browser import load_page, require_chromium
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
