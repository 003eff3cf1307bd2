"""The "mentions" link kind: a `countries` run (which countries a corpus names) joined to a
`probe-rm` run (how a reward model ranks them), declared with
``auditkit report COUNTRIES_RUN PROBE_RUN --link COUNTRIES_RUN=PROBE_RUN``.

For every country the probe ranks: its mention share in the corpus, its mentions and, for
preference data, its chosen/rejected rate ratio (with CI), beside its mean rank; Spearman's rho
between mention share and mean rank with n, p and a bootstrap CI; a map of mention share next
to the map of mean rank; and the countries both rarely mentioned (bottom quartile of mention
share, zero included) and ranked low (bottom quartile of mean rank), which the findings name.
The report reads result files only: nothing here imports the countries side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditkit.facts.countries import iso3_or_none
from auditkit.report.links import LinkKind, LinkOptions, register_link_kind
from auditkit.report.runs import Run, probe_countries, run_label
from auditkit.stats import spearman

BOOTSTRAP_SEED = 0
BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95


def join_countries_probe(
    countries_summary: dict[str, Any],
    probe_summary: dict[str, Any],
    *,
    seed: int = BOOTSTRAP_SEED,
    n_boot: int = BOOTSTRAP_RESAMPLES,
    confidence: float = CONFIDENCE,
) -> dict[str, Any]:
    """The joined table, the rank correlation and the rarely-named-and-ranked-low countries."""
    rows = _joined_rows(countries_summary, probe_summary)
    share = np.array([r["mention_share"] for r in rows], dtype=float)
    rank = np.array([r["mean_rank"] for r in rows], dtype=float)
    corr = spearman(share, rank) if rows else {"rho": float("nan"), "p": float("nan"), "n": 0}
    lo = hi = float("nan")
    if len(rows) >= 3 and not np.isnan(corr["rho"]):
        lo, hi = _bootstrap_ci(share, rank, seed, n_boot, confidence)

    def finite(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    return {
        "rows": sorted(rows, key=lambda r: (r["mean_rank"], r["country"])),
        "spearman": {
            "rho": finite(corr["rho"]),
            "p": finite(corr["p"]),
            "n": int(corr["n"]),
            "ci_low": finite(lo),
            "ci_high": finite(hi),
            "confidence": confidence,
            "bootstrap_resamples": n_boot,
            "seed": seed,
        },
        "x": "mention share in the corpus",
        "y": "mean rank under the reward model (1 = most preferred)",
        "rarely_mentioned_and_ranked_low": _rare_and_low(rows, share, rank),
    }


def _joined_rows(
    countries_summary: dict[str, Any], probe_summary: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each ranked country with its mentions and chosen/rejected ratio in the corpus."""
    mentions = {
        r["iso3"]: r
        for r in countries_summary.get("countries") or []
        if isinstance(r, dict) and r.get("iso3")
    }
    ratios = {
        r["iso3"]: r
        for r in (countries_summary.get("preference") or {}).get("chosen_vs_rejected") or []
        if isinstance(r, dict) and r.get("iso3")
    }
    rows = []
    for r in probe_countries(probe_summary):
        iso3 = r.get("iso3") or iso3_or_none(r["country"])
        if iso3 is None or r["mean_rank"] is None:
            continue
        m = mentions.get(iso3, {})
        q = ratios.get(iso3)
        rows.append(
            {
                "iso3": iso3,
                "country": r["country"],
                "mean_rank": r["mean_rank"],
                "rank": r["rank"],
                "mentions": int(m.get("mentions") or 0),
                "mention_share": float(m.get("share") or 0.0),
                "chosen_rejected_ratio": q.get("ratio") if q else None,
                "ratio_ci_low": q.get("ci_low") if q else None,
                "ratio_ci_high": q.get("ci_high") if q else None,
            }
        )
    return rows


def _bootstrap_ci(
    share: np.ndarray, rank: np.ndarray, seed: int, n_boot: int, confidence: float
) -> tuple[float, float]:
    """Percentile bootstrap CI of the Spearman rho, resampling countries."""
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(share), len(share))
        b = spearman(share[idx], rank[idx])["rho"]
        if not np.isnan(b):
            boots.append(b)
    if not boots:
        return float("nan"), float("nan")
    a = (1 - confidence) / 2
    return float(np.quantile(boots, a)), float(np.quantile(boots, 1 - a))


def _rare_and_low(rows: list[dict[str, Any]], share: np.ndarray, rank: np.ndarray) -> list[str]:
    """Countries in the bottom quarter by mention share and the top quarter by mean rank."""
    if len(rows) < 4:
        return []
    rare_cut = float(np.quantile(share, 0.25))
    low_cut = float(np.quantile(rank, 0.75))  # a larger mean rank is less preferred
    return [
        r["country"]
        for r in sorted(rows, key=lambda r: -r["mean_rank"])
        if r["mention_share"] <= rare_cut and r["mean_rank"] >= low_cut
    ]


def mention_link(src: Run, tgt: Run, _step: Any = None, _options: Any = None) -> list[dict]:
    """The link dicts of one declared countries -> probe-rm pair."""
    if tgt.kind != "probe-rm" or tgt.is_comparison:
        return []
    link = join_countries_probe(src.summary, tgt.summary)
    link["corpus"] = run_label(src)
    link["rm"] = run_label(tgt)
    link["preference"] = "preference" in src.summary
    # findings the report lists (link["findings"]): the rarely-named-and-ranked-low countries
    # first (the skew -> gap statement), then the correlation
    link["findings"] = [
        {"score": 60 if k == 0 and link["rarely_mentioned_and_ranked_low"] else 46, "text": text}
        for k, text in enumerate(link_findings_text(link))
    ]
    return [link]


MENTIONS = register_link_kind(
    LinkKind(
        name="mentions",
        source_kind="countries",
        target_kind="probe-rm",
        description="how often a corpus names each country beside a reward model's mean rank",
        build=lambda src, tgt, step, opts: mention_link(src, tgt, step, opts),
    )
)


# --- rendering (HTML; the terminal and Markdown formats print the correlation line) ----------


def _fmt(v: Any, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def correlation_text(link: dict[str, Any]) -> str:
    c = link["spearman"]
    if c["rho"] is None:
        return f"Spearman ρ undefined (n = {c['n']})"
    return (
        f"Spearman ρ(mention share, mean rank) = {c['rho']:+.2f} "
        f"({100 * c['confidence']:.0f} % bootstrap CI {_fmt(c['ci_low'], '+.2f')} to "
        f"{_fmt(c['ci_high'], '+.2f')}, p {c['p']:.2g}), n = {c['n']} countries"
    )


def render_mention_links(links: list[dict[str, Any]]) -> str:
    """The link block(s): correlation, the two maps side by side, the joined table."""
    from auditkit.report.charts import choropleth_chart
    from auditkit.report.geometry import load_world
    from auditkit.report.html import esc as e
    from auditkit.report.html import table

    world = load_world()
    out = []
    for i, link in enumerate(links):
        out.append(
            f"<div class='link' data-link='{e(str(link.get('data_link', '')))}'>"
            f"<h3>{e(str(link['corpus']))} × {e(str(link['rm']))}</h3>"
            f"<p>{e(correlation_text(link))}. Declared by "
            f"{e(str(link.get('declared_by', '')))}.</p>"
        )
        low = link["rarely_mentioned_and_ranked_low"]
        if low:
            out.append(
                "<p>Rarely named in the corpus (bottom quarter of mention share) and ranked low "
                f"(bottom quarter of mean rank): {e(', '.join(map(str, low)))}.</p>"
            )
        rows = link["rows"]
        shares = {
            r["iso3"]: (100 * r["mention_share"], f"{r['country']}: {r['mentions']} mentions")
            for r in rows
        }
        ranks = {
            r["iso3"]: (r["mean_rank"], f"{r['country']}: mean rank {r['mean_rank']:.1f}")
            for r in rows
        }
        out.append("<div class='maps'>")
        out.append(
            choropleth_chart(
                shares,
                world,
                f"mentions-share-{i}",
                str(link["corpus"]),
                value_label="mention share (%)",
                low_means="rarely named",
                high_means="often named",
            )
        )
        out.append(choropleth_chart(ranks, world, f"mentions-rank-{i}", str(link["rm"])))
        out.append("</div>")
        header = ["country", "mean rank", "mentions", "mention share"]
        if link.get("preference"):
            header += ["chosen / rejected", "CI"]
        body = []
        for r in rows:
            row = [
                r["country"],
                _fmt(r["mean_rank"], ".1f"),
                f"{r['mentions']:,}",
                f"{100 * r['mention_share']:.2f} %",
            ]
            if link.get("preference"):
                row += [
                    _fmt(r["chosen_rejected_ratio"], ".2f"),
                    f"{_fmt(r['ratio_ci_low'], '.2f')}–{_fmt(r['ratio_ci_high'], '.2f')}",
                ]
            body.append(row)
        out.append(table(header, body, set(range(1, len(header))), caption="ranked by mean rank"))
        out.append("</div>")
    return "".join(out)


def link_findings_text(link: dict[str, Any]) -> list[str]:
    """Plain-text findings of one link (escaped where shown)."""
    texts = []
    low = link["rarely_mentioned_and_ranked_low"]
    if low:
        names = ", ".join(map(str, low[:8])) + (f" and {len(low) - 8} more" if len(low) > 8 else "")
        texts.append(
            f"{link['corpus']} rarely names {names}, which {link['rm']} also ranks low "
            f"(bottom quarter of mention share and of mean rank)."
        )
    if link["spearman"]["rho"] is not None:
        texts.append(f"{link['corpus']} × {link['rm']}: {correlation_text(link)}.")
    return texts


__all__ = [
    "MENTIONS",
    "LinkOptions",
    "correlation_text",
    "join_countries_probe",
    "link_findings_text",
    "mention_link",
    "render_mention_links",
]
