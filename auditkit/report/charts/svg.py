"""Hand-written SVG charts for the HTML report: no plotting library, no network, no scripts.

Each chart is one inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (its alt
text, referenced by aria-labelledby), labelled axes, and a ``data-chart`` attribute naming its
kind so a browser test can find it. Marks carry ``<title>`` tooltips with exact values.
Inline SVG in HTML needs no namespace URL, so none is written.

Why not matplotlib (or another plotting library) rendering SVG: its SVG draws text as glyph
paths unless told otherwise, has no ``role``/``<title>``/``<desc>`` alt text, writes several
times the bytes for the same marks (a style attribute per element), and places text labels
without collision handling (adjustText would be one more dependency). Measured on the study's
RM-vs-LM scatter (181 countries): matplotlib 3.11 wrote 58.6 kB with text as paths and 32.0 kB
with ``svg.fonttype = none``, both without tooltips or alt text; this module writes 28.1 kB
with a tooltip per point, a title and a description. The layout problems a
report has (labels that must not overlap, titles that must fit, charts that scale to the card)
are solved here by measuring text: :func:`text_width` uses Noto Sans advance widths (the
report's first font) and every label is placed against the boxes already drawn
(:class:`LabelPlacer`), with a leader line when it has to move away from its point.

Charts have no fixed pixel size: the viewBox is laid out at about the card's width and CSS
scales the SVG to the card (and lets it scroll sideways at phone width).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

# Colour-blind-safe categorical colours (Okabe & Ito 2008).
CATEGORICAL = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
RARE_COLOUR = "#D55E00"
COMMON_COLOUR = "#0072B2"
FLAG_COLOUR = "#C0392B"
NO_DATA = "#dcdcdc"
# viridis at 0, .25, .5, .75, 1 (matplotlib's values), interpolated linearly in between.
VIRIDIS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
# RdBu diverging: -1 blue, 0 near-white, +1 red.
DIVERGING = ("#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b")

# Advance widths of ASCII 32..126 in Noto Sans Regular (per 1000 units of the em), measured
# from NotoSans-Regular.ttf; other characters count 0.62 em, East Asian wide ones 1 em.
_ASCII_WIDTHS = (
    260, 269, 408, 646, 572, 831, 732, 225, 300, 300, 551, 572, 268, 322, 268, 372, 572, 572,
    572, 572, 572, 572, 572, 572, 572, 572, 268, 268, 572, 572, 572, 434, 899, 639, 650, 632,
    730, 556, 519, 728, 741, 339, 273, 619, 524, 907, 760, 781, 605, 781, 622, 549, 556, 731,
    600, 930, 586, 566, 572, 329, 372, 329, 572, 444, 281, 561, 615, 480, 615, 564, 344, 615,
    618, 258, 258, 534, 258, 935, 618, 605, 615, 615, 413, 479, 361, 618, 508, 786, 529, 510,
    470, 380, 551, 380, 572,
)  # fmt: skip
# Fallback faces (DejaVu Sans) run up to ~12% wider: measured widths get this margin.
WIDTH_MARGIN = 1.12
# Vertical extent of a line of text around its baseline, in em (Noto Sans ascent/descent).
ASCENT, DESCENT = 1.07, 0.30


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _fmt_count(v: Any) -> str:
    n = _num(v)
    return "?" if n is None else f"{n:,.0f}"


def _f(x: float) -> str:
    """Compact coordinate."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if abs(x) < 1e7 else f"{x:.0f}"


def text_width(text: Any, size: float = 12.0) -> float:
    """Estimated rendered width of ``text`` at font ``size`` px (a little generous)."""
    units = 0.0
    for ch in str(text):
        o = ord(ch)
        if 32 <= o < 127:
            units += _ASCII_WIDTHS[o - 32]
        elif unicodedata.combining(ch):
            continue
        elif unicodedata.east_asian_width(ch) in ("W", "F"):
            units += 1000
        else:
            units += 620
    return units * size / 1000 * WIDTH_MARGIN


def fit_text(text: Any, max_width: float, size: float = 12.0) -> str:
    """``text`` cut with an ellipsis to fit ``max_width`` (the full text goes in a tooltip)."""
    t = str(text)
    if text_width(t, size) <= max_width:
        return t
    while t and text_width(t + "…", size) > max_width:
        t = t[:-1]
    return t.rstrip() + "…"


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in SVG user units."""

    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: Box, pad: float = 1.0) -> bool:
        return not (
            self.x1 + pad <= other.x0
            or other.x1 + pad <= self.x0
            or self.y1 + pad <= other.y0
            or other.y1 + pad <= self.y0
        )

    def inside(self, outer: Box) -> bool:
        return (
            self.x0 >= outer.x0
            and self.x1 <= outer.x1
            and self.y0 >= outer.y0
            and self.y1 <= outer.y1
        )


def text_box(x: float, y: float, text: Any, anchor: str = "start", size: float = 12.0) -> Box:
    """Where a horizontal text with baseline at y will be drawn."""
    w = text_width(text, size)
    x0 = x if anchor == "start" else x - w if anchor == "end" else x - w / 2
    return Box(x0, y - ASCENT * size, x0 + w, y + DESCENT * size)


class LabelPlacer:
    """Places point labels so that no two labels, and no label and mark, overlap.

    Each label tries positions around its point (right, left, above, below, the diagonals),
    then the same directions further out, where a leader line joins it to its point. A label
    that finds no free place inside ``bounds`` is left out (its point keeps its tooltip) and
    is counted in ``dropped``.
    """

    DIRECTIONS = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))

    def __init__(self, bounds: Box, size: float = 11.0) -> None:
        self.bounds = bounds
        self.size = size
        self.taken: list[Box] = []
        self.dropped: list[str] = []

    def block(self, box: Box) -> None:
        self.taken.append(box)

    def _candidate(self, x: float, y: float, dx: int, dy: int, r: float, text: str) -> tuple:
        size = self.size
        gap = 7.0 + r
        if dx > 0:
            anchor, tx = "start", x + gap * (1 if dy == 0 else 0.8)
        elif dx < 0:
            anchor, tx = "end", x - gap * (1 if dy == 0 else 0.8)
        else:
            anchor, tx = "middle", x
        if dy < 0:
            ty = y - (gap * (1 if dx == 0 else 0.6)) - DESCENT * size
        elif dy > 0:
            ty = y + (gap * (1 if dx == 0 else 0.6)) + ASCENT * size
        else:
            ty = y + 0.35 * size
        return anchor, tx, ty, text_box(tx, ty, text, anchor, size)

    def place(self, x: float, y: float, text: str) -> str:
        """SVG for the label of the point at (x, y) (a leader line when moved away)."""
        for r in (0.0, 10.0, 22.0, 36.0, 52.0, 72.0, 96.0, 124.0):
            for dx, dy in self.DIRECTIONS:
                anchor, tx, ty, box = self._candidate(x, y, dx, dy, r, text)
                if not box.inside(self.bounds) or any(box.hits(b) for b in self.taken):
                    continue
                self.taken.append(box)
                out = ""
                if r > 0:
                    # leader from the point to the nearest edge of the label
                    ex = min(max(x, box.x0), box.x1)
                    ey = min(max(y, box.y0), box.y1)
                    out = (
                        f'<line class="leader" x1="{_f(x)}" y1="{_f(y)}" x2="{_f(ex)}" '
                        f'y2="{_f(ey)}"/>'
                    )
                return out + _text(tx, ty, text, anchor, cls="point-label")
        self.dropped.append(text)
        return ""


def _hex(c: str) -> tuple[int, int, int]:
    c = c.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def interpolate(stops: Sequence[str], t: float) -> str:
    """Colour at t in [0, 1] along evenly spaced stops."""
    t = min(1.0, max(0.0, t))
    pos = t * (len(stops) - 1)
    i = min(int(pos), len(stops) - 2)
    frac = pos - i
    a, b = _hex(stops[i]), _hex(stops[i + 1])
    rgb = tuple(round(a[k] + (b[k] - a[k]) * frac) for k in range(3))
    return "#" + "".join(f"{v:02x}" for v in rgb)


def luminance(colour: str) -> float:
    r, g, b = (v / 255 for v in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About n round tick values covering [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    if ticks[0] > lo:
        ticks.insert(0, round(ticks[0] - step, 10))
    if ticks[-1] < hi:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def percent_label(share: float) -> str:
    """0.0001 -> '0.01%', 1 -> '100%'."""
    p = share * 100
    if p >= 1:
        return f"{p:g}%"
    if p <= 0:  # a language listed with no agreed utterance
        return "0%"
    decimals = max(0, -math.floor(math.log10(p)))
    return f"{p:.{decimals}f}%"


def svg_open(kind: str, chart_id: str, width: float, height: float, title: str, desc: str) -> str:
    return (
        f'<svg class="chart" data-chart="{_e(kind)}" id="{_e(chart_id)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" '
        f'role="img" aria-labelledby="{_e(chart_id)}-t {_e(chart_id)}-d" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{_e(chart_id)}-t">{_e(title)}</title>'
        f'<desc id="{_e(chart_id)}-d">{_e(desc)}</desc>'
    )


def _text(
    x: float,
    y: float,
    s: Any,
    anchor: str = "start",
    size: float | None = None,
    cls: str = "",
    extra: str = "",
) -> str:
    attrs = f' x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}"'
    if size:
        attrs += f' font-size="{_f(size)}"'
    if cls:
        attrs += f' class="{cls}"'
    return f"<text{attrs}{extra}>{_e(s)}</text>"


def _legend(items: list[tuple[str, str]], x: float, y: float) -> tuple[str, float]:
    """Swatch + label items in a row; returns (svg, width used)."""
    out, cx = [], x
    for colour, label in items:
        out.append(
            f'<rect x="{_f(cx)}" y="{_f(y - 9)}" width="11" height="11" fill="{colour}" '
            'stroke="#555" stroke-width="0.5"/>'
        )
        out.append(_text(cx + 15, y, label, cls="legend"))
        cx += 15 + text_width(label) + 16
    return "".join(out), cx - x
