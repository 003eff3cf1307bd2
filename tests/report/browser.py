"""Headless Chromium for the report's browser test, with networking disabled and observed.

Chromium runs headless with a fresh profile, background networking off and every request
sent to a dead proxy (127.0.0.1:9), so nothing can be fetched. A net log records what the
page *tried* to fetch anyway: a request initiated by the page (initiator "null" for a
file:// page) to anything but file:/data: means the report is not self-contained. The
browser's own housekeeping requests (initiator "not an origin") are ignored.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    env = os.environ.get("AUDITKIT_CHROMIUM")
    if env:
        return env
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium() -> str:
    """The browser binary; skip when missing, fail under AUDITKIT_REQUIRE_SHARED=1 (CI)."""
    path = find_chromium()
    if path is None:
        msg = (
            "chromium not found (apt-get install -y chromium fonts-noto-core fonts-noto-cjk, "
            "or set AUDITKIT_CHROMIUM)"
        )
        if os.environ.get("AUDITKIT_REQUIRE_SHARED") == "1":
            pytest.fail(msg + " (AUDITKIT_REQUIRE_SHARED=1)")
        pytest.skip(msg)
    return path


@dataclass
class PageLoad:
    dom: str
    console: list[str]
    page_requests: list[str]
    stderr: str


def _flags(profile: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--mute-audio",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]


def page_requests(net_log: Path) -> list[str]:
    """URLs the page itself requested (from a Chromium --log-net-log file)."""
    d = json.loads(net_log.read_text("utf-8", errors="replace").rstrip().rstrip(",") or "{}")
    types = {v: k for k, v in d.get("constants", {}).get("logEventTypes", {}).items()}
    out = []
    for e in d.get("events", []):
        if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params", {})
        if "url" not in p:
            continue  # the job's end event carries only its net_error
        url = str(p["url"])
        if p.get("initiator") == "not an origin":
            continue  # the browser's own requests, not the page's
        if url.startswith(("file:", "data:", "about:", "chrome:")):
            continue
        out.append(url)
    return sorted(set(out))


def load_page(
    chromium: str,
    html: Path,
    work: Path,
    screenshot: Path | None = None,
    window: tuple[int, int] = (1280, 2000),
    timeout: int = 120,
) -> PageLoad:
    """Load ``html`` via file://, dump its DOM, and optionally take a screenshot."""
    work.mkdir(parents=True, exist_ok=True)
    url = html.resolve().as_uri()
    net_log = work / "netlog.json"
    res = subprocess.run(
        [chromium, *_flags(work / "profile-dom"), f"--log-net-log={net_log}", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if res.returncode != 0:
        raise AssertionError(f"chromium exited {res.returncode}: {res.stderr[-2000:]}")
    console = [ln for ln in res.stderr.splitlines() if ":CONSOLE" in ln]
    stderr = res.stderr
    if screenshot is not None:
        shot = subprocess.run(
            [
                chromium,
                *_flags(work / "profile-shot"),
                f"--window-size={window[0]},{window[1]}",
                f"--screenshot={screenshot}",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if shot.returncode != 0 or not screenshot.is_file():
            raise AssertionError(f"chromium screenshot failed: {shot.stderr[-2000:]}")
        console += [ln for ln in shot.stderr.splitlines() if ":CONSOLE" in ln]
        stderr += shot.stderr
    return PageLoad(res.stdout, console, page_requests(net_log), stderr)


# Measures the rendered layout of the report framed in a page of its own (the report itself
# carries no script); it writes its results as JSON into the DOM, which --dump-dom returns.
MEASURE_SCRIPT = r"""
<script>
window.addEventListener('load', function () {
  var doc = document.getElementById('report').contentDocument;
  var win = document.getElementById('report').contentWindow;
  function box(r) { return {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; }
  function hit(a, b) {
    var tol = 0.5;
    return a.x0 < b.x1 - tol && b.x0 < a.x1 - tol && a.y0 < b.y1 - tol && b.y0 < a.y1 - tol;
  }
  var out = {viewport: {w: win.innerWidth, h: win.innerHeight},
             page: {scrollWidth: doc.documentElement.scrollWidth,
                    clientWidth: doc.documentElement.clientWidth},
             cards: [], overlaps: [], labels: 0, charts: 0};
  var f = doc.getElementById('findings');
  if (f) {
    var r = f.getBoundingClientRect();
    var li = f.querySelector('li');
    out.findings = {top: r.top, bottom: r.bottom,
                    first_item_bottom: li ? li.getBoundingClientRect().bottom : null};
  }
  var first = doc.querySelector('svg.chart');
  if (first) { out.first_chart_top = first.getBoundingClientRect().top; }
  doc.querySelectorAll('section.card').forEach(function (c) {
    out.cards.push({id: c.id, scrollWidth: c.scrollWidth, clientWidth: c.clientWidth});
  });
  doc.querySelectorAll('svg.chart').forEach(function (svg) {
    out.charts += 1;
    var texts = [];
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) { texts.push({t: t.textContent, b: box(r)}); }
    });
    out.labels += texts.length;
    for (var i = 0; i < texts.length; i++) {
      for (var j = i + 1; j < texts.length; j++) {
        if (hit(texts[i].b, texts[j].b)) {
          out.overlaps.push({chart: svg.id, a: texts[i].t, b: texts[j].t});
        }
      }
    }
  });
  var pre = document.createElement('pre');
  pre.id = 'auditkit-measure';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def _framed(html: Path, work: Path, width: int, height: int, script: str = "") -> Path:
    """A page showing ``html`` in an iframe of exactly width x height CSS px (headless
    Chromium will not make a window narrower than 500 px, a phone is 390), via srcdoc so the
    parent's ``script`` may read the framed document."""
    import html as html_mod

    work.mkdir(parents=True, exist_ok=True)
    page = work / f"framed-{width}x{height}.html"
    doc = html_mod.escape(html.read_text("utf-8"), quote=True)
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><style>html,body{margin:0;padding:0;"
        "background:#fff}iframe{border:0;display:block}</style></head><body>"
        f"<iframe id='report' width='{width}' height='{height}' srcdoc=\"{doc}\"></iframe>"
        f"{script}</body></html>",
        "utf-8",
    )
    return page


def measure_layout(
    chromium: str, html: Path, work: Path, width: int, height: int, timeout: int = 180
) -> dict:
    """Render ``html`` in a width x height CSS px viewport and return what MEASURE_SCRIPT
    measured there (findings position, card overflow, overlapping chart labels)."""
    import html as html_mod
    import re

    page = _framed(html, work, width, height, MEASURE_SCRIPT)
    res = subprocess.run(
        [
            chromium,
            *_flags(work / f"profile-measure-{width}"),
            f"--window-size={max(width, 500) + 40},{height + 200}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if res.returncode != 0:
        raise AssertionError(f"chromium exited {res.returncode}: {res.stderr[-2000:]}")
    m = re.search(r'<pre id="auditkit-measure">(.*?)</pre>', res.stdout, re.S)
    if m is None:
        raise AssertionError("the measuring script did not run: " + res.stderr[-2000:])
    return json.loads(html_mod.unescape(m.group(1)))


def screenshot(chromium: str, html: Path, work: Path, png: Path, width: int, height: int) -> None:
    """A PNG of the top ``height`` CSS px of the page rendered ``width`` px wide."""
    page = _framed(html, work, width, height)
    raw = work / f"raw-{png.name}"
    res = subprocess.run(
        [
            chromium,
            *_flags(work / f"profile-shot-{width}"),
            f"--window-size={max(width, 500)},{height}",
            "--virtual-time-budget=5000",
            f"--screenshot={raw}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if res.returncode != 0 or not raw.is_file():
        raise AssertionError(f"chromium screenshot failed: {res.stderr[-2000:]}")
    from PIL import Image

    with Image.open(raw) as im:
        im.crop((0, 0, width, min(height, im.height))).save(png)
