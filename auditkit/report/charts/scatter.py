"""The scatter of two rankings (e.g. reward model vs LM likelihood) with placed labels."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
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


WIDTH, HEIGHT = 900.0, 440.0
LEFT, RIGHT, TOP, BOTTOM = 64.0, 24.0, 46.0, 56.0
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
SIZE = 11.0  # tick and point-label font size


@dataclass
class _Axes:
    sx: Callable[[float], float]
    sy: Callable[[float], float]
    xticks: list[tuple[float, str]]
    yticks: list[float]
    zero_column: bool  # log x axis with x = 0 points: drawn left of an axis break


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
    xs = [p["x"] for p in points if p.get("x") is not None]
    ys = [v for p in points for v in (p.get("y"), p.get("y_low"), p.get("y_high")) if v is not None]
    sx, xticks, zero_column = _log_x_scale(xs) if log_x else _linear_x_scale(xs)
    sy, yticks = _y_scale(ys, zero_line, invert_y)
    ax = _Axes(sx, sy, xticks, yticks, zero_column)
    placer = LabelPlacer(Box(LEFT, TOP, LEFT + PLOT_W, TOP + PLOT_H), SIZE)
    out = [svg_open(kind, chart_id, WIDTH, HEIGHT, title, desc)]
    out += _grid(ax)
    if zero_line and yticks[0] <= 0 <= yticks[-1]:
        out.append(
            f'<line class="zero" x1="{_f(LEFT)}" y1="{_f(sy(0))}" x2="{_f(WIDTH - RIGHT)}" y2="{_f(sy(0))}"/>'
        )
    if x_marker is not None:
        out += _x_marker(ax, x_marker, placer)
    out += _axis_titles(x_label, y_label)
    out.append(_legend([(COMMON_COLOUR, legend[0]), (FLAG_COLOUR, legend[1])], LEFT, 20)[0])
    out += _points(ax, points, placer)
    if zero_column:  # axis break between the zero column and the log axis
        bx = LEFT + 44.0
        out.append(
            f'<path class="axis-break" d="M{_f(bx - 4)} {_f(TOP + PLOT_H + 5)}l4 -10M{_f(bx)} '
            f'{_f(TOP + PLOT_H + 5)}l4 -10"/>'
        )
    out.append(
        f'<rect class="frame" x="{_f(LEFT)}" y="{_f(TOP)}" width="{_f(PLOT_W)}" height="{_f(PLOT_H)}"/>'
    )
    out.append("</svg>")
    return "".join(out)


def _log_x_scale(xs: list[float]) -> tuple[Callable[[float], float], list[tuple[float, str]], bool]:
    pos = [x for x in xs if x > 0] or [1.0]
    lo_dec = math.floor(math.log10(min(pos))) - 1
    hi_dec = max(0, math.ceil(math.log10(max(pos))))
    has_zero = any(x == 0 for x in xs)
    # zero has no place on a log axis: it gets its own column left of the axis break
    log_left = LEFT + (60.0 if has_zero else 0.0)

    def sx(x: float) -> float:
        if x <= 0:
            return LEFT + 22.0
        return log_left + (PLOT_W - (log_left - LEFT)) * (math.log10(x) - lo_dec) / (
            hi_dec - lo_dec
        )

    xticks = [(10.0**d, percent_label(10.0**d)) for d in range(lo_dec + 1, hi_dec + 1)]
    if has_zero:
        xticks.insert(0, (0.0, "0"))
    return sx, xticks, has_zero


def _linear_x_scale(
    xs: list[float],
) -> tuple[Callable[[float], float], list[tuple[float, str]], bool]:
    xlo, xhi = (min(xs), max(xs)) if xs else (0.0, 1.0)
    tv = nice_ticks(xlo, xhi, 8)

    def sx(x: float) -> float:
        return LEFT + PLOT_W * (x - tv[0]) / (tv[-1] - tv[0])

    return sx, [(t, f"{t:g}") for t in tv], False


def _y_scale(
    ys: list[float], zero_line: bool, invert_y: bool
) -> tuple[Callable[[float], float], list[float]]:
    ylo, yhi = (min(ys), max(ys)) if ys else (-1.0, 1.0)
    if zero_line:
        ylo, yhi = min(ylo, 0.0), max(yhi, 0.0)
    yt = nice_ticks(ylo, yhi, 6)

    def sy(y: float) -> float:
        frac = (y - yt[0]) / (yt[-1] - yt[0])
        return TOP + PLOT_H * (frac if invert_y else 1 - frac)

    return sy, yt


def _grid(ax: _Axes) -> list[str]:
    """Grid lines and tick labels; x tick labels that would touch another are left out."""
    out = []
    tick_boxes: list[Box] = []
    for t in ax.yticks:
        y = ax.sy(t)
        out.append(
            f'<line class="grid" x1="{_f(LEFT)}" y1="{_f(y)}" x2="{_f(WIDTH - RIGHT)}" y2="{_f(y)}"/>'
        )
        out.append(_text(LEFT - 6, y + 4, f"{t:g}", "end", cls="tick"))
        tick_boxes.append(text_box(LEFT - 6, y + 4, f"{t:g}", "end", SIZE))
    xtick_y = TOP + PLOT_H + 17
    for v, lab in ax.xticks:
        x = ax.sx(v)
        out.append(
            f'<line class="grid" x1="{_f(x)}" y1="{_f(TOP)}" x2="{_f(x)}" y2="{_f(TOP + PLOT_H)}"/>'
        )
        box = text_box(x, xtick_y, lab, "middle", SIZE)
        if any(box.hits(b, 4) for b in tick_boxes):
            continue  # thin out tick labels that would touch another (or the corner's y tick)
        tick_boxes.append(box)
        out.append(_text(x, xtick_y, lab, "middle", cls="tick"))
    return out


def _x_marker(ax: _Axes, marker: tuple[float, str], placer: LabelPlacer) -> list[str]:
    """A vertical line at x with its label, which point labels then avoid."""
    mx = ax.sx(marker[0])
    text = fit_text(marker[1], PLOT_W / 2, SIZE)
    anchor = "start" if mx + 4 + text_width(text, SIZE) <= LEFT + PLOT_W else "end"
    tx = mx + 4 if anchor == "start" else mx - 4
    placer.block(text_box(tx, TOP + 13, text, anchor, SIZE))
    return [
        f'<line class="marker" x1="{_f(mx)}" y1="{_f(TOP)}" x2="{_f(mx)}" y2="{_f(TOP + PLOT_H)}"/>',
        _text(tx, TOP + 13, text, anchor, cls="marker-label"),
    ]


def _axis_titles(x_label: str, y_label: str) -> list[str]:
    return [
        _text(
            LEFT + PLOT_W / 2,
            HEIGHT - 12,
            fit_text(x_label, PLOT_W, 12),
            "middle",
            cls="axis-title",
        ),
        _text(
            16,
            TOP + PLOT_H / 2,
            fit_text(y_label, PLOT_H, 12),
            "middle",
            cls="axis-title",
            extra=f' transform="rotate(-90 16 {_f(TOP + PLOT_H / 2)})"',
        ),
    ]


def _points(ax: _Axes, points: list[dict[str, Any]], placer: LabelPlacer) -> list[str]:
    """Each point with its CI whisker and tooltip, then the labels (flagged first, then from
    the top of the plot down) placed around all points."""
    out = []
    drawn = []
    for p in points:
        if p.get("x") is None or p.get("y") is None:
            continue
        x, y = ax.sx(p["x"]), ax.sy(p["y"])
        r = 5 if p.get("flagged") else 4
        colour = FLAG_COLOUR if p.get("flagged") else COMMON_COLOUR
        if p.get("y_low") is not None and p.get("y_high") is not None:
            out.append(
                f'<line class="ci" x1="{_f(x)}" y1="{_f(ax.sy(p["y_low"]))}" x2="{_f(x)}" '
                f'y2="{_f(ax.sy(p["y_high"]))}" stroke="{colour}"/>'
            )
        out.append(
            f'<circle class="point" cx="{_f(x)}" cy="{_f(y)}" r="{r}" '
            f'fill="{colour}"><title>{_e(p.get("tip", p.get("label", "")))}</title></circle>'
        )
        placer.block(Box(x - r, y - r, x + r, y + r))
        drawn.append((x, y, p))
    for x, y, p in sorted(drawn, key=lambda t: (not t[2].get("flagged"), t[1], t[0])):
        if p.get("label"):
            out.append(placer.place(x, y, str(p["label"])))
    return out
