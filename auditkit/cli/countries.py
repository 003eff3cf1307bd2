"""`auditkit countries SOURCE`: a thin click layer over auditkit.countries.mentions_run (tables:
auditkit.report.terminal.countries)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from auditkit.cli.options import corpus_pass_options, corpus_source_options, output_options
from auditkit.countries.config import CountriesConfig
from auditkit.io import default_out_dir, write_json


@click.command("countries", context_settings={"show_default": True})
@corpus_source_options("countries", limit_help="Stop after N utterances.")
@click.option(
    "--languages",
    default="detect",
    help="Each utterance's language: 'detect' (lang's two detectors), a `lang` run folder "
    "over the same corpus, or one language code for all.",
)
@corpus_pass_options(
    workers_help="Worker processes [default: number of CPUs]; results are identical.",
    engine_help="local: a process pool; ray: Ray actors (pip install 'auditkit[ray]').",
    ray_address_help="Join this Ray cluster.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0.5, 0.999),
    default=0.95,
    help="Confidence of the chosen/rejected ratio intervals.",
)
@output_options(
    json_help="Also write the summary JSON here ('-' for stdout).",
    quiet_help="No progress bar or tables.",
)
def countries(
    source: str,
    out: Path | None,
    fmt: str | None,
    workers: int | None,
    engine: str,
    ray_address: str | None,
    confidence: float,
    overwrite: bool,
    json_path: Path | None,
    quiet: bool,
    **fields: Any,
) -> None:
    """Which countries the utterances of SOURCE name, in which languages, on which side of a
    preference pair.

    SOURCE is what `auditkit lang` reads (alias, Hub id, local file or folder). Names,
    demonyms and CLDR names in the utterance's language are matched; ambiguous names
    (Georgia, Jordan, "Congo" alone...) are reported apart, never counted. Rerunning resumes.
    """
    import auditkit.langid  # noqa: F401  (registers lang's 'detect' language labeller)
    from auditkit.countries.mentions_run import run_countries
    from auditkit.report.terminal.countries import render_summary

    out_dir = out or default_out_dir("countries", source)
    # every other option is a CountriesConfig field of the same name
    config = CountriesConfig(source=source, format=fmt, ratio_confidence=confidence, **fields)
    summary = run_countries(
        config,
        out_dir,
        workers=workers,
        progress=not quiet,
        overwrite=overwrite,
        engine=engine,
        ray_address=ray_address,
    )
    if json_path is not None:
        if str(json_path) == "-":
            click.echo(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False))
        else:
            write_json(json_path, summary)
    if not quiet and str(json_path) != "-":
        render_summary(summary, out_dir)
