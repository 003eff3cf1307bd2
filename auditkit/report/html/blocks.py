"""Building blocks of the HTML page: its CSS, escaping, tables, figures, cards."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from auditkit.report.runs import num as _num

CSS = """
:root { --fg:#1d1f23; --muted:#5b6270; --line:#d8dbe0; --accent:#0072B2; --bad:#C0392B; }
* { box-sizing: border-box; }
html { scroll-padding-top: 52px; }
body { font-family: "Noto Sans", "Noto Sans CJK SC", system-ui, sans-serif; color: var(--fg);
  margin: 0; background: #f6f7f9; line-height: 1.45; overflow-wrap: anywhere; }
header { background: #1d2b3a; color: #fff; padding: 16px 24px 12px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #c9d3de; font-size: 14px; }
nav.toc { position: sticky; top: 0; z-index: 10; background: #26384b; padding: 8px 24px;
  display: flex; gap: 4px 16px; overflow-x: auto; white-space: nowrap; }
nav.toc a { color: #fff; text-decoration: none; font-size: 14px; }
main { max-width: 1180px; margin: 0 auto; padding: 4px 16px 40px; }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 6px;
  padding: 6px 20px 14px; margin: 14px 0; min-width: 0; }
section.card > details > summary { list-style: none; cursor: pointer; }
section.card > details > summary::-webkit-details-marker { display: none; }
section.card > details > summary h2::before { content: "▾ "; color: var(--accent); }
section.card > details:not([open]) > summary h2::before { content: "▸ "; }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin: 10px 0; }
h3 { font-size: 16px; margin: 22px 0 6px; }
#findings ol { padding-left: 22px; margin: 6px 0; }
#findings li { margin: 6px 0; }
#findings .src { color: var(--muted); font-size: 13px; }
.muted, figcaption { color: var(--muted); font-size: 13px; }
figure { margin: 10px 0 18px; overflow-x: auto; }
figure svg { width: 100%; height: auto; display: block; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 9px; text-align: left; vertical-align: top;
  overflow-wrap: normal; }
th { background: #eef1f5; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.center { text-align: center; }
tr.flag td, td.loss { background: #fdecea; }
td.loss { color: var(--bad); font-weight: 600; }
td.gain { background: #e8f5ec; font-weight: 600; }
.badge { display: inline-block; padding: 1px 7px; border-radius: 9px; font-size: 12px; background: #eef1f5; }
.badge.bad { background: var(--bad); color: #fff; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 140px; flex: 0 1 auto; }
.kpi b { display: block; font-size: 20px; }
.kpi span { color: var(--muted); font-size: 12px; }
.link { border-left: 4px solid var(--accent); padding-left: 12px; margin: 16px 0; min-width: 0; }
.maps { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px; min-width: 0; }
details summary { cursor: pointer; color: var(--accent); font-size: 13px; margin: 4px 0; }
code { font-size: 12px; background: #f0f2f5; padding: 0 3px; border-radius: 3px; word-break: break-all; }
svg.chart text { font-family: "Noto Sans", "Noto Sans CJK SC", system-ui, sans-serif; font-size: 12px; fill: #222; }
svg.chart .tick { fill: #555; font-size: 11px; }
svg.chart .axis-title { font-weight: 600; fill: #333; }
svg.chart .value, svg.chart .point-label { font-size: 11px; fill: #333; }
svg.chart .sig { font-size: 14px; font-weight: 700; fill: #111; }
svg.chart .grid { stroke: #e4e6ea; stroke-width: 1; }
svg.chart .axis { stroke: #444; stroke-width: 1; }
svg.chart .zero { stroke: #444; stroke-dasharray: 4 3; }
svg.chart .marker { stroke: #D55E00; stroke-dasharray: 5 3; }
svg.chart .marker-label { fill: #D55E00; font-size: 11px; }
svg.chart .leader { stroke: #888; stroke-width: 0.8; }
svg.chart .ci { stroke: #222; stroke-width: 1.2; fill: none; }
svg.chart .frame { fill: none; stroke: #bbb; }
svg.chart .axis-break { stroke: #777; fill: none; }
svg.chart .ocean { fill: #f3f8fc; }
svg.chart .country { stroke: #fff; stroke-width: 0.4; }
svg.chart .country:hover, svg.chart .bar:hover, svg.chart .cell:hover { opacity: 0.8; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 10px; }
@media (max-width: 700px) {
  header { padding: 12px 14px 10px; }
  nav.toc { padding: 8px 14px; }
  main { padding: 2px 8px 30px; }
  section.card { padding: 4px 12px 12px; }
  /* charts keep a legible size and scroll sideways inside their card */
  figure svg { min-width: 640px; }
  .kpi { min-width: 0; flex: 1 1 40%; }
}
"""

# What a browser would fetch: src/href/srcset/action/poster attributes, CSS url() and @import.
_RESOURCE_RE = re.compile(
    r"""(?:\s(?:src|href|xlink:href|srcset|action|poster|data|background)\s*=\s*["']?([^"'\s>]+))"""
    r"""|(?:url\(\s*["']?([^"')]+))|(?:@import\s+["']?([^"';\s]+))""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Every resource reference in ``html`` that is not an in-page anchor or data: URI."""
    found = []
    for m in _RESOURCE_RE.finditer(html):
        ref = next(g for g in m.groups() if g)
        if ref.startswith("#") or ref.lower().startswith("data:"):
            continue
        found.append(ref)
    return found


def esc(x: Any) -> str:
    return escape(str(x), quote=True)


def fmt(v: Any, spec: str = ".3g", none: str = "–") -> str:
    """A number formatted and escaped; anything that is not a finite number shows ``none``."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    f = _num(v)
    return none if f is None else esc(format(f, spec))


def table(
    headers: list[str],
    rows: list[list[Any]],
    num_cols: set[int] = frozenset(),
    flags: list[bool] | None = None,
    caption: str = "",
) -> str:
    """A table (every cell escaped) inside a box that scrolls sideways within its card."""
    out = ["<div class='scroll'><table>"]
    if caption:
        out.append(f"<caption class='muted'>{esc(caption)}</caption>")
    out.append(
        "<thead><tr>"
        + "".join(
            f"<th class='num'>{esc(h)}</th>" if i in num_cols else f"<th>{esc(h)}</th>"
            for i, h in enumerate(headers)
        )
        + "</tr></thead><tbody>"
    )
    for k, row in enumerate(rows):
        cls = " class='flag'" if flags and flags[k] else ""
        cells = "".join(
            f"<td class='num'>{esc(c)}</td>" if i in num_cols else f"<td>{esc(c)}</td>"
            for i, c in enumerate(row)
        )
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def figure(svg: str, caption: str, name: str) -> str:
    return (
        f'<figure data-figure="{esc(name)}"><figcaption>{esc(caption)}</figcaption>{svg}</figure>'
    )


def kpis(items: list[tuple[str, str]]) -> str:
    return (
        "<div class='kpis'>"
        + "".join(f"<div class='kpi'><b>{esc(v)}</b><span>{esc(k)}</span></div>" for k, v in items)
        + "</div>"
    )


def card(anchor: str, title: str, body: str, collapsible: bool = True) -> str:
    """One part of the report: a card with a heading; collapsible unless it is the findings."""
    if not collapsible:
        return f"<section class='card' id='{esc(anchor)}'><h2>{esc(title)}</h2>{body}</section>"
    return (
        f"<section class='card' id='{esc(anchor)}'><details open><summary><h2>{esc(title)}</h2>"
        f"</summary>{body}</details></section>"
    )
