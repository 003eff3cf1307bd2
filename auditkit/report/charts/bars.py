"""Bar charts: language shares on a log axis, per-group metrics with CIs along a chain."""

from __future__ import annotations

import math
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
