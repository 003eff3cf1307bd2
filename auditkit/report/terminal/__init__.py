"""The terminal report: findings first, then a rich summary of each run folder and of the
declared skew -> gap links.

Text from run folders goes through :func:`escape` (auditkit.console.esc, the one escape helper
of every command: rich markup escaped, control and escape sequences neutralised) before rich
renders it; numbers are read as numbers first.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from auditkit.console import esc as escape
from auditkit.report.formatting import pct as _pct
from auditkit.report.model import ReportData
from auditkit.report.runs import (
    KINDS,
    Run,
    eval_chains,
    eval_scale,
    eval_steps,
    lang_languages,
    lang_threshold,
    lang_totals,
    num,
    probe_correlations,
    probe_countries,
    probe_matrix,
    probe_scorer,
    significance_mark,
)


def _lang(run: Run, console: Console, top: int) -> None:
    s = run.summary
    langs = lang_languages(s)
    tot = lang_totals(s)
    thr = lang_threshold(s)
    t = Table(
        title=escape(f"[lang] {run.label}: language mix (agreed by both detectors)"),
        caption=escape(str(run.path)),
    )
    t.add_column("code")
    t.add_column("language")
    t.add_column("utterances", justify="right")
    t.add_column("share", justify="right")
    for r in langs[:top]:
        style = "dark_orange" if r["count"] < thr else ""
        t.add_row(
            escape(r["code"]),
            escape(r["name"]),
            f"{r['count']:,}",
            _pct(r["share"], 2),
            style=style,
        )
    if len(langs) > top:
        rest = langs[top:]
        t.add_row(
            "…",
            f"{len(rest)} more",
            f"{sum(r['count'] for r in rest):,}",
            _pct(sum(r["share"] for r in rest), 2),
        )
    console.print(t)
    total = tot["total"] or 0
    low = [r for r in langs if r["count"] < thr]
    console.print(
        f"  utterances {total:,} · agreed {tot['agreed'] or 0:,} · disagreed "
        f"{tot['disagreed'] or 0:,} · empty {tot['empty'] or 0:,} · non-English "
        f"{_pct(num(s.get('non_english_share')))} · {len(low)} languages < {thr} utterances",
        highlight=False,
    )


def _probe(run: Run, console: Console, k: int = 10) -> None:
    s = run.summary
    rows = probe_countries(s)
    kind = {"rm": "reward model", "lm": "LM likelihood"}.get(probe_scorer(s), "probe")
    t = Table(
        title=escape(f"[probe-rm] {run.label} ({kind}): top and bottom countries"),
        caption=escape(str(run.path)),
    )
    for col in ("rank", "country", "mean rank", "", "rank ", "country ", "mean rank "):
        t.add_column(col, justify="right" if "rank" in col else "left")
    k = min(k, len(rows) // 2 or 1)
    for a, b in zip(rows[:k], rows[-k:]):
        t.add_row(
            f"{a['rank']:.0f}" if a["rank"] is not None else "–",
            escape(a["country"]),
            f"{a['mean_rank']:.1f}" if a["mean_rank"] is not None else "–",
            "│",
            f"{b['rank']:.0f}" if b["rank"] is not None else "–",
            escape(b["country"]),
            f"{b['mean_rank']:.1f}" if b["mean_rank"] is not None else "–",
        )
    console.print(t)
    corr = probe_correlations(s)
    if corr:
        console.print(
            "  Spearman with reference surveys: "
            + "; ".join(
                f"{escape(n)} ρ={c['rho']:.3f} (p={c['p']:.2g}, n={c['n']:.0f})"
                if c["rho"] is not None and c["p"] is not None and c["n"] is not None
                else f"{escape(n)} ρ={'–' if c['rho'] is None else format(c['rho'], '.3f')}"
                for n, c in corr.items()
            ),
            highlight=False,
        )
    below = num(s.get("share_ranked_below_reference"))
    if s.get("reference_country") and below is not None:
        console.print(
            f"  {_pct(below)} of countries ranked below {escape(s['reference_country'])}",
            highlight=False,
        )


def _matrix(run: Run, console: Console) -> None:
    m = probe_matrix(run.summary)
    if not m:
        return
    labels, rho = m
    short = [lab.split("/")[-1] for lab in labels]
    t = Table(
        title=escape(f"[probe-rm] Spearman between the models' country rankings ({run.path})")
    )
    t.add_column("")
    for lab in short:
        t.add_column(escape(lab), justify="right")
    for lab, row in zip(short, rho):
        t.add_row(escape(lab), *("–" if v is None else f"{v:.2f}" for v in row))
    console.print(t)


def _eval(run: Run, console: Console, alpha: float) -> None:
    s = run.summary
    scale = eval_scale(s)
    unit = " (points)" if scale == 100 else ""
    for chain in eval_chains(s):
        steps = [
            x
            for x in eval_steps(s)
            if str(x.get("chain")) == chain.get("name") and num(x.get("delta")) is not None
        ]
        if not steps:
            continue
        t = Table(
            title=escape(
                f"[eval] {run.label}: {s.get('metric')}{unit} changes along {chain.get('name')}"
            ),
            caption=f"* p<{alpha:g}, ** p<0.01, *** p<0.001 (Holm-corrected across groups)",
        )
        t.add_column("step")
        groups: list[str] = []
        for x in steps:
            if str(x.get("group")) not in groups:
                groups.append(str(x.get("group")))
        for g in groups:
            t.add_column(escape(g), justify="right")
        order: list[str] = []
        for x in steps:
            key = f"{x.get('from_stage')}→{x.get('to_stage')}"
            if key not in order:
                order.append(key)
        for key in order:
            cells = []
            for g in groups:
                x = next(
                    (
                        y
                        for y in steps
                        if str(y.get("group")) == g
                        and f"{y.get('from_stage')}→{y.get('to_stage')}" == key
                    ),
                    None,
                )
                if x is None:
                    cells.append("")
                    continue
                p = num(x.get("p_holm", x.get("p")))
                d = scale * (num(x.get("delta")) or 0.0)
                mark = significance_mark(p, alpha)
                colour = "red" if d < 0 and mark else "green" if mark else ""
                txt = f"{d:+.1f}{mark}" if scale == 100 else f"{d:+.3f}{mark}"
                cells.append(f"[{colour}]{txt}[/]" if colour else txt)
            t.add_row(escape(key), *cells)
        console.print(t)
    _eval_reference_gaps(run, console, alpha)


def _eval_reference_gaps(run: Run, console: Console, alpha: float) -> None:
    """Opinion tasks: the reference group minus each group (the paper's Figure 5: USA minus
    country), before -> after each chain step, x100, paired per question."""
    s = run.summary
    gap_steps = s.get("reference_gap_steps")
    rows = [
        r
        for r in (gap_steps if isinstance(gap_steps, list) else [])
        if isinstance(r, dict)
        and num(r.get("delta")) is not None
        and num(r.get("from_value")) is not None
        and num(r.get("to_value")) is not None
    ]
    if not rows:
        return
    t = Table(
        title=escape(
            f"[eval] {run.label}: {s.get('reference_group')} minus each "
            f"{s.get('group_label', 'group')} (x100), before → after each step"
        ),
        caption="* p<0.05, ** p<0.01, *** p<0.001 (paired per question, Holm across groups)",
    )
    t.add_column("chain / step", no_wrap=True)
    groups: list[str] = []
    for r in rows:
        if str(r.get("group")) not in groups:
            groups.append(str(r.get("group")))
    for g in groups:
        t.add_column(escape(str(g)), justify="right")
    keys: list[tuple[str, str]] = []
    for r in rows:
        k = (str(r.get("chain")), f"{r.get('from_stage')}→{r.get('to_stage')}")
        if k not in keys:
            keys.append(k)
    for chain, step in keys:
        cells = []
        for g in groups:
            r = next(
                (
                    x
                    for x in rows
                    if str(x.get("group")) == g
                    and (str(x.get("chain")), f"{x.get('from_stage')}→{x.get('to_stage')}")
                    == (chain, step)
                ),
                None,
            )
            if r is None:
                cells.append("")
                continue
            mark = significance_mark(num(r.get("p_holm", r.get("p"))), alpha)
            before, after = 100 * num(r["from_value"]), 100 * num(r["to_value"])
            cells.append(f"{before:+.1f} → {after:+.1f}{escape(mark)}")
        t.add_row(escape(f"{chain} {step}"), *cells)
    console.print(t)


def _links(data: ReportData, console: Console) -> None:
    for link in data.links.get("languages", []):
        c = link["spearman"]
        t = Table(
            title=escape(
                f"skew → gap [{link['data_link']}]: {link['corpus']} × {link['task']} "
                f"({link['chain']} {link['from_stage']}→{link['to_stage']})"
            ),
            caption=escape(
                "Spearman ρ(share, change) = "
                + ("undefined" if c["rho"] is None else f"{c['rho']:+.2f} (p={c['p']:.2g})")
                + f", n = {c['n']} languages; flagged = rare (< {link['rare_below']}) and "
                f"{link['loss_rule']}; declared by {link['declared_by']}"
            ),
        )
        for col in ("language", "utterances", "share", "Δ", "p (Holm)", "flag"):
            t.add_column(col, justify="left" if col in ("language", "flag") else "right")
        for r in link["rows"]:
            t.add_row(
                escape(f"{r['name']} ({r['code']})"),
                f"{r['count']:,}",
                _pct(r["share"], 3),
                "–" if r["delta_points"] is None else f"{r['delta_points']:+.1f}",
                "–" if r["p_holm"] is None else f"{r['p_holm']:.2g}",
                "[bold red]rare & losing[/]" if r["flagged"] else "",
            )
        console.print(t)
    for link in data.links.get("countries", []):
        c = link["spearman"]
        rho = "undefined" if c["rho"] is None else f"{c['rho']:+.2f} (p={c['p']:.2g})"
        console.print(
            f"[bold]countries:[/] {escape(link['rm'])} mean rank vs {escape(link['lm'])} "
            f"likelihood rank: Spearman ρ = {rho}, n = {c['n']} countries",
            highlight=False,
        )
    for link in data.links.get("mentions", []):
        from auditkit.report.countries_link import correlation_text

        console.print(
            f"[bold]mentions:[/] {escape(link['corpus'])} × {escape(link['rm'])}: "
            f"{escape(correlation_text(link))}",
            highlight=False,
        )
        low = link["rarely_mentioned_and_ranked_low"]
        if low:
            console.print(
                "  rarely named and ranked low: " + escape(", ".join(map(str, low))),
                highlight=False,
            )
    for name, links in data.links.items():
        if name in ("languages", "countries", "mentions"):
            continue
        for link in links:
            console.print(
                f"[bold]{escape(name)}:[/] {escape(link.get('data_link', ''))} "
                f"(declared by {escape(link.get('declared_by', ''))})",
                highlight=False,
            )
    if data.link_hint:
        console.print(f"[dim]{escape(data.link_hint)}[/]", highlight=False)


def print_findings(data: ReportData, console: Console) -> None:
    """The ranked findings, numbered, each with the run(s) it comes from."""
    console.print("[bold]Findings[/]")
    if not data.findings:
        console.print("  (none: no shares, changes, rankings or correlations to report)")
    for i, f in enumerate(data.findings, 1):
        console.print(
            f"  {i}. {escape(f.text)} [dim]— from {escape(', '.join(f.runs))}[/]",
            highlight=False,
        )
    console.print(
        f"  [dim]rare & losing = {escape(data.options.links.loss_rule())}[/]", highlight=False
    )
    console.print()


def print_report(data: ReportData, console: Console | None = None) -> None:
    if console is None:
        from auditkit.console import console as default_console

        console = default_console
    print_findings(data, console)
    for run in sorted(data.runs, key=lambda r: KINDS.index(r.kind)):
        if run.kind == "lang":
            _lang(run, console, min(15, data.options.top_languages))
        elif run.kind == "probe-rm" and not run.is_comparison:
            _probe(run, console)
        elif run.kind == "probe-rm":
            _matrix(run, console)
        elif run.kind == "eval":
            _eval(run, console, data.options.links.alpha)
        elif run.kind == "countries":
            _countries(run, console)
    _links(data, console)


def _countries(run: Run, console: Console, top: int = 10) -> None:
    """A countries run: the most named countries and the study countries never named."""
    s = run.summary
    rows = [r for r in s.get("countries") or [] if isinstance(r, dict)]
    t = Table(
        title=escape(f"countries named in {run.label} ({s.get('mentions_total', 0):,} mentions)")
    )
    for col in ("country", "mentions", "share", "chosen", "rejected"):
        t.add_column(col, justify="left" if col == "country" else "right")
    for r in rows[:top]:
        t.add_row(
            escape(r.get("name")),
            f"{int(num(r.get('mentions')) or 0):,}",
            _pct(num(r.get("share"))),
            str(r.get("mentions_chosen", "–")),
            str(r.get("mentions_rejected", "–")),
        )
    console.print(t)
    never = s.get("study_never_mentioned") or []
    console.print(f"  study countries never named: {len(never)} of 181", highlight=False)
