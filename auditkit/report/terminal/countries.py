"""Terminal tables of a countries summary (what `auditkit countries` prints after a run)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def render_summary(summary: dict[str, Any], out_dir: Path, top: int = 20) -> None:
    from rich.markup import escape
    from rich.table import Table

    from auditkit.console import console

    t = Table(
        title=f"Countries named in {escape(str(summary['corpus']))}",
        caption=f"results: {escape(str(out_dir))}",
    )
    t.add_column("iso3")
    t.add_column("country")
    t.add_column("mentions", justify="right")
    t.add_column("share", justify="right")
    t.add_column("per 10k utt.", justify="right")
    pref = "preference" in summary
    if pref:
        t.add_column("chosen", justify="right")
        t.add_column("rejected", justify="right")
    for r in summary["countries"][:top]:
        row = [
            r["iso3"],
            escape(r["name"]),
            f"{r['mentions']:,}",
            f"{100 * r['share']:.1f}%",
            f"{r['per_10k_utterances']:.1f}",
        ]
        if pref:
            row += [f"{r['mentions_chosen']:,}", f"{r['mentions_rejected']:,}"]
        t.add_row(*row)
    console.print(t)
    console.print(_totals_table(summary))
    if pref:
        console.print(_preference_table(summary["preference"], top))


def _totals_table(summary: dict[str, Any]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    tot = Table(show_header=False, box=None)
    tot.add_row("utterances", f"{summary['utterances_total']:,}")
    tot.add_row("with a country", f"{summary['utterances_with_country']:,}")
    tot.add_row(
        "mentions",
        f"{summary['mentions_total']:,} ({summary['mentions_per_10k_utterances']:.1f} per 10k "
        f"utterances, {summary['countries_mentioned']} countries)",
    )
    amb = summary["ambiguous"]
    tot.add_row(
        "ambiguous (not counted)",
        f"{amb['total']:,}"
        + (
            " — " + ", ".join(escape(f"{a['form']} {a['count']}") for a in amb["forms"][:6])
            if amb["forms"]
            else ""
        ),
    )
    never = summary["study_never_mentioned"]
    tot.add_row(
        "study countries never named",
        f"{len(never)} of 181"
        + (": " + ", ".join(escape(c["name"]) for c in never[:12]) if never else "")
        + (" …" if len(never) > 12 else ""),
    )
    tot.add_row("records skipped", f"{summary['skips']['total']:,}")
    return tot


def _preference_table(p: dict[str, Any], top: int) -> Any:
    from rich.markup import escape
    from rich.table import Table

    pt = Table(
        title=f"Chosen vs rejected ({p['pairs']:,} pairs): mentions per response, rate ratio",
        caption=escape(p["test"]),
    )
    for col in ("iso3", "chosen", "rejected", "ratio", "CI", "p (Holm)"):
        pt.add_column(col, justify="right" if col != "iso3" else "left")

    def fmt(x: float | None) -> str:
        return "∞" if x is None else f"{x:.2f}"

    for r in p["chosen_vs_rejected"][:top]:
        pt.add_row(
            r["iso3"],
            str(r["mentions_chosen"]),
            str(r["mentions_rejected"]),
            fmt(r["ratio"]),
            f"{fmt(r['ci_low'])}–{fmt(r['ci_high'])}",
            f"{r['p_holm']:.3g}",
        )
    return pt
