"""Charts of cells: the world choropleth and the model x model heatmap."""

from __future__ import annotations

from typing import Any

from auditkit.report.charts.svg import (
    DIVERGING,
    NO_DATA,
    VIRIDIS,
    _e,
    _f,
    _text,
    interpolate,
    luminance,
    svg_open,
    text_width,
)

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
    width = left + k * cell + 150
    bottom = 24 + max(text_width(s) for s in labels)  # room for the vertical column labels
    height = top_pad + k * cell + bottom
    desc = f"Heatmap of Spearman correlations between {k} models' {what}.{_extremes(labels, rho)}"
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
            n = ns[i][j] if ns else None
            out += _heat_cell(left + j * cell, y, cell, a, b, rho[i][j], n)
    for j, b in enumerate(labels):  # column labels written vertically: they never overlap
        x = left + j * cell + cell / 2 + 4
        y = top_pad + k * cell + 8
        out.append(
            _text(x, y, b, "end", cls="label", extra=f' transform="rotate(-90 {_f(x)} {_f(y)})"')
        )
    out += _rho_legend(left + k * cell + 30, top_pad, max(100.0, k * cell - 20))
    out.append("</svg>")
    return "".join(out)


def _extremes(labels: list[str], rho: list[list[float | None]]) -> str:
    """The lowest and highest pair, for the chart's description."""
    pairs = []
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            if rho[i][j] is not None:
                pairs.append((rho[i][j], labels[i], labels[j]))
    pairs.sort()
    if not pairs:
        return ""
    return (
        f" Lowest: {pairs[0][1]} vs {pairs[0][2]} rho = {pairs[0][0]:.2f}; highest: "
        f"{pairs[-1][1]} vs {pairs[-1][2]} rho = {pairs[-1][0]:.2f}."
    )


def _heat_cell(
    x: float, y: float, cell: float, a: str, b: str, v: float | None, n: int | None
) -> list[str]:
    fill = NO_DATA if v is None else interpolate(DIVERGING, (v + 1) / 2)
    tip = f"{a} vs {b}: " + ("undefined" if v is None else f"rho = {v:.3f}")
    if n is not None:
        tip += f" (n = {n})"
    colour = "#fff" if luminance(fill) < 0.5 else "#111"
    return [
        f'<rect class="cell" x="{_f(x)}" y="{_f(y)}" width="{cell - 2}" height="{cell - 2}" '
        f'fill="{fill}"><title>{_e(tip)}</title></rect>',
        _text(
            x + cell / 2 - 1,
            y + cell / 2 + 4,
            "–" if v is None else f"{v:.2f}",
            "middle",
            cls="cell-value",
            extra=f' fill="{colour}"',
        ),
    ]


def _rho_legend(lx: float, ly: float, lh: float) -> list[str]:
    """The colour scale from +1 (top) to -1, beside the matrix."""
    out = []
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
    return out
