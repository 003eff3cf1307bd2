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


# --- language shares (log scale) -----------------------------------------------------------


def language_shares_chart(
    languages: list[dict[str, Any]],
    rare_below: int,
    chart_id: str,
    corpus: str,
    top: int = 30,
) -> str:
    """Horizontal bars of each language's share of agreed utterances on a log axis."""
    rows = [r for r in languages if r["count"] > 0]
    shown = rows[:top]
    rest = rows[top:]
    if rest:
        shown = shown + [
            {
                "code": "…",
                "name": f"{len(rest)} other languages",
                "count": sum(r["count"] for r in rest),
                "share": sum(r["share"] for r in rest),
                "other": True,
            }
        ]
    labels = [f"{r['name']} ({r['code']})" if not r.get("other") else r["name"] for r in shown]
    left = 14 + max([text_width(s) for s in labels] + [60])
    right = 90
    bar_h, gap = 14, 5
    top_pad, bottom_pad = 34, 46
    plot_w = max(480.0, 900 - left - right)
    width = left + plot_w + right
    height = top_pad + len(shown) * (bar_h + gap) + bottom_pad
    shares = [r["share"] for r in shown if r["share"] > 0] or [1.0]
    lo_dec = math.floor(math.log10(min(shares)))
    lo_dec = min(lo_dec, -2)
    span = 0 - lo_dec

    def sx(share: float) -> float:
        return left + plot_w * (math.log10(max(share, 10**lo_dec)) - lo_dec) / span

    n_rare = sum(1 for r in rows if r["count"] < rare_below)
    top3 = ", ".join(f"{r['name']} {percent_label(r['share'])}" for r in rows[:3])
    desc = (
        f"Bar chart, logarithmic x axis: share of agreed utterances per language in {corpus}. "
        f"{len(rows)} languages; largest: {top3}. {n_rare} languages have fewer than "
        f"{rare_below} utterances (orange)."
    )
    out = [
        svg_open("language-shares", chart_id, width, height, f"Language shares of {corpus}", desc)
    ]
    legend, _ = _legend(
        [(COMMON_COLOUR, f"≥ {rare_below} utterances"), (RARE_COLOUR, f"< {rare_below} (rare)")],
        left,
        16,
    )
    out.append(legend)
    plot_bottom = top_pad + len(shown) * (bar_h + gap)
    for d in range(lo_dec, 1):
        x = sx(10.0**d)
        out.append(
            f'<line class="grid" x1="{_f(x)}" y1="{top_pad - 4}" x2="{_f(x)}" y2="{_f(plot_bottom)}"/>'
        )
        out.append(_text(x, plot_bottom + 17, percent_label(10.0**d), "middle", cls="tick"))
    out.append(
        _text(
            left + plot_w / 2,
            plot_bottom + 38,
            "share of agreed utterances (log scale)",
            "middle",
            cls="axis-title",
        )
    )
    for i, (r, label) in enumerate(zip(shown, labels)):
        y = top_pad + i * (bar_h + gap)
        colour = (
            "#888"
            if r.get("other")
            else (RARE_COLOUR if r["count"] < rare_below else COMMON_COLOUR)
        )
        x1 = sx(r["share"])
        out.append(_text(left - 6, y + bar_h - 3, label, "end", cls="label"))
        out.append(
            f'<rect class="bar" x="{_f(left)}" y="{_f(y)}" width="{_f(max(1.0, x1 - left))}" '
            f'height="{bar_h}" fill="{colour}"><title>{_e(label)}: {r["count"]:,} utterances, '
            f"{_e(percent_label(r['share']))} of agreed</title></rect>"
        )
        out.append(_text(x1 + 4, y + bar_h - 3, f"{r['count']:,}", cls="value"))
    out.append(
        f'<line class="axis" x1="{_f(left)}" y1="{top_pad - 4}" x2="{_f(left)}" y2="{_f(plot_bottom)}"/>'
    )
    out.append("</svg>")
    return "".join(out)


# --- per-group metric bars with CIs along a chain -----------------------------------------


def metric_bars_chart(
    chain: dict[str, Any],
    models: dict[str, dict[str, dict[str, Any]]],
    groups: list[str],
    steps: list[dict[str, Any]],
    scale: float,
    metric: str,
    chart_id: str,
    task: str,
    alpha: float = 0.05,
) -> str:
    """Grouped bars: per group, one bar per chain stage with its CI; '*' marks a significant
    change (Holm-corrected) from the previous stage."""
    stages = [s for s in chain.get("stages", []) if s.get("model") in models]
    unit = " (points)" if scale == 100.0 else ""
    values = [(models[s["model"]].get(g) or {}) for s in stages for g in groups]
    highs = [v.get("ci_high") if v.get("ci_high") is not None else v.get("value") for v in values]
    highs = [h * scale for h in highs if h is not None]
    y_max = max(highs + [0.0])
    ticks = nice_ticks(0.0, y_max if y_max > 0 else scale, 5)
    y_top = ticks[-1]
    n = max(1, len(stages))
    bar_w = 16 if n <= 3 else 12
    group_w = n * bar_w + 22
    max_label = max([text_width(g) for g in groups] + [10])
    # a group label that does not fit under its bars is written vertically (no overlaps)
    rotate = max_label > group_w - 6
    left, right = 58, 20
    legend_items = [
        (CATEGORICAL[i % len(CATEGORICAL)], f"{s.get('stage')}: {s['model']}")
        for i, s in enumerate(stages)
    ]
    top_pad = 34 + 18 * len(legend_items)
    plot_h = 230
    bottom_pad = (max_label + 24) if rotate else 30
    width = left + max(len(groups), 1) * group_w + right
    width = max(width, 760, left + 30 + max([text_width(t) for _, t in legend_items] + [0]))
    height = top_pad + plot_h + bottom_pad

    def sy(v: float) -> float:
        return top_pad + plot_h * (1 - v / y_top)

    sig = {}
    for st in steps:
        if st.get("chain") != chain.get("name"):
            continue
        p = _num(st.get("p_holm", st.get("p")))
        sig[(str(st.get("to")), str(st.get("group")), str(st.get("from")))] = p
    stage_models = [s["model"] for s in stages]
    names = ", ".join(f"{s.get('stage')}: {s['model']}" for s in stages)
    n_sig = 0
    out_marks = []
    for gi, g in enumerate(groups):
        gx = left + gi * group_w + 11
        for si, s in enumerate(stages):
            v = models[s["model"]].get(g) or {}
            val = v.get("value")
            if val is None:
                continue
            x = gx + si * bar_w
            colour = CATEGORICAL[si % len(CATEGORICAL)]
            y = sy(val * scale)
            lo, hi = v.get("ci_low"), v.get("ci_high")
            tip = f"{g}, {s.get('stage')} ({s['model']}): {val * scale:.1f}"
            if lo is not None and hi is not None:
                tip += f" [{lo * scale:.1f}, {hi * scale:.1f}]"
            tip += f", n = {_fmt_count(v.get('n'))}"
            out_marks.append(
                f'<rect class="bar" x="{_f(x)}" y="{_f(y)}" width="{bar_w - 2}" '
                f'height="{_f(max(0.0, sy(0) - y))}" fill="{colour}"><title>{_e(tip)}</title></rect>'
            )
            if lo is not None and hi is not None:
                cx = x + (bar_w - 2) / 2
                out_marks.append(
                    f'<path class="ci" d="M{_f(cx)} {_f(sy(lo * scale))}V{_f(sy(hi * scale))}'
                    f'M{_f(cx - 3)} {_f(sy(lo * scale))}h6M{_f(cx - 3)} {_f(sy(hi * scale))}h6"/>'
                )
            if si > 0:
                p = sig.get((s["model"], g, stage_models[si - 1]))
                if p is not None and p < alpha:
                    n_sig += 1
                    top_y = sy((hi if hi is not None else val) * scale) - 3
                    out_marks.append(_text(x + (bar_w - 2) / 2, top_y, "*", "middle", cls="sig"))
        lx = gx + (n * bar_w) / 2 - 1
        ly = top_pad + plot_h + 14
        if rotate:
            ly = top_pad + plot_h + 8
            out_marks.append(
                _text(
                    lx + 4,
                    ly,
                    g,
                    "end",
                    cls="label",
                    extra=f' transform="rotate(-90 {_f(lx + 4)} {_f(ly)})"',
                )
            )
        else:
            out_marks.append(_text(lx, ly, g, "middle", cls="label"))
    desc = (
        f"Grouped bar chart of {task} {metric}{unit} per group for chain {chain.get('name')} "
        f"({names}), with {int(100 * 0.95)}% confidence intervals as whiskers. "
        f"{n_sig} bars are marked * for a significant change from the previous stage "
        f"(Holm-corrected p < {alpha})."
    )
    out = [
        svg_open(
            "metric-bars",
            chart_id,
            width,
            height,
            f"{task}: {metric} per group along {chain.get('name')}",
            desc,
        )
    ]
    for i, item in enumerate(legend_items):
        out.append(_legend([item], left, 16 + 18 * i)[0])
    for t in ticks:
        y = sy(t)
        out.append(
            f'<line class="grid" x1="{left}" y1="{_f(y)}" x2="{_f(width - right)}" y2="{_f(y)}"/>'
        )
        out.append(_text(left - 6, y + 4, f"{t:g}", "end", cls="tick"))
    out.append(
        _text(
            14,
            top_pad + plot_h / 2,
            f"{metric}{unit}",
            "middle",
            cls="axis-title",
            extra=f' transform="rotate(-90 14 {_f(top_pad + plot_h / 2)})"',
        )
    )
    out.extend(out_marks)
    out.append(
        f'<line class="axis" x1="{left}" y1="{_f(sy(0))}" x2="{_f(width - right)}" y2="{_f(sy(0))}"/>'
    )
    out.append("</svg>")
    return "".join(out)


# --- world choropleth ------------------------------------------------------------------------


def choropleth_chart(
    values: dict[str, tuple[float, str]],
    world: Any,
    chart_id: str,
    model: str,
    value_label: str = "mean rank",
    low_means: str = "more preferred",
    high_means: str = "less preferred",
) -> str:
    """Countries coloured by value (viridis; low values dark). values: iso3 -> (value, tip)."""
    legend_h = 64
    width, height = world.width, world.height + legend_h
    vals = [v for v, _ in values.values()]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1.0
    drawn = 0
    paths = []
    for c in world.countries:
        iso = c["iso3"]
        if iso in values:
            v, tip = values[iso]
            fill = interpolate(VIRIDIS, (v - lo) / (hi - lo))
            drawn += 1
        else:
            fill, tip = NO_DATA, f"{c['name']}: no data"
        paths.append(
            f'<path class="country" data-iso3="{_e(iso)}" fill="{fill}" d="{c["d"]}">'
            f"<title>{_e(tip)}</title></path>"
        )
    best = sorted(values.items(), key=lambda kv: kv[1][0])
    names = {c["iso3"]: c["name"] for c in world.countries}
    first = ", ".join(names.get(k, k) for k, _ in best[:3])
    last = ", ".join(names.get(k, k) for k, _ in best[-3:])
    desc = (
        f"World map: each country coloured by {model}'s {value_label} (dark = {low_means}, "
        f"yellow = {high_means}); grey = no data. {drawn} countries on the map have a value "
        f"(range {lo:.1f} to {hi:.1f}). Lowest: {first}. Highest: {last}."
    )
    out = [
        svg_open("choropleth", chart_id, width, height, f"{value_label} by country: {model}", desc)
    ]
    from auditkit.report.geometry import outline_path

    out.append(f'<path class="ocean" d="{outline_path()}"/>')
    out.append('<g class="countries">' + "".join(paths) + "</g>")
    # legend: gradient as 40 steps (no <defs> gradient ids to collide across charts); the
    # end labels sit beside the bar, the title and the no-data swatch on the row below it
    gw, gh = 400.0, 12.0
    gx, gy = width / 2 - gw / 2, world.height + 14
    steps = 40
    for i in range(steps):
        out.append(
            f'<rect x="{_f(gx + gw * i / steps)}" y="{_f(gy)}" width="{_f(gw / steps + 0.5)}" '
            f'height="{_f(gh)}" fill="{interpolate(VIRIDIS, (i + 0.5) / steps)}"/>'
        )
    out.append(
        f'<rect x="{_f(gx)}" y="{_f(gy)}" width="{_f(gw)}" height="{_f(gh)}" fill="none" stroke="#555" stroke-width="0.5"/>'
    )
    out.append(_text(gx - 8, gy + 10, f"{lo:.1f} ({low_means})", "end", cls="tick"))
    out.append(_text(gx + gw + 8, gy + 10, f"{hi:.1f} ({high_means})", "start", cls="tick"))
    row2 = gy + gh + 24
    out.append(_text(gx + gw / 2, row2, value_label, "middle", cls="axis-title"))
    nx = gx + gw / 2 + text_width(value_label) / 2 + 40
    out.append(
        f'<rect x="{_f(nx)}" y="{_f(row2 - 10)}" width="11" height="11" fill="{NO_DATA}" stroke="#555" stroke-width="0.5"/>'
    )
    out.append(_text(nx + 15, row2, "no data", cls="legend"))
    out.append("</svg>")
    return "".join(out)


# --- model x model heatmap ----------------------------------------------------------------------


def heatmap_chart(
    labels: list[str],
    rho: list[list[float | None]],
    ns: list[list[int]] | None,
    chart_id: str,
    what: str = "country rankings",
) -> str:
    """Spearman matrix as coloured cells (blue -1 .. red +1) with the value printed."""
    k = len(labels)
    left = 16 + max(text_width(s) for s in labels)
    cell = min(120.0, max(64.0, (760 - left - 150) / max(k, 1)))
    top_pad = 40
    bottom = 24 + max(text_width(s) for s in labels)
    width = left + k * cell + 150
    height = top_pad + k * cell + bottom
    pairs = []
    for i in range(k):
        for j in range(i + 1, k):
            if rho[i][j] is not None:
                pairs.append((rho[i][j], labels[i], labels[j]))
    pairs.sort()
    extreme = ""
    if pairs:
        extreme = (
            f" Lowest: {pairs[0][1]} vs {pairs[0][2]} rho = {pairs[0][0]:.2f}; highest: "
            f"{pairs[-1][1]} vs {pairs[-1][2]} rho = {pairs[-1][0]:.2f}."
        )
    desc = f"Heatmap of Spearman correlations between {k} models' {what}.{extreme}"
    # a matrix gains nothing from growing past its own size: cap it there
    out = [
        svg_open(
            "heatmap", chart_id, width, height, f"Spearman correlation of {what}", desc
        ).replace("<svg ", f'<svg style="max-width: {_f(width)}px" ', 1)
    ]
    for i, a in enumerate(labels):
        y = top_pad + i * cell
        out.append(_text(left - 8, y + cell / 2 + 4, a, "end", cls="label"))
        for j, b in enumerate(labels):
            x = left + j * cell
            v = rho[i][j]
            fill = NO_DATA if v is None else interpolate(DIVERGING, (v + 1) / 2)
            n = ns[i][j] if ns else None
            tip = f"{a} vs {b}: " + ("undefined" if v is None else f"rho = {v:.3f}")
            if n is not None:
                tip += f" (n = {n})"
            out.append(
                f'<rect class="cell" x="{_f(x)}" y="{_f(y)}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{fill}"><title>{_e(tip)}</title></rect>'
            )
            colour = "#fff" if luminance(fill) < 0.5 else "#111"
            out.append(
                _text(
                    x + cell / 2 - 1,
                    y + cell / 2 + 4,
                    "–" if v is None else f"{v:.2f}",
                    "middle",
                    cls="cell-value",
                    extra=f' fill="{colour}"',
                )
            )
    for j, b in enumerate(labels):  # column labels written vertically: they never overlap
        x = left + j * cell + cell / 2 + 4
        y = top_pad + k * cell + 8
        out.append(
            _text(x, y, b, "end", cls="label", extra=f' transform="rotate(-90 {_f(x)} {_f(y)})"')
        )
    # colour legend
    lx, ly = left + k * cell + 30, top_pad
    lh = max(100.0, k * cell - 20)
    for i in range(30):
        t = 1 - (i + 0.5) / 30
        out.append(
            f'<rect x="{_f(lx)}" y="{_f(ly + lh * i / 30)}" width="14" height="{_f(lh / 30 + 0.5)}" '
            f'fill="{interpolate(DIVERGING, t)}"/>'
        )
    out.append(_text(lx + 20, ly + 8, "+1", cls="tick"))
    out.append(_text(lx + 20, ly + lh / 2 + 4, "0", cls="tick"))
    out.append(_text(lx + 20, ly + lh, "−1", cls="tick"))
    out.append(_text(lx - 4, ly - 12, "Spearman ρ", cls="axis-title"))
    out.append("</svg>")
    return "".join(out)


# --- scatter -------------------------------------------------------------------------------------


def scatter_chart(
    points: list[dict[str, Any]],
    chart_id: str,
    kind: str,
    title: str,
    desc: str,
    x_label: str,
    y_label: str,
    log_x: bool = False,
    zero_line: bool = True,
    x_marker: tuple[float, str] | None = None,
    invert_y: bool = False,
    legend: tuple[str, str] = ("data point", "flagged"),
) -> str:
    """Points {x, y, label, flagged, y_low, y_high, tip}; log_x puts x = 0 on its own column.

    Point labels are placed by :class:`LabelPlacer` (flagged points first), so none overlaps
    another label, a tick, the legend or a point; axis titles are cut to fit their axis.
    """
    width, height = 900.0, 440.0
    left, right, top_pad, bottom = 64.0, 24.0, 46.0, 56.0
    pw, ph = width - left - right, height - top_pad - bottom
    size = 11.0
    xs = [p["x"] for p in points if p.get("x") is not None]
    ys = [v for p in points for v in (p.get("y"), p.get("y_low"), p.get("y_high")) if v is not None]
    has_zero = False
    if log_x:
        pos = [x for x in xs if x > 0] or [1.0]
        lo_dec = math.floor(math.log10(min(pos))) - 1
        hi_dec = max(0, math.ceil(math.log10(max(pos))))
        has_zero = any(x == 0 for x in xs)
        # zero has no place on a log axis: it gets its own column left of the axis break
        log_left = left + (60.0 if has_zero else 0.0)

        def sx(x: float) -> float:
            if x <= 0:
                return left + 22.0
            return log_left + (pw - (log_left - left)) * (math.log10(x) - lo_dec) / (
                hi_dec - lo_dec
            )

        xticks = [(10.0**d, percent_label(10.0**d)) for d in range(lo_dec + 1, hi_dec + 1)]
        if has_zero:
            xticks.insert(0, (0.0, "0"))
    else:
        xlo, xhi = (min(xs), max(xs)) if xs else (0.0, 1.0)
        tv = nice_ticks(xlo, xhi, 8)

        def sx(x: float) -> float:
            return left + pw * (x - tv[0]) / (tv[-1] - tv[0])

        xticks = [(t, f"{t:g}") for t in tv]
    ylo, yhi = (min(ys), max(ys)) if ys else (-1.0, 1.0)
    if zero_line:
        ylo, yhi = min(ylo, 0.0), max(yhi, 0.0)
    yt = nice_ticks(ylo, yhi, 6)

    def sy(y: float) -> float:
        frac = (y - yt[0]) / (yt[-1] - yt[0])
        return top_pad + ph * (frac if invert_y else 1 - frac)

    plot = Box(left, top_pad, left + pw, top_pad + ph)
    placer = LabelPlacer(plot, size)
    out = [svg_open(kind, chart_id, width, height, title, desc)]
    tick_boxes: list[Box] = []
    for t in yt:
        out.append(
            f'<line class="grid" x1="{_f(left)}" y1="{_f(sy(t))}" x2="{_f(width - right)}" y2="{_f(sy(t))}"/>'
        )
        out.append(_text(left - 6, sy(t) + 4, f"{t:g}", "end", cls="tick"))
        tick_boxes.append(text_box(left - 6, sy(t) + 4, f"{t:g}", "end", size))
    xtick_y = top_pad + ph + 17
    for v, lab in xticks:
        x = sx(v)
        out.append(
            f'<line class="grid" x1="{_f(x)}" y1="{_f(top_pad)}" x2="{_f(x)}" y2="{_f(top_pad + ph)}"/>'
        )
        box = text_box(x, xtick_y, lab, "middle", size)
        if any(box.hits(b, 4) for b in tick_boxes):
            continue  # thin out tick labels that would touch another (or the corner's y tick)
        tick_boxes.append(box)
        out.append(_text(x, xtick_y, lab, "middle", cls="tick"))
    if zero_line and yt[0] <= 0 <= yt[-1]:
        out.append(
            f'<line class="zero" x1="{_f(left)}" y1="{_f(sy(0))}" x2="{_f(width - right)}" y2="{_f(sy(0))}"/>'
        )
    if x_marker is not None:
        mx = sx(x_marker[0])
        out.append(
            f'<line class="marker" x1="{_f(mx)}" y1="{_f(top_pad)}" x2="{_f(mx)}" y2="{_f(top_pad + ph)}"/>'
        )
        text = fit_text(x_marker[1], pw / 2, size)
        anchor = "start" if mx + 4 + text_width(text, size) <= left + pw else "end"
        tx = mx + 4 if anchor == "start" else mx - 4
        out.append(_text(tx, top_pad + 13, text, anchor, cls="marker-label"))
        placer.block(text_box(tx, top_pad + 13, text, anchor, size))
    x_title = fit_text(x_label, pw, 12)
    out.append(_text(left + pw / 2, height - 12, x_title, "middle", cls="axis-title"))
    y_title = fit_text(y_label, ph, 12)
    out.append(
        _text(
            16,
            top_pad + ph / 2,
            y_title,
            "middle",
            cls="axis-title",
            extra=f' transform="rotate(-90 16 {_f(top_pad + ph / 2)})"',
        )
    )
    out.append(_legend([(COMMON_COLOUR, legend[0]), (FLAG_COLOUR, legend[1])], left, 20)[0])
    drawn = []
    for p in points:
        if p.get("x") is None or p.get("y") is None:
            continue
        x, y = sx(p["x"]), sy(p["y"])
        r = 5 if p.get("flagged") else 4
        colour = FLAG_COLOUR if p.get("flagged") else COMMON_COLOUR
        if p.get("y_low") is not None and p.get("y_high") is not None:
            out.append(
                f'<line class="ci" x1="{_f(x)}" y1="{_f(sy(p["y_low"]))}" x2="{_f(x)}" '
                f'y2="{_f(sy(p["y_high"]))}" stroke="{colour}"/>'
            )
        out.append(
            f'<circle class="point" cx="{_f(x)}" cy="{_f(y)}" r="{r}" '
            f'fill="{colour}"><title>{_e(p.get("tip", p.get("label", "")))}</title></circle>'
        )
        placer.block(Box(x - r, y - r, x + r, y + r))
        drawn.append((x, y, p))
    # flagged labels first, then from the top of the plot down
    for x, y, p in sorted(drawn, key=lambda t: (not t[2].get("flagged"), t[1], t[0])):
        if p.get("label"):
            out.append(placer.place(x, y, str(p["label"])))
    if log_x and has_zero:  # axis break between the zero column and the log axis
        bx = left + 44.0
        out.append(
            f'<path class="axis-break" d="M{_f(bx - 4)} {_f(top_pad + ph + 5)}l4 -10M{_f(bx)} '
            f'{_f(top_pad + ph + 5)}l4 -10"/>'
        )
    out.append(
        f'<rect class="frame" x="{_f(left)}" y="{_f(top_pad)}" width="{_f(pw)}" height="{_f(ph)}"/>'
    )
    out.append("</svg>")
    return "".join(out)
