"""Bar charts: language shares on a log axis, per-group metrics with CIs along a chain."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditkit.report.charts.svg import (
    CATEGORICAL,
    COMMON_COLOUR,
    RARE_COLOUR,
    _e,
    _f,
    _fmt_count,
    _legend,
    _num,
    _text,
    nice_ticks,
    percent_label,
    svg_open,
    text_width,
)

# --- language shares (log scale) -----------------------------------------------------------


BAR_H, BAR_GAP = 14, 5  # language bars: height and the gap between two


def language_shares_chart(
    languages: list[dict[str, Any]],
    rare_below: int,
    chart_id: str,
    corpus: str,
    top: int = 30,
) -> str:
    """Horizontal bars of each language's share of agreed utterances on a log axis."""
    rows = [r for r in languages if r["count"] > 0]
    shown = _top_and_rest(rows, top)
    labels = [f"{r['name']} ({r['code']})" if not r.get("other") else r["name"] for r in shown]
    left = 14 + max([text_width(s) for s in labels] + [60])
    plot_w = max(480.0, 900 - left - 90)
    top_pad, plot_bottom = 34, 34 + len(shown) * (BAR_H + BAR_GAP)
    shares = [r["share"] for r in shown if r["share"] > 0] or [1.0]
    lo_dec = min(math.floor(math.log10(min(shares))), -2)

    def sx(share: float) -> float:
        return left + plot_w * (math.log10(max(share, 10**lo_dec)) - lo_dec) / (0 - lo_dec)

    n_rare = sum(1 for r in rows if r["count"] < rare_below)
    top3 = ", ".join(f"{r['name']} {percent_label(r['share'])}" for r in rows[:3])
    desc = (
        f"Bar chart, logarithmic x axis: share of agreed utterances per language in {corpus}. "
        f"{len(rows)} languages; largest: {top3}. {n_rare} languages have fewer than "
        f"{rare_below} utterances (orange)."
    )
    width, height = left + plot_w + 90, plot_bottom + 46
    out = [
        svg_open("language-shares", chart_id, width, height, f"Language shares of {corpus}", desc)
    ]
    legend, _ = _legend(
        [(COMMON_COLOUR, f"≥ {rare_below} utterances"), (RARE_COLOUR, f"< {rare_below} (rare)")],
        left,
        16,
    )
    out.append(legend)
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
        out += _share_bar(r, label, top_pad + i * (BAR_H + BAR_GAP), left, sx, rare_below)
    out.append(
        f'<line class="axis" x1="{_f(left)}" y1="{top_pad - 4}" x2="{_f(left)}" y2="{_f(plot_bottom)}"/>'
    )
    out.append("</svg>")
    return "".join(out)


def _top_and_rest(rows: list[dict[str, Any]], top: int) -> list[dict[str, Any]]:
    """The ``top`` rows, then one row summing the rest (marked ``other``)."""
    rest = rows[top:]
    if not rest:
        return rows[:top]
    other = {
        "code": "…",
        "name": f"{len(rest)} other languages",
        "count": sum(r["count"] for r in rest),
        "share": sum(r["share"] for r in rest),
        "other": True,
    }
    return rows[:top] + [other]


def _share_bar(
    r: dict[str, Any],
    label: str,
    y: float,
    left: float,
    sx: Callable[[float], float],
    rare_below: int,
) -> list[str]:
    colour = (
        "#888" if r.get("other") else (RARE_COLOUR if r["count"] < rare_below else COMMON_COLOUR)
    )
    x1 = sx(r["share"])
    return [
        _text(left - 6, y + BAR_H - 3, label, "end", cls="label"),
        f'<rect class="bar" x="{_f(left)}" y="{_f(y)}" width="{_f(max(1.0, x1 - left))}" '
        f'height="{BAR_H}" fill="{colour}"><title>{_e(label)}: {r["count"]:,} utterances, '
        f"{_e(percent_label(r['share']))} of agreed</title></rect>",
        _text(x1 + 4, y + BAR_H - 3, f"{r['count']:,}", cls="value"),
    ]


# --- per-group metric bars with CIs along a chain -----------------------------------------


@dataclass
class _BarLayout:
    """Where a chain's grouped bars go: one group of bars per group, one bar per stage."""

    stages: list[dict[str, Any]]
    groups: list[str]
    scale: float
    ticks: list[float]  # of the y axis, from 0
    bar_w: int
    group_w: int
    rotate: bool  # group labels written vertically (they do not fit under their bars)
    left: int
    right: int
    top_pad: float
    plot_h: int
    width: float
    height: float

    def sy(self, v: float) -> float:
        return self.top_pad + self.plot_h * (1 - v / self.ticks[-1])


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
    legend_items = [
        (CATEGORICAL[i % len(CATEGORICAL)], f"{s.get('stage')}: {s['model']}")
        for i, s in enumerate(stages)
    ]
    lay = _bar_layout(stages, models, groups, scale, legend_items)
    sig = {}
    for st in steps:
        if st.get("chain") != chain.get("name"):
            continue
        p = _num(st.get("p_holm", st.get("p")))
        sig[(str(st.get("to")), str(st.get("group")), str(st.get("from")))] = p
    marks, n_sig = _bar_marks(lay, models, sig, alpha)
    names = ", ".join(f"{s.get('stage')}: {s['model']}" for s in stages)
    desc = (
        f"Grouped bar chart of {task} {metric}{unit} per group for chain {chain.get('name')} "
        f"({names}), with {int(100 * 0.95)}% confidence intervals as whiskers. "
        f"{n_sig} bars are marked * for a significant change from the previous stage "
        f"(Holm-corrected p < {alpha})."
    )
    title = f"{task}: {metric} per group along {chain.get('name')}"
    out = [svg_open("metric-bars", chart_id, lay.width, lay.height, title, desc)]
    for i, item in enumerate(legend_items):
        out.append(_legend([item], lay.left, 16 + 18 * i)[0])
    out += _bar_axes(lay, f"{metric}{unit}")
    out.extend(marks)
    out.append(
        f'<line class="axis" x1="{lay.left}" y1="{_f(lay.sy(0))}" x2="{_f(lay.width - lay.right)}" y2="{_f(lay.sy(0))}"/>'
    )
    out.append("</svg>")
    return "".join(out)


def _bar_layout(
    stages: list[dict[str, Any]],
    models: dict[str, dict[str, dict[str, Any]]],
    groups: list[str],
    scale: float,
    legend_items: list[tuple[str, str]],
) -> _BarLayout:
    values = [(models[s["model"]].get(g) or {}) for s in stages for g in groups]
    highs = [v.get("ci_high") if v.get("ci_high") is not None else v.get("value") for v in values]
    highs = [h * scale for h in highs if h is not None]
    y_max = max(highs + [0.0])
    ticks = nice_ticks(0.0, y_max if y_max > 0 else scale, 5)
    n = max(1, len(stages))
    bar_w = 16 if n <= 3 else 12
    group_w = n * bar_w + 22
    max_label = max([text_width(g) for g in groups] + [10])
    rotate = max_label > group_w - 6
    left, right = 58, 20
    top_pad = 34 + 18 * len(legend_items)
    plot_h = 230
    bottom_pad = (max_label + 24) if rotate else 30
    width = left + max(len(groups), 1) * group_w + right
    width = max(width, 760, left + 30 + max([text_width(t) for _, t in legend_items] + [0]))
    height = top_pad + plot_h + bottom_pad
    return _BarLayout(
        stages, groups, scale, ticks, bar_w, group_w, rotate, left, right, top_pad, plot_h,
        width, height,
    )  # fmt: skip


def _bar_axes(lay: _BarLayout, y_title: str) -> list[str]:
    out = []
    for t in lay.ticks:
        y = lay.sy(t)
        out.append(
            f'<line class="grid" x1="{lay.left}" y1="{_f(y)}" x2="{_f(lay.width - lay.right)}" y2="{_f(y)}"/>'
        )
        out.append(_text(lay.left - 6, y + 4, f"{t:g}", "end", cls="tick"))
    mid = lay.top_pad + lay.plot_h / 2
    out.append(
        _text(
            14,
            mid,
            y_title,
            "middle",
            cls="axis-title",
            extra=f' transform="rotate(-90 14 {_f(mid)})"',
        )
    )
    return out


def _bar_marks(
    lay: _BarLayout,
    models: dict[str, dict[str, dict[str, Any]]],
    sig: dict[tuple[str, str, str], float | None],
    alpha: float,
) -> tuple[list[str], int]:
    """Bars, whiskers, '*' marks and group labels; and how many bars are marked."""
    out: list[str] = []
    n_sig = 0
    stage_models = [s["model"] for s in lay.stages]
    for gi, g in enumerate(lay.groups):
        gx = lay.left + gi * lay.group_w + 11
        for si, s in enumerate(lay.stages):
            v = models[s["model"]].get(g) or {}
            if v.get("value") is None:
                continue
            x = gx + si * lay.bar_w
            out += _bar(lay, x, si, g, s, v)
            if si > 0:
                p = sig.get((s["model"], g, stage_models[si - 1]))
                if p is not None and p < alpha:
                    n_sig += 1
                    hi = v.get("ci_high")
                    top_y = lay.sy((hi if hi is not None else v["value"]) * lay.scale) - 3
                    out.append(_text(x + (lay.bar_w - 2) / 2, top_y, "*", "middle", cls="sig"))
        out.append(_group_label(lay, gx, g))
    return out, n_sig


def _bar(
    lay: _BarLayout, x: float, si: int, g: str, s: dict[str, Any], v: dict[str, Any]
) -> list[str]:
    scale, val = lay.scale, v["value"]
    y = lay.sy(val * scale)
    lo, hi = v.get("ci_low"), v.get("ci_high")
    tip = f"{g}, {s.get('stage')} ({s['model']}): {val * scale:.1f}"
    if lo is not None and hi is not None:
        tip += f" [{lo * scale:.1f}, {hi * scale:.1f}]"
    tip += f", n = {_fmt_count(v.get('n'))}"
    out = [
        f'<rect class="bar" x="{_f(x)}" y="{_f(y)}" width="{lay.bar_w - 2}" '
        f'height="{_f(max(0.0, lay.sy(0) - y))}" fill="{CATEGORICAL[si % len(CATEGORICAL)]}">'
        f"<title>{_e(tip)}</title></rect>"
    ]
    if lo is not None and hi is not None:
        cx = x + (lay.bar_w - 2) / 2
        ylo, yhi = lay.sy(lo * scale), lay.sy(hi * scale)
        out.append(
            f'<path class="ci" d="M{_f(cx)} {_f(ylo)}V{_f(yhi)}'
            f'M{_f(cx - 3)} {_f(ylo)}h6M{_f(cx - 3)} {_f(yhi)}h6"/>'
        )
    return out


def _group_label(lay: _BarLayout, gx: float, g: str) -> str:
    lx = gx + (len(lay.stages) if lay.stages else 1) * lay.bar_w / 2 - 1
    if not lay.rotate:
        return _text(lx, lay.top_pad + lay.plot_h + 14, g, "middle", cls="label")
    ly = lay.top_pad + lay.plot_h + 8
    return _text(
        lx + 4, ly, g, "end", cls="label", extra=f' transform="rotate(-90 {_f(lx + 4)} {_f(ly)})"'
    )
