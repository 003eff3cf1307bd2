"""One card section per kind of run: corpus language mix, country rankings, evaluations, countries named."""

from __future__ import annotations

from typing import Any

from auditkit.report import charts
from auditkit.report.formatting import pct as _pct
from auditkit.report.geometry import load_world, resolve_iso3
from auditkit.report.html.blocks import (
    esc,
    figure,
    fmt,
    kpis,
    table,
)
from auditkit.report.links import correlation_matrix, country_ranking
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


def lang_section(run: Run, idx: int, top: int) -> str:
    s = run.summary
    langs = lang_languages(s)
    tot = lang_totals(s)
    thr = lang_threshold(s)
    total = tot["total"] or 0
    agreed = tot["agreed"]
    non_en = _num(s.get("non_english_share"))
    low = [r for r in langs if r["count"] < thr]
    out = [f"<h3 id='lang-{idx}'>Corpus: {esc(run.label)}</h3>"]
    out.append(
        kpis(
            [
                ("utterances", fmt(total)),
                (
                    "agreed by both detectors",
                    f"{fmt(agreed)} ({_pct(agreed / total if total and agreed is not None else None, 1)})",
                ),
                ("disagreed (und)", fmt(tot["disagreed"])),
                ("languages", fmt(len(langs))),
                ("non-English share", _pct(non_en, 1) if non_en is not None else "–"),
                (f"languages < {thr} utterances", fmt(len(low))),
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
            + ", ".join(f"{esc(r['name'])} ({esc(r['code'])}) {r['count']}" for r in low[:60])
            + (" …" if len(low) > 60 else "")
            + "</p>"
        )
    detectors = s.get("detectors")
    if isinstance(detectors, dict):
        out.append(
            "<p class='muted'>Detectors: "
            + "; ".join(
                f"{esc(k)} {esc((v or {}).get('version', '')) if isinstance(v, dict) else esc(v)}"
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


def probe_section(run: Run, idx: int) -> str:
    s = run.summary
    rows = probe_countries(s)
    scorer = {"rm": " (reward model)", "lm": " (LM likelihood)"}.get(probe_scorer(s), "")
    out = [f"<h3 id='probe-{idx}'>Model: {esc(run.label)}{scorer}</h3>"]
    corr = probe_correlations(s)
    items = [("countries ranked", fmt(len(rows)))]
    ref = s.get("reference_country")
    below = s.get("share_ranked_below_reference")
    if ref:
        items.append((f"share ranked below {ref}", _pct(below, 1)))
    for name, c in corr.items():
        items.append((f"Spearman vs {name} (n={fmt(c['n'], '.0f')})", fmt(c["rho"], ".3f")))
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
        out.append(f"<p class='muted'>No ISO code for: {esc(', '.join(unmapped))}.</p>")
    if rows:
        k = min(10, len(rows) // 2 or 1)
        head = [
            [
                int(r["rank"]) if r["rank"] is not None else "–",
                r["country"],
                fmt(r["mean_rank"], ".1f"),
            ]
            for r in rows[:k]
        ]
        tail = [
            [
                int(r["rank"]) if r["rank"] is not None else "–",
                r["country"],
                fmt(r["mean_rank"], ".1f"),
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
                    [n, fmt(c["rho"], ".3f"), fmt(c["p"], ".2g"), fmt(c["n"], ".0f")]
                    for n, c in corr.items()
                ],
                {1, 2, 3},
                caption="rank correlation of the model's country ranking with reference surveys",
            )
        )
    return "".join(out)


def probe_heatmaps(probes: list[Run]) -> str:
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


def eval_section(run: Run, idx: int, alpha: float) -> str:
    s = run.summary
    scale = eval_scale(s)
    groups = eval_groups(s)
    models = eval_models(s)
    steps = eval_steps(s)
    metric = str(s.get("metric", "metric"))
    unit = " points" if scale == 100.0 else ""
    out = [f"<h3 id='eval-{idx}'>Task: {esc(run.label)} — {esc(metric)}</h3>"]
    if s.get("metric_description"):
        out.append(f"<p class='muted'>{esc(s['metric_description'])}</p>")
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
                        fmt(scale * _num(d["range"]), ".1f" if scale == 100 else ".3f"),
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
    head1 = "".join(f"<th colspan='2' class='center'>{esc(k)}</th>" for k in step_keys)
    head2 = "".join(
        f"<th class='num'>Δ{' points' if scale == 100 else ''}</th><th class='num'>95% CI</th>"
        for _ in step_keys
    )
    body = []
    for g in groups:
        n = next((cell[(g, k)].get("n") for k in step_keys if (g, k) in cell), None)
        tds = [f"<td>{esc(g)}</td><td class='num'>{fmt(n)}</td>"]
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
            tip = f"p = {fmt(st.get('p'), '.2g')}, Holm-corrected p = {fmt(p, '.2g')}"
            tds.append(
                f"<td class='{cls}' title='{esc(tip)}'>{d:+.{digits}f}{mark}</td>"
                f"<td class='num muted'>{esc(ci)}</td>"
            )
        body.append("<tr>" + "".join(tds) + "</tr>")
    label = esc(s.get("group_label", "group"))
    return (
        f"<div class='scroll'><table><caption class='muted'>changes along {esc(chain)}: * p &lt; {alpha:g}, ** p &lt; 0.01, "
        "*** p &lt; 0.001 (paired test, Holm-corrected across groups); red: significant loss, "
        "green: significant gain</caption>"
        f"<thead><tr><th rowspan='2'>{label}</th><th rowspan='2' class='num'>n</th>{head1}</tr>"
        f"<tr>{head2}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def named_countries_section(run: Run, top: int = 15) -> str:
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
        f"<h3>{esc(run.label)}</h3><p>{mentions:,} mentions of "
        f"{len(rows)} countries in {utterances:,} utterances; "
        f"{len(never)} of the study's 181 countries are never named.</p>"
        + table(
            ["country", "iso3", "mentions", "share", "chosen", "rejected"],
            body,
            {2, 3, 4, 5},
            caption=f"the {min(top, len(rows))} most named",
        )
    )
