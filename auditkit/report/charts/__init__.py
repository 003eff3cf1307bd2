"""Hand-written SVG charts for the HTML report (see :mod:`auditkit.report.charts.svg` for why
and how): the primitives in ``svg``, one module per family of chart."""

from auditkit.report.charts.bars import language_shares_chart, metric_bars_chart
from auditkit.report.charts.grids import choropleth_chart, heatmap_chart
from auditkit.report.charts.scatter import scatter_chart
from auditkit.report.charts.svg import (
    CATEGORICAL,
    COMMON_COLOUR,
    DIVERGING,
    FLAG_COLOUR,
    NO_DATA,
    RARE_COLOUR,
    VIRIDIS,
    interpolate,
    nice_ticks,
    percent_label,
    text_width,
)

__all__ = [
    "CATEGORICAL",
    "COMMON_COLOUR",
    "DIVERGING",
    "FLAG_COLOUR",
    "NO_DATA",
    "RARE_COLOUR",
    "VIRIDIS",
    "choropleth_chart",
    "heatmap_chart",
    "interpolate",
    "language_shares_chart",
    "metric_bars_chart",
    "nice_ticks",
    "percent_label",
    "scatter_chart",
    "text_width",
]
