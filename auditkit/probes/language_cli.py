"""Terminal tables of the language probe and the per-language pairwise accuracy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.console import esc as escape  # the one escape helper: markup and control sequences


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else escape(str(x))


def render_language_summary(summary: dict[str, Any], out_dir: Path, top: int = 10) -> None:
    from rich.table import Table

    from auditkit.console import console

    caption = escape(f"results: {out_dir}")
    if summary["probe"] == "template":
        return _render_template(summary, caption, top)
    if "models" in summary:
        table = summary["language_by_model"]
        t = Table(
            title=f"{table['value'].replace('_', ' ')} by language and model", caption=caption
        )
        t.add_column("language")
        for m in table["models"]:
            t.add_column(escape(m.split("/")[-1]), justify="right")
        rows = table["rows"]
        shown = rows if len(rows) <= 2 * top else rows[:top] + rows[-top:]
        for r in shown:
            t.add_row(escape(r["code"]), *(_f(r[m], 2) for m in table["models"]))
        console.print(t)
        return
    if summary["probe"] == "pairs":
        pa = summary["pairwise_accuracy"]
        t = Table(
            title=escape(
                f"{summary['model']}: accuracy on {summary['n_pairs']} preference pairs by "
                f"prompt language (chosen scored above rejected)"
            ),
            caption=caption,
        )
        for col in (
            "language",
            "n",
            "accuracy",
            "95% CI",
            "ties",
            f"gap to {pa['reference_language']}",
            "p (Holm)",
        ):
            t.add_column(escape(col), justify="left" if col == "language" else "right")
        for e in pa["by_language"]:
            t.add_row(
                escape(f"{e['code']} {e['name']}"),
                str(e["n"]),
                _f(e["accuracy"]),
                f"{e['ci_low']:.3f}–{e['ci_high']:.3f}",
                str(e["ties"]),
                _f(e.get("gap_to_reference")),
                _f(e.get("p_holm")),
            )
        console.print(t)
        return
    langs = summary["languages"]
    t = Table(
        title=escape(
            f"{summary['model']}: {summary['n_languages']} languages by mean rank over "
            f"{summary['n_rows']} item x prompt rows (rank 1 = most favourable)"
        ),
        caption=caption,
    )
    ref = summary["reference_language"]
    for col in (
        "rank",
        "language",
        "mean rank",
        "95% CI",
        f"win rate vs {ref}",
        f"gap to {ref}",
        "bytes/token",
        "flag",
    ):
        t.add_column(escape(col), justify="left" if col in ("language", "flag") else "right")
    shown = langs if len(langs) <= 2 * top else langs[:top] + [None] + langs[-top:]
    for e in shown:
        if e is None:
            t.add_row("…", f"{len(langs) - 2 * top} more", *[""] * 6)
            continue
        t.add_row(
            str(e["rank"]),
            escape(f"{e['code']} {e['name']}"),
            f"{e['mean_rank']:.1f}",
            f"{e['ci_low']:.1f}–{e['ci_high']:.1f}",
            "reference" if e["code"] == ref else _f(e["win_rate_vs_reference"], 2),
            _f(e.get("mean_gap_to_reference")),
            f"{e['tokenization']['bytes_per_token']:.2f}",
            escape(e["tokenization"]["flag"] or ""),
        )
    console.print(t)
    if summary["reference_found"]:
        console.print(
            escape(
                f"reference {ref}: rank {summary['reference_rank']} of {summary['n_languages']}; "
                f"{100 * summary['share_ranked_below_reference']:.1f}% of languages rank below "
                f"it; tokenizer flags: {len(summary['tokenization']['flagged'])} languages"
            )
        )


def _render_template(summary: dict[str, Any], caption: str, top: int) -> None:
    """A `{language}` or user-list template probe: fillers by mean rank (several models:
    the Spearman matrix of their rankings)."""
    from rich.table import Table

    from auditkit.console import console

    slot = summary["slot"]["placeholder"]
    if "models" in summary:
        rc = summary["ranking_correlations"]
        t = Table(title=escape(f"Spearman rho between {slot} rankings ({rc['n_fillers']} fillers)"))
        t.add_column("")
        for m in rc["models"]:
            t.add_column(escape(m.split("/")[-1]), justify="right")
        for a in rc["models"]:
            t.add_row(
                escape(a.split("/")[-1]), *(_f(rc["spearman"][a][b], 2) for b in rc["models"])
            )
        console.print(t)
        return
    items = summary.get("languages") or summary.get("fillers") or []
    ref = summary.get("reference_language", summary.get("reference_filler"))
    t = Table(
        title=escape(
            f"{summary['model']}: {slot} fillers by mean rank over {summary['n_questions']} "
            "questions (rank 1 = most favourable)"
        ),
        caption=caption,
    )
    for col in ("rank", "filler", "mean rank", "95% CI", f"win rate vs {ref}"):
        t.add_column(escape(col), justify="left" if col == "filler" else "right")
    shown = items if len(items) <= 2 * top else items[:top] + items[-top:]
    for e in shown:
        t.add_row(
            str(e["rank"]),
            escape(e["code"] if e["code"] == e["name"] else f"{e['code']} {e['name']}"),
            f"{e['mean_rank']:.1f}",
            f"{e['ci_low']:.1f}–{e['ci_high']:.1f}",
            "reference" if e["code"] == ref else _f(e["win_rate_vs_reference"], 2),
        )
    console.print(t)
