"""The sections of the skew -> gap links: languages, countries, and any registered kind."""

from __future__ import annotations

from typing import Any

from auditkit.report import charts
from auditkit.report.formatting import pct as _pct
from auditkit.report.html.blocks import (
    esc,
    figure,
    fmt,
    kpis,
    table,
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
            f"<div class='link' data-link='{esc(name)}'><h3>{esc(first['corpus'])} → "
            f"{esc(first['chain'])}:{esc(first['to_stage'])}</h3><p class='muted'>"
            f"{esc(first['from'])} → {esc(first['to'])}, {esc(trained)}; declared by "
            f"{esc(first['declared_by'])}.</p>"
        )
        out.append(_language_link_tables(items))
        out.append("</div>")
    return "".join(out)


def _language_link_tables(items: list[tuple[int, dict[str, Any]]]) -> str:
    """Per link of one declaration: its headline numbers, the scatter and the table."""
    out = []
    for i, link in items:
        corr = link["spearman"]
        rho_txt = "undefined" if corr["rho"] is None else f"{corr['rho']:+.2f}"
        out.append(f"<h3>{esc(link['task'])}: {esc(link['metric'])}</h3>")
        out.append(
            kpis(
                [
                    ("Spearman ρ (share vs change)", rho_txt),
                    ("p", fmt(corr["p"], ".2g")),
                    ("languages (data points)", str(corr["n"])),
                    (
                        f"flagged: rare (< {link['rare_below']}) and losing",
                        str(len(link["flagged"])),
                    ),
                ]
            )
        )
        out.append(_language_link_scatter(i, link, rho_txt))
        out.append(_language_link_table(link))
    return "".join(out)


def _corpus_total(rows: list[dict[str, Any]]) -> float | None:
    """The corpus's agreed utterances, recovered from a row's count and share."""
    shares = [r["share"] for r in rows if r["share"]]
    counts = [r["count"] for r in rows if r["share"]]
    return counts[0] / shares[0] if shares and counts and counts[0] else None


def _language_link_scatter(i: int, link: dict[str, Any], rho_txt: str) -> str:
    corr, rows = link["spearman"], link["rows"]
    unit = link["unit"] or "(metric units)"
    total = _corpus_total(rows)
    points = [
        {
            "x": r["share"],
            "y": r["delta_points"],
            "y_low": r["ci_low"],
            "y_high": r["ci_high"],
            "label": r["code"] or r["group"],
            "flagged": r["flagged"],
            "tip": f"{r['name']}: {r['count']:,} utterances ({_pct(r['share'], 4)}), "
            f"change {fmt(r['delta_points'], '+.1f')} {link['unit']} (n = {r['n_items']}, p_holm = {fmt(r['p_holm'], '.2g')})",
        }
        for r in rows
    ]
    marker = (
        (link["rare_below"] / total, f"rare: < {link['rare_below']} utterances") if total else None
    )
    desc = (
        f"Scatter plot of {corr['n']} languages: x = share of agreed utterances in {link['corpus']} "
        f"(log scale), y = change in {link['metric']} across {link['from_stage']}→{link['to_stage']} "
        f"of {link['chain']}, with CIs. Spearman rho = {rho_txt}. Flagged (red): "
        f"{', '.join(link['flagged']) or 'none'}."
    )
    return figure(
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


def _language_link_table(link: dict[str, Any]) -> str:
    corr, rows = link["spearman"], link["rows"]
    unit = link["unit"] or "(metric units)"
    return table(
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
                fmt(r["delta_points"], "+.1f"),
                "–"
                if r["ci_low"] is None or r["ci_high"] is None
                else f"[{r['ci_low']:+.1f}, {r['ci_high']:+.1f}]",
                r["n_items"],
                fmt(r["p_holm"], ".2g"),
                "rare & losing" if r["flagged"] else "",
            ]
            for r in rows
        ],
        {2, 3, 4, 5, 6, 7},
        [r["flagged"] for r in rows],
        caption=f"ρ rests on {corr['n']} languages; the corpus counts rest on the lang "
        f"run's agreed labels; flag: rare (< {link['rare_below']}) and {link['loss_rule']}",
    )


def _country_links_section(links: list[dict[str, Any]]) -> str:
    out = []
    for i, link in enumerate(links):
        corr = link["spearman"]
        rho_txt = "undefined" if corr["rho"] is None else f"{corr['rho']:+.2f}"
        out.append(
            f"<div class='link' data-link='{esc(link['data_link'])}'>"
            f"<h3>{esc(link['rm'])} (RM) × {esc(link['lm'])} (LM likelihood)</h3>"
            f"<p class='muted'>Declared by {esc(link['declared_by'])}.</p>"
        )
        out.append(
            kpis(
                [
                    ("Spearman ρ of mean ranks", rho_txt),
                    ("p", fmt(corr["p"], ".2g")),
                    ("countries in both (data points)", str(corr["n"])),
                    ("only in one run", f"{link['only_in_rm']} / {link['only_in_lm']}"),
                ]
            )
        )
        ranked = sorted(
            (r for r in link["rows"] if r["rank_difference"] is not None),
            key=lambda r: -abs(r["rank_difference"]),
        )
        out.append(_country_link_scatter(i, link, rho_txt, {r["country"] for r in ranked[:6]}))
        out.append(
            table(
                ["country", "RM rank", "LM rank", "LM − RM"],
                [
                    [
                        r["country"],
                        fmt(r["rm_rank"], ".0f"),
                        fmt(r["lm_rank"], ".0f"),
                        fmt(r["rank_difference"], "+.0f"),
                    ]
                    for r in ranked[:15]
                ],
                {1, 2, 3},
                caption="the 15 countries ranked most differently",
            )
        )
        out.append("</div>")
    return "".join(out)


def _country_link_scatter(i: int, link: dict[str, Any], rho_txt: str, label_set: set[str]) -> str:
    """RM mean rank against LM mean rank, the most differently ranked countries labelled."""
    corr = link["spearman"]
    points = [
        {
            "x": r["rm_mean_rank"],
            "y": r["lm_mean_rank"],
            "label": r["country"] if r["country"] in label_set else "",
            "flagged": r["country"] in label_set,
            "tip": f"{r['country']}: RM mean rank {fmt(r['rm_mean_rank'], '.1f')}, LM mean rank {fmt(r['lm_mean_rank'], '.1f')}",
        }
        for r in link["rows"]
    ]
    desc = (
        f"Scatter plot of {corr['n']} countries: x = mean rank under the reward model {link['rm']}, "
        f"y = mean rank by likelihood under {link['lm']}; Spearman rho = {rho_txt}. The six "
        "countries ranked most differently are labelled."
    )
    return figure(
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


def generic_links_section(links: list[dict[str, Any]]) -> str:
    """Links of a kind without its own renderer: each block's scalar fields and its rows."""
    out = []
    for link in links:
        out.append(
            f"<div class='link' data-link='{esc(link.get('data_link', ''))}'>"
            f"<h3>{esc(link.get('data_link', ''))}</h3>"
            f"<p class='muted'>Declared by {esc(link.get('declared_by', ''))}.</p>"
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
