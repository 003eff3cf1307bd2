"""The HTML report: one self-contained file (inline CSS and SVG; no scripts, fonts, images or
map tiles from anywhere), deterministic for the same run folders so reports can be diffed.

Layout: findings first (section ``id="findings"``, before any chart), a sticky table of
contents, one collapsible card per part, charts scaled to the card width, tables that scroll
inside their card, and a single column at phone width.

Every value that comes from a run folder is untrusted: text is HTML-escaped where it is
written, and numbers are read as numbers (:func:`auditkit.report.runs.num`) before they are
formatted, so an edited summary.json cannot put markup or script into the page.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from auditkit import __version__
from auditkit.report import charts
from auditkit.report.formatting import pct as _pct
from auditkit.report.geometry import load_world, resolve_iso3
from auditkit.report.links import LINK_KINDS, correlation_matrix, country_ranking
from auditkit.report.model import ReportData
from auditkit.report.runs import (
    Run,
    eval_chains,
    eval_confidence,
    eval_groups,
    eval_models,
    eval_scale,
    eval_steps,
    lang_languages,
    lang_threshold,
    lang_totals,
    probe_correlations,
    probe_countries,
    probe_matrix,
    probe_scorer,
    significance_mark,
)
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


def _e(x: Any) -> str:
    return escape(str(x), quote=True)


def _fmt(v: Any, spec: str = ".3g", none: str = "–") -> str:
    """A number formatted and escaped; anything that is not a finite number shows ``none``."""
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    f = _num(v)
    return none if f is None else _e(format(f, spec))


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
        out.append(f"<caption class='muted'>{_e(caption)}</caption>")
    out.append(
        "<thead><tr>"
        + "".join(
            f"<th class='num'>{_e(h)}</th>" if i in num_cols else f"<th>{_e(h)}</th>"
            for i, h in enumerate(headers)
        )
        + "</tr></thead><tbody>"
    )
    for k, row in enumerate(rows):
        cls = " class='flag'" if flags and flags[k] else ""
        cells = "".join(
            f"<td class='num'>{_e(c)}</td>" if i in num_cols else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        )
        out.append(f"<tr{cls}>{cells}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def figure(svg: str, caption: str, name: str) -> str:
    return f'<figure data-figure="{_e(name)}"><figcaption>{_e(caption)}</figcaption>{svg}</figure>'


def kpis(items: list[tuple[str, str]]) -> str:
    return (
        "<div class='kpis'>"
        + "".join(f"<div class='kpi'><b>{_e(v)}</b><span>{_e(k)}</span></div>" for k, v in items)
        + "</div>"
    )


def card(anchor: str, title: str, body: str, collapsible: bool = True) -> str:
    """One part of the report: a card with a heading; collapsible unless it is the findings."""
    if not collapsible:
        return f"<section class='card' id='{_e(anchor)}'><h2>{_e(title)}</h2>{body}</section>"
    return (
        f"<section class='card' id='{_e(anchor)}'><details open><summary><h2>{_e(title)}</h2>"
        f"</summary>{body}</details></section>"
    )


# --- sections ------------------------------------------------------------------------------


def _lang_section(run: Run, idx: int, top: int) -> str:
    s = run.summary
    langs = lang_languages(s)
    tot = lang_totals(s)
    thr = lang_threshold(s)
    total = tot["total"] or 0
    agreed = tot["agreed"]
    non_en = _num(s.get("non_english_share"))
    low = [r for r in langs if r["count"] < thr]
    out = [f"<h3 id='lang-{idx}'>Corpus: {_e(run.label)}</h3>"]
    out.append(
        kpis(
            [
                ("utterances", _fmt(total)),
                (
                    "agreed by both detectors",
                    f"{_fmt(agreed)} ({_pct(agreed / total if total and agreed is not None else None, 1)})",
                ),
                ("disagreed (und)", _fmt(tot["disagreed"])),
                ("languages", _fmt(len(langs))),
                ("non-English share", _pct(non_en, 1) if non_en is not None else "–"),
                (f"languages < {thr} utterances", _fmt(len(low))),
            ]
        )
    )
    if langs:
        svg = charts.language_shares_chart(langs, thr, f"lang-shares-{idx}", run.label, top=top)
        out.append(
            figure(
                svg,
                f"Share of agreed utterances per language, log scale ({len(langs)} languages; "
                f"orange: fewer than {thr} utterances).",
                "language-shares",
            )
        )
        out.append(
            f"<details><summary>All {len(langs)} languages as a table</summary>"
            + table(
                ["code", "language", "utterances", "share of agreed"],
                [[r["code"], r["name"], f"{r['count']:,}", _pct(r["share"], 3)] for r in langs],
                {2, 3},
            )
            + "</details>"
        )
    else:
        out.append("<p class='muted'>No agreed language labels in this run.</p>")
    if low:
        out.append(
            f"<p><b>Rare languages</b> (&lt; {thr} agreed utterances): "
            + ", ".join(f"{_e(r['name'])} ({_e(r['code'])}) {r['count']}" for r in low[:60])
            + (" …" if len(low) > 60 else "")
            + "</p>"
        )
    detectors = s.get("detectors")
    if isinstance(detectors, dict):
        out.append(
            "<p class='muted'>Detectors: "
            + "; ".join(
                f"{_e(k)} {_e((v or {}).get('version', '')) if isinstance(v, dict) else _e(v)}"
                for k, v in detectors.items()
            )
            + "</p>"
        )
    return "".join(out)


def _choropleth_values(
    rows: list[dict[str, Any]],
) -> tuple[dict[str, tuple[float, str]], list[str]]:
    values: dict[str, tuple[float, str]] = {}
    unmapped = []
    n = len(rows)
    for r in rows:
        if r["mean_rank"] is None:
            continue
        iso = r.get("iso3") or resolve_iso3(r["country"])
        if not iso:
            unmapped.append(r["country"])
            continue
        rank = f" (rank {int(r['rank'])} of {n})" if r.get("rank") is not None else ""
        values[str(iso)] = (r["mean_rank"], f"{r['country']}: mean rank {r['mean_rank']:.1f}{rank}")
    return values, unmapped


def _probe_section(run: Run, idx: int) -> str:
    s = run.summary
    rows = probe_countries(s)
    scorer = {"rm": " (reward model)", "lm": " (LM likelihood)"}.get(probe_scorer(s), "")
    out = [f"<h3 id='probe-{idx}'>Model: {_e(run.label)}{scorer}</h3>"]
    corr = probe_correlations(s)
    items = [("countries ranked", _fmt(len(rows)))]
    ref = s.get("reference_country")
    below = s.get("share_ranked_below_reference")
    if ref:
        items.append((f"share ranked below {ref}", _pct(below, 1)))
    for name, c in corr.items():
        items.append((f"Spearman vs {name} (n={_fmt(c['n'], '.0f')})", _fmt(c["rho"], ".3f")))
    out.append(kpis(items))
    values, unmapped = _choropleth_values(rows)
    if values:
        world = load_world()
        on_map = sum(1 for c in world.countries if c["iso3"] in values)
        out.append(
            figure(
                charts.choropleth_chart(values, world, f"map-{idx}", run.label),
                f"Mean rank of each country across the probe templates (1 = most preferred); "
                f"{on_map} of {len(rows)} ranked countries are drawn (Natural Earth 1:110m has no "
                f"geometry for the smallest ones).",
                "choropleth",
            )
        )
    if unmapped:
        out.append(f"<p class='muted'>No ISO code for: {_e(', '.join(unmapped))}.</p>")
    if rows:
        k = min(10, len(rows) // 2 or 1)
        head = [
            [
                int(r["rank"]) if r["rank"] is not None else "–",
                r["country"],
                _fmt(r["mean_rank"], ".1f"),
            ]
            for r in rows[:k]
        ]
        tail = [
            [
                int(r["rank"]) if r["rank"] is not None else "–",
                r["country"],
                _fmt(r["mean_rank"], ".1f"),
            ]
            for r in rows[-k:]
        ]
        out.append("<div class='kpis'>")
        out.append(table(["rank", "country", "mean rank"], head, {0, 2}, caption=f"top {k}"))
        out.append(table(["rank", "country", "mean rank"], tail, {0, 2}, caption=f"bottom {k}"))
        out.append("</div>")
    if corr:
        out.append(
            table(
                ["reference survey", "Spearman ρ", "p", "n"],
                [
                    [n, _fmt(c["rho"], ".3f"), _fmt(c["p"], ".2g"), _fmt(c["n"], ".0f")]
                    for n, c in corr.items()
                ],
                {1, 2, 3},
                caption="rank correlation of the model's country ranking with reference surveys",
            )
        )
    return "".join(out)


def _heatmaps(probes: list[Run]) -> str:
    """Model x model Spearman of country rankings: computed across the individual probe runs,
    plus any matrix a comparison run stored over a different set of models."""
    out = []
    single = [r for r in probes if not r.is_comparison]
    computed: set[str] = set()
    if len(single) >= 2:
        labels, rho, ns = correlation_matrix({r.label: country_ranking(r) for r in single})
        computed = set(labels)
        out.append(
            figure(
                charts.heatmap_chart(labels, rho, ns, "heatmap-runs"),
                "Spearman correlation between the models' country rankings (mean ranks over the "
                "countries both rank; n in each cell's tooltip).",
                "heatmap",
            )
        )
    for i, r in enumerate(probes):
        m = probe_matrix(r.summary)
        if m and set(m[0]) != computed:
            out.append(
                figure(
                    charts.heatmap_chart(m[0], m[1], None, f"heatmap-{i}"),
                    f"Model × model ranking correlation stored in {r.path.name}/summary.json.",
                    "heatmap",
                )
            )
    return "".join(out)


def _eval_section(run: Run, idx: int, alpha: float) -> str:
    s = run.summary
    scale = eval_scale(s)
    groups = eval_groups(s)
    models = eval_models(s)
    steps = eval_steps(s)
    metric = str(s.get("metric", "metric"))
    unit = " points" if scale == 100.0 else ""
    out = [f"<h3 id='eval-{idx}'>Task: {_e(run.label)} — {_e(metric)}</h3>"]
    if s.get("metric_description"):
        out.append(f"<p class='muted'>{_e(s['metric_description'])}</p>")
    chains = [
        c for c in eval_chains(s) if any(st.get("model") in models for st in c.get("stages", []))
    ]
    if not chains and models:
        chains = [
            {
                "name": "models",
                "stages": [{"model": m, "stage": str(i)} for i, m in enumerate(models)],
            }
        ]
    for ci, chain in enumerate(chains):
        svg = charts.metric_bars_chart(
            chain, models, groups, steps, scale, metric, f"bars-{idx}-{ci}", run.label, alpha
        )
        out.append(
            figure(
                svg,
                f"{metric} per {s.get('group_label', 'group')} for each stage of {chain.get('name')} "
                f"with {round(100 * eval_confidence(s))}% CIs; "
                f"* = significant change from the previous stage (Holm-corrected p < {alpha:g}).",
                "metric-bars",
            )
        )
        chain_steps = [
            st
            for st in steps
            if str(st.get("chain")) == chain.get("name") and _num(st.get("delta")) is not None
        ]
        if chain_steps:
            out.append(_steps_table(chain_steps, s, scale, alpha, chain.get("name")))
    disparities = s.get("disparities")
    disp = [
        d
        for d in (disparities if isinstance(disparities, list) else [])
        if isinstance(d, dict) and _num(d.get("range")) is not None
    ]
    if disp:
        out.append(
            table(
                ["chain", "step", f"range of changes{unit}", "largest − smallest"],
                [
                    [
                        d.get("chain"),
                        f"{d.get('from_stage')}→{d.get('to_stage')}",
                        _fmt(scale * _num(d["range"]), ".1f" if scale == 100 else ".3f"),
                        f"{d.get('max_group')} − {d.get('min_group')}",
                    ]
                    for d in disp
                ],
                {2},
                caption="disparity: how unevenly each step changed the groups",
            )
        )
    return "".join(out)


def _steps_table(
    steps: list[dict[str, Any]], s: dict[str, Any], scale: float, alpha: float, chain: Any
) -> str:
    """Groups as rows, steps as column pairs (change with marks, CI); significant losses red."""
    step_keys: list[str] = []
    groups: list[str] = []
    cell: dict[tuple[str, str], dict[str, Any]] = {}
    for st in steps:
        key = f"{st.get('from_stage')}→{st.get('to_stage')}"
        if key not in step_keys:
            step_keys.append(key)
        g = str(st.get("group"))
        if g not in groups:
            groups.append(g)
        cell[(g, key)] = st
    digits = 1 if scale == 100 else 3
    head1 = "".join(f"<th colspan='2' class='center'>{_e(k)}</th>" for k in step_keys)
    head2 = "".join(
        f"<th class='num'>Δ{' points' if scale == 100 else ''}</th><th class='num'>95% CI</th>"
        for _ in step_keys
    )
    body = []
    for g in groups:
        n = next((cell[(g, k)].get("n") for k in step_keys if (g, k) in cell), None)
        tds = [f"<td>{_e(g)}</td><td class='num'>{_fmt(n)}</td>"]
        for k in step_keys:
            st = cell.get((g, k))
            if st is None:
                tds.append("<td></td><td></td>")
                continue
            p = _num(st.get("p_holm", st.get("p")))
            mark = significance_mark(p, alpha)
            d = scale * (_num(st.get("delta")) or 0.0)
            cls = "num loss" if mark and d < 0 else "num gain" if mark else "num"
            lo, hi = _num(st.get("delta_ci_low")), _num(st.get("delta_ci_high"))
            ci = (
                "–"
                if lo is None or hi is None
                else f"[{scale * lo:+.{digits}f}, {scale * hi:+.{digits}f}]"
            )
            tip = f"p = {_fmt(st.get('p'), '.2g')}, Holm-corrected p = {_fmt(p, '.2g')}"
            tds.append(
                f"<td class='{cls}' title='{_e(tip)}'>{d:+.{digits}f}{mark}</td>"
                f"<td class='num muted'>{_e(ci)}</td>"
            )
        body.append("<tr>" + "".join(tds) + "</tr>")
    label = _e(s.get("group_label", "group"))
    return (
        f"<div class='scroll'><table><caption class='muted'>changes along {_e(chain)}: * p &lt; {alpha:g}, ** p &lt; 0.01, "
        "*** p &lt; 0.001 (paired test, Holm-corrected across groups); red: significant loss, "
        "green: significant gain</caption>"
        f"<thead><tr><th rowspan='2'>{label}</th><th rowspan='2' class='num'>n</th>{head1}</tr>"
        f"<tr>{head2}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _language_links_section(links: list[dict[str, Any]]) -> str:
    """One block per declaration (data-link="CORPUS_RUN→CHAIN:STEP"), one table per task."""
    blocks: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for i, link in enumerate(links):
        blocks.setdefault(link["data_link"], []).append((i, link))
    out = []
    for name, items in blocks.items():
        first = items[0][1]
        trained = (
            f"which trained on {', '.join(first['trained_on'])}"
            if first["trained_on"]
            else "declared to have trained on it"
        )
        out.append(
            f"<div class='link' data-link='{_e(name)}'><h3>{_e(first['corpus'])} → "
            f"{_e(first['chain'])}:{_e(first['to_stage'])}</h3><p class='muted'>"
            f"{_e(first['from'])} → {_e(first['to'])}, {_e(trained)}; declared by "
            f"{_e(first['declared_by'])}.</p>"
        )
        out.append(_language_link_tables(items))
        out.append("</div>")
    return "".join(out)


def _language_link_tables(items: list[tuple[int, dict[str, Any]]]) -> str:
    out = []
    for i, link in items:
        corr = link["spearman"]
        rows = link["rows"]
        total = None
        unit = link["unit"] or "(metric units)"
        out.append(f"<h3>{_e(link['task'])}: {_e(link['metric'])}</h3>")
        rho_txt = "undefined" if corr["rho"] is None else f"{corr['rho']:+.2f}"
        out.append(
            kpis(
                [
                    ("Spearman ρ (share vs change)", rho_txt),
                    ("p", _fmt(corr["p"], ".2g")),
                    ("languages (data points)", str(corr["n"])),
                    (
                        f"flagged: rare (< {link['rare_below']}) and losing",
                        str(len(link["flagged"])),
                    ),
                ]
            )
        )
        shares = [r["share"] for r in rows if r["share"]]
        counts = [r["count"] for r in rows if r["share"]]
        if shares and counts and counts[0]:
            total = counts[0] / shares[0]
        points = [
            {
                "x": r["share"],
                "y": r["delta_points"],
                "y_low": r["ci_low"],
                "y_high": r["ci_high"],
                "label": r["code"] or r["group"],
                "flagged": r["flagged"],
                "tip": f"{r['name']}: {r['count']:,} utterances ({_pct(r['share'], 4)}), "
                f"change {_fmt(r['delta_points'], '+.1f')} {link['unit']} (n = {r['n_items']}, p_holm = {_fmt(r['p_holm'], '.2g')})",
            }
            for r in rows
        ]
        marker = (
            (link["rare_below"] / total, f"rare: < {link['rare_below']} utterances")
            if total
            else None
        )
        desc = (
            f"Scatter plot of {corr['n']} languages: x = share of agreed utterances in {link['corpus']} "
            f"(log scale), y = change in {link['metric']} across {link['from_stage']}→{link['to_stage']} "
            f"of {link['chain']}, with CIs. Spearman rho = {rho_txt}. Flagged (red): "
            f"{', '.join(link['flagged']) or 'none'}."
        )
        out.append(
            figure(
                charts.scatter_chart(
                    points,
                    f"link-lang-{i}",
                    "link-languages",
                    f"Corpus share vs change across {link['to_stage'].upper()}",
                    desc,
                    "share of agreed utterances in the corpus (log scale)",
                    f"change in {link['metric']} ({unit})",
                    log_x=True,
                    x_marker=marker,
                    legend=("language", "rare and losing"),
                ),
                f"Each point is one evaluated language: its share of the corpus against its score "
                f"change across the {link['from_stage']}→{link['to_stage']} step of {link['chain']} "
                f"({link['from']} → {link['to']}); whiskers are paired-bootstrap CIs. "
                f"Red: rare (< {link['rare_below']} utterances) and losing by {link['loss_rule']}.",
                "link-languages",
            )
        )
        out.append(
            table(
                [
                    "language",
                    "code",
                    "corpus utterances",
                    "share",
                    f"Δ {unit}",
                    "95% CI",
                    "items",
                    "p (Holm)",
                    "flag",
                ],
                [
                    [
                        r["name"],
                        r["code"] or "?",
                        f"{r['count']:,}",
                        _pct(r["share"], 3),
                        _fmt(r["delta_points"], "+.1f"),
                        "–"
                        if r["ci_low"] is None or r["ci_high"] is None
                        else f"[{r['ci_low']:+.1f}, {r['ci_high']:+.1f}]",
                        r["n_items"],
                        _fmt(r["p_holm"], ".2g"),
                        "rare & losing" if r["flagged"] else "",
                    ]
                    for r in rows
                ],
                {2, 3, 4, 5, 6, 7},
                [r["flagged"] for r in rows],
                caption=f"ρ rests on {corr['n']} languages; the corpus counts rest on the lang "
                f"run's agreed labels; flag: rare (< {link['rare_below']}) and {link['loss_rule']}",
            )
        )
    return "".join(out)


def _country_links_section(links: list[dict[str, Any]]) -> str:
    out = []
    for i, link in enumerate(links):
        corr = link["spearman"]
        rows = link["rows"]
        rho_txt = "undefined" if corr["rho"] is None else f"{corr['rho']:+.2f}"
        out.append(
            f"<div class='link' data-link='{_e(link['data_link'])}'>"
            f"<h3>{_e(link['rm'])} (RM) × {_e(link['lm'])} (LM likelihood)</h3>"
            f"<p class='muted'>Declared by {_e(link['declared_by'])}.</p>"
        )
        out.append(
            kpis(
                [
                    ("Spearman ρ of mean ranks", rho_txt),
                    ("p", _fmt(corr["p"], ".2g")),
                    ("countries in both (data points)", str(corr["n"])),
                    ("only in one run", f"{link['only_in_rm']} / {link['only_in_lm']}"),
                ]
            )
        )
        ranked = sorted(
            (r for r in rows if r["rank_difference"] is not None),
            key=lambda r: -abs(r["rank_difference"]),
        )
        label_set = {r["country"] for r in ranked[:6]}
        points = [
            {
                "x": r["rm_mean_rank"],
                "y": r["lm_mean_rank"],
                "label": r["country"] if r["country"] in label_set else "",
                "flagged": r["country"] in label_set,
                "tip": f"{r['country']}: RM mean rank {_fmt(r['rm_mean_rank'], '.1f')}, LM mean rank {_fmt(r['lm_mean_rank'], '.1f')}",
            }
            for r in rows
        ]
        desc = (
            f"Scatter plot of {corr['n']} countries: x = mean rank under the reward model {link['rm']}, "
            f"y = mean rank by likelihood under {link['lm']}; Spearman rho = {rho_txt}. The six "
            "countries ranked most differently are labelled."
        )
        out.append(
            figure(
                charts.scatter_chart(
                    points,
                    f"link-country-{i}",
                    "link-countries",
                    "Reward-model rank vs LM likelihood rank",
                    desc,
                    "mean rank under the reward model (1 = most preferred)",
                    "mean rank by LM likelihood (1 = most likely)",
                    zero_line=False,
                    legend=("country", "six largest rank differences"),
                ),
                "Each point is one country; red points are the six with the largest rank difference.",
                "link-countries",
            )
        )
        out.append(
            table(
                ["country", "RM rank", "LM rank", "LM − RM"],
                [
                    [
                        r["country"],
                        _fmt(r["rm_rank"], ".0f"),
                        _fmt(r["lm_rank"], ".0f"),
                        _fmt(r["rank_difference"], "+.0f"),
                    ]
                    for r in ranked[:15]
                ],
                {1, 2, 3},
                caption="the 15 countries ranked most differently",
            )
        )
        out.append("</div>")
    return "".join(out)


def _named_countries_section(run: Run, top: int = 15) -> str:
    s = run.summary
    rows = [r for r in s.get("countries") or [] if isinstance(r, dict)]
    never = s.get("study_never_mentioned") or []
    body = [
        [r.get("name"), r.get("iso3"), f"{int(r.get('mentions') or 0):,}", _pct(r.get("share"), 2)]
        + [r.get("mentions_chosen", "–"), r.get("mentions_rejected", "–")]
        for r in rows[:top]
    ]
    mentions = int(_num(s.get("mentions_total")) or 0)
    utterances = int(_num(s.get("utterances_total")) or 0)
    return (
        f"<h3>{_e(run.label)}</h3><p>{mentions:,} mentions of "
        f"{len(rows)} countries in {utterances:,} utterances; "
        f"{len(never)} of the study's 181 countries are never named.</p>"
        + table(
            ["country", "iso3", "mentions", "share", "chosen", "rejected"],
            body,
            {2, 3, 4, 5},
            caption=f"the {min(top, len(rows))} most named",
        )
    )


def _generic_links_section(links: list[dict[str, Any]]) -> str:
    """Links of a kind without its own renderer: each block's scalar fields and its rows."""
    out = []
    for link in links:
        out.append(
            f"<div class='link' data-link='{_e(link.get('data_link', ''))}'>"
            f"<h3>{_e(link.get('data_link', ''))}</h3>"
            f"<p class='muted'>Declared by {_e(link.get('declared_by', ''))}.</p>"
        )
        scalars = [
            (str(k), v)
            for k, v in link.items()
            if k not in ("rows", "data_link", "declared_by", "kind")
            and isinstance(v, (str, int, float))
            and not isinstance(v, bool)
        ]
        if scalars:
            out.append(table(["field", "value"], [[k, v] for k, v in scalars]))
        rows = [r for r in link.get("rows") or [] if isinstance(r, dict)]
        if rows:
            cols = list(dict.fromkeys(k for r in rows for k in r))
            out.append(table(cols, [[_cell(r.get(c)) for c in cols] for r in rows]))
        out.append("</div>")
    return "".join(out)


def _cell(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return format(v, ".4g")
    return str(v)


# Renderers of link kinds by name; a side registering a link kind may add its own here.
LINK_RENDERERS: dict[str, Any] = {
    "languages": _language_links_section,
    "countries": _country_links_section,
    "mentions": lambda links: _mention_links_section(links),
}


def _mention_links_section(links: list[dict[str, Any]]) -> str:
    from auditkit.report.countries_link import render_mention_links

    return render_mention_links(links)


def _audit_section(runs: list[Run]) -> str:
    rows = []
    for r in runs:
        a = r.audit if isinstance(r.audit, dict) else {}
        inputs = a.get("inputs") if isinstance(a.get("inputs"), list) else []
        fp = []
        for inp in inputs[:4]:
            if not isinstance(inp, dict):
                continue
            name = inp.get("path") or inp.get("hub_id") or "?"
            h = (
                inp.get("sha256")
                or inp.get("revision")
                or (f"{len(inp['files'])} files" if isinstance(inp.get("files"), dict) else "")
            )
            fp.append(f"{name} {str(h)[:12]}")
        versions = a.get("versions") if isinstance(a.get("versions"), dict) else {}
        rows.append(
            [
                r.kind,
                r.label,
                str(r.path),
                a.get("finished", "–"),
                "; ".join(fp) + (" …" if len(inputs) > 4 else "") or "–",
                f"auditkit {versions.get('auditkit', '?')}" if versions else "no audit.json",
                r.content_hash[:12],
                ", ".join(str(c) for c in r.copies) or "–",
            ]
        )
    return table(
        [
            "kind",
            "run",
            "folder",
            "finished",
            "inputs (sha256 / revision)",
            "versions",
            "summary sha256",
            "same summary also in",
        ],
        rows,
    )


def _findings_section(data: ReportData) -> str:
    if not data.findings:
        return card(
            "findings",
            "Findings",
            "<p class='muted'>No findings: the runs hold no language shares, changes, "
            "rankings or correlations to report.</p>",
            collapsible=False,
        )
    items = "".join(
        f"<li data-finding='{_e(f.kind)}'>{_e(f.text)} <span class='src'>— from "
        f"{_e(', '.join(f.runs))} (<a href='#{_e(f.anchor)}'>details</a>)</span></li>"
        for f in data.findings
    )
    rule = data.options.links.loss_rule()
    return card(
        "findings",
        "Findings",
        f"<ol>{items}</ol><p class='muted'>Ranked, computed from the run summaries: losses "
        f"significant after Holm correction first, then declared skew → gap links, "
        f"disparities, rankings and correlations. Rare &amp; losing means {_e(rule)}.</p>",
        collapsible=False,
    )


def render_html(data: ReportData) -> str:
    """The whole report as one HTML string."""
    runs = data.runs
    langs = [r for r in runs if r.kind == "lang"]
    probes = [r for r in runs if r.kind == "probe-rm"]
    evals = [r for r in runs if r.kind == "eval"]
    named = [r for r in runs if r.kind == "countries"]
    o = data.options
    n_links = sum(len(v) for v in data.links.values())
    n_copies = sum(len(r.copies) for r in runs)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>{_e(o.title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{_e(o.title)}</h1><p>{len(langs)} corpus run(s), "
        f"{sum(not r.is_comparison for r in probes)} probe run(s), "
        f"{len(evals)} evaluation run(s)"
        + (f" ({n_copies} duplicate folder(s) shown once)" if n_copies else "")
        + f". Generated by auditkit {_e(__version__)}; this file loads nothing from the "
        "network.</p></header>",
        "<nav class='toc' aria-label='Contents'>",
    ]
    for anchor, name, present in (
        ("findings", "Findings", True),
        ("languages", "Languages", langs),
        ("corpus-countries", "Countries named", named),
        ("countries", "Countries", probes),
        ("evaluations", "Evaluations", evals),
        ("links", "Skew → gap links", True),
        ("audit", "Audit records", True),
    ):
        if present:
            parts.append(f"<a href='#{anchor}'>{name}</a>")
    parts.append("</nav><main>")
    parts.append(_findings_section(data))
    if langs:
        parts.append(
            card(
                "languages",
                "Corpus language mix",
                "<p class='muted'>Utterances labelled by two language-ID detectors; a label "
                "counts only where both agree.</p>"
                + "".join(_lang_section(r, i, o.top_languages) for i, r in enumerate(langs)),
            )
        )
    if named:
        parts.append(
            card(
                "corpus-countries",
                "Countries named in corpora",
                "<p class='muted'>Country names, demonyms and localised names matched in "
                "every utterance; ambiguous names are not counted.</p>"
                + "".join(_named_countries_section(r) for r in named),
            )
        )
    if probes:
        parts.append(
            card(
                "countries",
                "Country rankings of reward models and LMs",
                "".join(_probe_section(r, i) for i, r in enumerate(probes) if not r.is_comparison)
                + _heatmaps(probes),
            )
        )
    if evals:
        parts.append(
            card(
                "evaluations",
                "Evaluations along alignment chains",
                "".join(_eval_section(r, i, o.links.alpha) for i, r in enumerate(evals)),
            )
        )
    links = []
    lang_links = data.links.get("languages", [])
    if lang_links:
        links.append(
            "<p>For each evaluated language: its share of the corpus beside the change in its "
            "score across the chain step that trained on the corpus. Flagged: fewer than the "
            f"rare threshold of utterances <em>and</em> {_e(o.links.loss_rule())}.</p>"
        )
    for kind in LINK_KINDS.values():
        kind_links = data.links.get(kind.name, [])
        if kind_links:
            if kind.name == "countries":
                links.append(
                    "<p>For countries: a reward model's mean rank beside an LM's likelihood "
                    "rank.</p>"
                )
            render = LINK_RENDERERS.get(kind.name, _generic_links_section)
            links.append(render(kind_links))
    if data.link_hint:
        links.append(f"<p class='muted' id='link-hint'>{_e(data.link_hint)}</p>")
    if not n_links and not data.link_hint:
        links.append(
            "<p class='muted'>No links: a link joins a <code>lang</code> run to the chain step "
            "of a language <code>eval</code> run (TyDiQA, Belebele) that trained on it, or a "
            "reward-model <code>probe-rm</code> run to an LM-likelihood one; declare others "
            "with <code>--link SOURCE_RUN=TARGET</code>.</p>"
        )
    parts.append(card("links", "Skew → gap links", "".join(links)))
    parts.append(
        card(
            "audit",
            "Audit records",
            "<p class='muted'>Each run folder's audit.json; <code>auditkit rerun "
            "FOLDER/audit.json</code> re-runs it. A run is identified by its summary's "
            "sha256: folders holding the same summary appear once.</p>" + _audit_section(runs),
        )
    )
    parts.append("</main>")
    parts.append(
        f"<footer>auditkit {_e(__version__)} · world geometry: Natural Earth 1:110m (public domain)</footer>"
    )
    parts.append("</body></html>\n")
    return "".join(parts)
