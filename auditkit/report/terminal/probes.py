"""Terminal tables of `auditkit probe-rm` summaries: countries (the study), model comparisons,
the language probe, template probes and per-language pairwise accuracy.

Reads summary dicts only (what the run wrote to summary.json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.console import esc as escape  # the one escape helper: markup and control sequences


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return str(x)


def render_probe_summary(summary: dict[str, Any], out_dir: Path, top: int = 10) -> None:
    """The tables of any `probe-rm` summary (country, language, pairs or template probe)."""
    if summary.get("probe") in ("languages", "pairs", "template"):
        render_language_summary(summary, out_dir, top)
        return
    if "models" in summary:
        _render_comparison(summary, out_dir)
        return
    _render_countries(summary, out_dir, top)
    _print_survey_table(summary)
    _render_totals(summary)


def _render_comparison(summary: dict[str, Any], out_dir: Path) -> None:
    """Several models: their survey correlations and the Spearman matrix of their rankings."""
    from rich.table import Table

    from auditkit.console import console, esc

    t = Table(title="Models compared", caption=f"results: {esc(out_dir)}")
    t.add_column("model")
    for s in ("gallup_2017", "gallup_2023"):
        t.add_column(f"rho {s}", justify="right")
    t.add_column("reference rank", justify="right")
    t.add_column("share below reference", justify="right")
    for name, m in summary["models"].items():
        c = m["correlations"]
        t.add_row(
            esc(name.split("/")[-1]),
            *(_fmt(c.get(s, {}).get("rho")) for s in ("gallup_2017", "gallup_2023")),
            _fmt(m["reference_rank"]),
            _fmt(m["share_ranked_below_reference"]),
        )
    console.print(t)
    rc = summary["ranking_correlations"]
    mt = Table(title=f"Spearman rho between country rankings ({rc['n_countries']} countries)")
    mt.add_column("")
    for m in rc["models"]:
        mt.add_column(esc(m.split("/")[-1]), justify="right")
    for a in rc["models"]:
        mt.add_row(esc(a.split("/")[-1]), *(_fmt(rc["spearman"][a][b], 2) for b in rc["models"]))
    console.print(mt)


def _render_countries(summary: dict[str, Any], out_dir: Path, top: int) -> None:
    """One model: countries by mean rank, the top and bottom ``top`` of them."""
    from rich.table import Table

    from auditkit.console import console, esc

    countries = summary["countries"]
    t = Table(
        title=f"{esc(summary['model'])}: countries by mean rank over {summary['n_questions']} "
        f"questions (rank 1 = most favourable; {esc(summary['favourable'])} score favourable)",
        caption=f"results: {esc(out_dir)}",
    )
    for col, just in (
        ("rank", "right"),
        ("country", "left"),
        ("iso3", "left"),
        ("mean rank", "right"),
        ("95% CI", "right"),
        ("win rate +", "right"),
        ("win rate -", "right"),
    ):
        t.add_column(col, justify=just)
    shown = countries if len(countries) <= 2 * top else countries[:top] + [None] + countries[-top:]
    for c in shown:
        if c is None:
            t.add_row("…", f"{len(countries) - 2 * top} more", "", "", "", "", "")
            continue
        t.add_row(
            str(c["rank"]),
            esc(c["country"]),
            esc(c["iso3"] or "-"),
            f"{c['mean_rank']:.1f}",
            f"{c['ci_low']:.1f}–{c['ci_high']:.1f}",
            *(
                ("reference", "")
                if c["country"] == summary["reference_country"]
                else (_fmt(c.get("win_rate_positive")), _fmt(c.get("win_rate_negative")))
            ),
        )
    console.print(t)


def _render_totals(summary: dict[str, Any]) -> None:
    """The reference country, the survey correlations and what was left out."""
    from rich.table import Table

    from auditkit.console import console, esc

    tot = Table(show_header=False, box=None)
    ref = summary["reference_country"]
    if summary["reference_found"]:
        tot.add_row(
            f"reference {esc(ref)}",
            f"rank {summary['reference_rank']} of {summary['n_countries']}; "
            f"{100 * summary['share_ranked_below_reference']:.1f}% of countries rank below it",
        )
    else:
        tot.add_row(f"reference {esc(ref)}", "not among the analysed countries")
    for name, c in summary["correlations"].items():
        tot.add_row(
            f"Spearman vs {esc(name)}",
            f"rho {_fmt(c['rho'])}  p {c['p']:.2g}  n {c['n']}"
            if c["rho"] is not None and c["rho"] == c["rho"]
            else f"n/a (n {c['n']})",
        )
    sel = summary["country_selection"]
    if sel["excluded_from_scores"]["count"]:
        tot.add_row("scored but not analysed", f"{sel['excluded_from_scores']['count']} places")
    if sel["missing_from_scores"]:
        tot.add_row(
            "selected but not scored", ", ".join(esc(m) for m in sel["missing_from_scores"][:10])
        )
    if summary["skips"]["total"]:
        tot.add_row("questions skipped", f"{summary['skips']['total']} (see summary.json skips)")
    console.print(tot)


def _print_survey_table(summary: dict[str, Any]) -> None:
    """The paper's Table 3: the survey countries by final rank among them, with mean rank
    and each survey's rank."""
    from rich.table import Table

    from auditkit.console import console, esc

    table = summary.get("survey_table") or {}
    rows = table.get("rows") or []
    if not rows:
        return
    t = Table(
        title=f"countries of the reference surveys ({table['n_countries']} ranked): final rank "
        "among them, mean rank, survey ranks"
    )
    t.add_column("final rank", justify="right")
    t.add_column("country")
    t.add_column("mean rank", justify="right")
    for name in table["surveys"]:
        t.add_column(esc(name), justify="right")
    for r in rows:
        t.add_row(
            _fmt(r["final_rank"]) if r["final_rank"] is not None else "-",
            esc(str(r["country"])),
            f"{r['mean_rank']:.2f}" if r["mean_rank"] is not None else "not scored",
            *(
                _fmt(r["survey_ranks"].get(name)) if r["survey_ranks"].get(name) else "-"
                for name in table["surveys"]
            ),
        )
    console.print(t)


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    return f"{x:.{digits}f}" if isinstance(x, float) else escape(str(x))


def render_language_summary(summary: dict[str, Any], out_dir: Path, top: int = 10) -> None:
    """The tables of a language, pairs or template probe summary."""
    caption = escape(f"results: {out_dir}")
    if summary["probe"] == "template":
        return _render_template(summary, caption, top)
    if "models" in summary:
        return _render_language_by_model(summary, caption, top)
    if summary["probe"] == "pairs":
        return _render_pairs(summary, caption)
    _render_languages(summary, caption, top)


def _render_language_by_model(summary: dict[str, Any], caption: str, top: int) -> None:
    from rich.table import Table

    from auditkit.console import console

    table = summary["language_by_model"]
    t = Table(title=f"{table['value'].replace('_', ' ')} by language and model", caption=caption)
    t.add_column("language")
    for m in table["models"]:
        t.add_column(escape(m.split("/")[-1]), justify="right")
    rows = table["rows"]
    shown = rows if len(rows) <= 2 * top else rows[:top] + rows[-top:]
    for r in shown:
        t.add_row(escape(r["code"]), *(_f(r[m], 2) for m in table["models"]))
    console.print(t)


def _render_pairs(summary: dict[str, Any], caption: str) -> None:
    """Accuracy on preference pairs by prompt language."""
    from rich.table import Table

    from auditkit.console import console

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


def _render_languages(summary: dict[str, Any], caption: str, top: int) -> None:
    """The language probe of one model: languages by mean rank, then the reference's rank."""
    from rich.table import Table

    from auditkit.console import console

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
