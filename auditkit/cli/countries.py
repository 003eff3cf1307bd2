"""`auditkit countries SOURCE`: a thin click layer over auditkit.countries.runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from auditkit.io import default_out_dir, write_json


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
    console.print(tot)
    if pref:
        p = summary["preference"]
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
        console.print(pt)


@click.command("countries", context_settings={"show_default": True})
@click.argument("source", default="sample", required=False)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder [default: reports/countries/<source>]",
    show_default=False,
)
@click.option("--format", "fmt", default=None, help="Force a corpus format (`auditkit corpora`).")
@click.option("--split", default=None, help="Split of a hub dataset (aliases set their own).")
@click.option("--revision", default=None, help="Revision (commit/tag) of a hub dataset.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after N utterances.")
@click.option(
    "--languages",
    default="detect",
    help="Each utterance's language: 'detect' (lang's two detectors), a `lang` run folder "
    "over the same corpus, or one language code for all.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: number of CPUs]; results are identical.",
)
@click.option(
    "--shard-size",
    type=click.IntRange(min=1),
    default=10_000,
    help="Utterances per output shard (unit of resumption).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    help="local: a process pool; ray: Ray actors (pip install 'auditkit[ray]').",
)
@click.option("--ray-address", default=None, help="Join this Ray cluster.")
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 0.999),
    default=0.95,
    help="Confidence of the chosen/rejected ratio intervals.",
)
@click.option("--overwrite", is_flag=True, help="Discard earlier results in --out.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the summary JSON here ('-' for stdout).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or tables.")
def countries(
    source: str,
    out: Path | None,
    fmt: str | None,
    split: str | None,
    revision: str | None,
    limit: int | None,
    languages: str,
    workers: int | None,
    shard_size: int,
    engine: str,
    ray_address: str | None,
    confidence: float,
    overwrite: bool,
    json_path: Path | None,
    quiet: bool,
) -> None:
    """Which countries the utterances of SOURCE name, in which languages, on which side of a
    preference pair.

    SOURCE is what `auditkit lang` reads (alias, Hub id, local file or folder). Names,
    demonyms and CLDR names in the utterance's language are matched; ambiguous names
    (Georgia, Jordan, "Congo" alone...) are reported apart, never counted. Rerunning resumes.
    """
    from auditkit.countries.runner import run_countries

    out_dir = out or default_out_dir("countries", source)
    summary = run_countries(
        source,
        out_dir,
        workers=workers,
        progress=not quiet,
        overwrite=overwrite,
        engine=engine,
        ray_address=ray_address,
        ratio_confidence=confidence,
        format=fmt,
        split=split,
        revision=revision,
        limit=limit,
        languages=languages,
        shard_size=shard_size,
    )
    if json_path is not None:
        if str(json_path) == "-":
            click.echo(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False))
        else:
            write_json(json_path, summary)
    if not quiet and str(json_path) != "-":
        render_summary(summary, out_dir)
