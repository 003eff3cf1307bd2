"""The scatter of two rankings (e.g. reward model vs LM likelihood) with placed labels."""

from __future__ import annotations

import math
from typing import Any

from auditkit.report.charts.svg import (
    COMMON_COLOUR,
    FLAG_COLOUR,
    Box,
    LabelPlacer,
    _e,
    _f,
    _legend,
    _text,
    fit_text,
    nice_ticks,
    percent_label,
    svg_open,
    text_box,
    text_width,
)

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
