"""`auditkit lang SOURCE`: a thin click layer over auditkit.langid.lang_run.run_lang (tables:
auditkit.report.terminal.lang)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from auditkit.cli.options import (
    corpus_field_options,
    corpus_pass_options,
    corpus_source_options,
    emit_json,
    examples,
    output_options,
    quiet_mode,
)
from auditkit.io import default_out_dir
from auditkit.langid.config import LANGDETECT_IMPLS, LangConfig


@click.command(
    "lang",
    context_settings={"show_default": True},
    epilog=examples(
        "auditkit lang",
        "auditkit lang data/my_sft.jsonl --strip-code",
        "auditkit lang hh-rlhf --limit 5000 --json -",
        "auditkit lang my_folder/ --keep-text --out reports/lang/mine",
    ),
)
@corpus_source_options("lang", limit_help="Stop after N utterances (a quick look).")
@click.option(
    "--strip-code",
    is_flag=True,
    help="Remove fenced/inline code, URLs and markup before detection (counted).",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Both detectors' probabilities must reach this for an agreed label.",
)
@click.option(
    "--low-resource",
    "low_resource_threshold",
    type=int,
    default=100,
    help="List languages with fewer agreed utterances than this.",
)
@click.option(
    "--fasttext-model",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="fastText model file (lid.176.bin, GlotLID, OpenLID) [default: bundled lid.176.ftz]",
)
@click.option(
    "--langdetect-impl",
    type=click.Choice(LANGDETECT_IMPLS),
    default="auto",
    help="langdetect implementation; both give identical labels.",
)
@corpus_pass_options(
    workers_help="Detector processes [default: number of CPUs]; results are identical.",
    engine_help="local: a process pool; ray: Ray Data actors (pip install 'auditkit[ray]').",
    ray_address_help="Join this Ray cluster (e.g. ray://head:10001) [default: start a local one]",
)
@click.option(
    "--keep-text",
    is_flag=True,
    help="Keep the prepared text (what the detectors saw) in the utterance table, so "
    "disagreements can be inspected.",
)
@corpus_field_options
@output_options(
    json_help="Also write the summary JSON here ('-': stdout, and nothing else).",
    quiet_help="No progress bar, tables or library chatter.",
)
def lang(
    source: str,
    out: Path | None,
    fmt: str | None,
    workers: int | None,
    engine: str,
    ray_address: str | None,
    overwrite: bool,
    json_path: Path | None,
    quiet: bool,
    **fields: Any,
) -> None:
    """Language-ID every utterance of SOURCE with fastText and langdetect.

    SOURCE is a corpus alias (`auditkit corpora` lists them; default: the embedded sample),
    a Hugging Face dataset id, or a local .jsonl/.json/.parquet/.csv/.txt file or folder.
    A label is kept where both detectors agree after normalising their codes; otherwise the
    utterance counts as undetermined ('und'). Rerunning the same command resumes.
    """
    from auditkit.langid.lang_run import run_lang
    from auditkit.report.terminal.lang import render_summary

    silent = quiet_mode(quiet, json_path)
    out_dir = out or default_out_dir("lang", source)
    # every other option is a LangConfig field of the same name
    config = LangConfig(source=source, format=fmt, **fields)
    summary = run_lang(
        config,
        out_dir,
        workers=workers,
        progress=not silent,
        overwrite=overwrite,
        engine=engine,
        ray_address=ray_address,
    )
    emit_json(summary, json_path)
    if not quiet:
        _say_resumed(out_dir, summary)
    if not silent:
        render_summary(summary, out_dir)


def _say_resumed(out_dir: Path, summary: dict[str, Any]) -> None:
    """'resumed N of M utterances' on stderr when the run continued an earlier one."""
    from auditkit.audit import AUDIT_FILE
    from auditkit.console import err_console
    from auditkit.io import read_json

    try:
        resumed = int(read_json(out_dir / AUDIT_FILE).get("resumed_utterances") or 0)
    except (OSError, ValueError, TypeError):
        return
    if resumed:
        err_console.print(
            f"resumed {resumed:,} of {summary['utterances_total']:,} utterances from the "
            f"shards already in {out_dir}",
            highlight=False,
        )
