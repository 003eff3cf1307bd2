"""Terminal tables of a lang summary (what `auditkit lang` prints after a run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_summary(summary: dict[str, Any], out_dir: Path, top: int = 20) -> None:
    from rich.table import Table

    from auditkit.console import console, esc

    t = Table(
        title=f"Languages of {esc(summary['corpus'])} (agreed by both detectors)",
        caption=f"results: {esc(out_dir)}",
    )
    t.add_column("code")
    t.add_column("language")
    t.add_column("utterances", justify="right")
    t.add_column("share of agreed", justify="right")
    langs = summary["languages"]
    for r in langs[:top]:
        t.add_row(esc(r["code"]), esc(r["name"]), f"{r['count']:,}", f"{100 * r['share']:.2f}%")
    if len(langs) > top:
        rest = langs[top:]
        t.add_row(
            "…",
            f"{len(rest)} more",
            f"{sum(r['count'] for r in rest):,}",
            f"{100 * sum(r['share'] for r in rest):.2f}%",
        )
    console.print(t)

    tot = Table(show_header=False, box=None)
    total = summary["utterances_total"]

    def pct(n: int) -> str:
        return f"{n:,} ({100 * n / total:.1f}%)" if total else "0"

    tot.add_row("utterances", f"{total:,}")
    tot.add_row("agreed", pct(summary["utterances_agreed"]))
    tot.add_row("disagreed (und)", pct(summary["utterances_disagreed"]))
    if summary["utterances_low_confidence"]:
        tot.add_row("below --min-confidence (und)", pct(summary["utterances_low_confidence"]))
    tot.add_row("empty", pct(summary["utterances_empty"]))
    if summary["config"].get("strip_code"):
        tot.add_row("code/URLs/markup stripped", pct(summary["utterances_stripped"]))
    skips = summary["skips"]["total"]
    tot.add_row("records skipped", f"{skips:,}" + (" (see summary.json skips)" if skips else ""))
    low = summary["low_resource"]
    tot.add_row(
        f"languages < {summary['low_resource_threshold']} utt.",
        ", ".join(f"{esc(r['code'])} {r['count']}" for r in low[:15])
        + (" …" if len(low) > 15 else "")
        or "none",
    )
    ft_only = summary.get("fasttext_only_languages", [])
    if ft_only:
        tot.add_row(
            "fastText-only languages (never agreed)",
            ", ".join(f"{esc(r['code'])} {r['fasttext_count']}" for r in ft_only[:10])
            + (" …" if len(ft_only) > 10 else ""),
        )
    if "human_label_agreement" in summary:
        h = summary["human_label_agreement"]
        rate = "n/a" if h["rate"] is None else f"{100 * h['rate']:.1f}%"
        tot.add_row("agrees with human label", f"{rate} of {h['with_agreed_label']:,}")
    if "preference" in summary:
        p = summary["preference"]
        tot.add_row(
            "pairs with a response in another language",
            f"{p['examples_with_other_language_response']:,} of {p['examples']:,}",
        )
    console.print(tot)

    by_role = summary["by_role"]
    if len(by_role) > 1:
        rt = Table(title="Top languages per role")
        rt.add_column("role")
        rt.add_column("utterances", justify="right")
        rt.add_column("top languages")
        for role, counts in by_role.items():
            n = sum(counts.values())
            rt.add_row(
                esc(role),
                f"{n:,}",
                ", ".join(f"{esc(c)} {100 * k / n:.1f}%" for c, k in list(counts.items())[:5]),
            )
        console.print(rt)
    sources = summary["by_source"]
    if len(sources) > 1:
        st = Table(title="Top languages per source subset")
        st.add_column("source")
        st.add_column("utterances", justify="right")
        st.add_column("top languages")
        for src, counts in sorted(sources.items(), key=lambda kv: -sum(kv[1].values()))[:top]:
            n = sum(counts.values())
            st.add_row(
                esc(src),
                f"{n:,}",
                ", ".join(f"{esc(c)} {100 * k / n:.1f}%" for c, k in list(counts.items())[:5]),
            )
        console.print(st)
