"""Terminal tables of a lang summary (what `auditkit lang` prints after a run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_summary(summary: dict[str, Any], out_dir: Path, top: int = 20) -> None:
    from auditkit.console import console

    console.print(_languages_table(summary, out_dir, top))
    console.print(_totals_table(summary))
    by_role = summary["by_role"]
    if len(by_role) > 1:
        console.print(_top_languages_table("Top languages per role", "role", by_role.items()))
    sources = summary["by_source"]
    if len(sources) > 1:
        biggest = sorted(sources.items(), key=lambda kv: -sum(kv[1].values()))[:top]
        console.print(_top_languages_table("Top languages per source subset", "source", biggest))


def _languages_table(summary: dict[str, Any], out_dir: Path, top: int) -> Any:
    from rich.table import Table

    from auditkit.console import esc

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
    return t


def _totals_table(summary: dict[str, Any]) -> Any:
    from rich.table import Table

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
    for row in _language_notes(summary):
        tot.add_row(*row)
    return tot


def _language_notes(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """Totals rows about languages: low-resource, fastText-only, human labels, preference."""
    from auditkit.console import esc

    low = summary["low_resource"]
    rows = [
        (
            f"languages < {summary['low_resource_threshold']} utt.",
            ", ".join(f"{esc(r['code'])} {r['count']}" for r in low[:15])
            + (" …" if len(low) > 15 else "")
            or "none",
        )
    ]
    ft_only = summary.get("fasttext_only_languages", [])
    if ft_only:
        rows.append(
            (
                "fastText-only languages (never agreed)",
                ", ".join(f"{esc(r['code'])} {r['fasttext_count']}" for r in ft_only[:10])
                + (" …" if len(ft_only) > 10 else ""),
            )
        )
    if "human_label_agreement" in summary:
        h = summary["human_label_agreement"]
        rate = "n/a" if h["rate"] is None else f"{100 * h['rate']:.1f}%"
        rows.append(("agrees with human label", f"{rate} of {h['with_agreed_label']:,}"))
    if "preference" in summary:
        p = summary["preference"]
        rows.append(
            (
                "pairs with a response in another language",
                f"{p['examples_with_other_language_response']:,} of {p['examples']:,}",
            )
        )
    return rows


def _top_languages_table(title: str, what: str, groups: Any) -> Any:
    """Per group (role, source subset): its utterances and its five top languages."""
    from rich.table import Table

    from auditkit.console import esc

    t = Table(title=title)
    t.add_column(what)
    t.add_column("utterances", justify="right")
    t.add_column("top languages")
    for key, counts in groups:
        n = sum(counts.values())
        t.add_row(
            esc(key),
            f"{n:,}",
            ", ".join(f"{esc(c)} {100 * k / n:.1f}%" for c, k in list(counts.items())[:5]),
        )
    return t
