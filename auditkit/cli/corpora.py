"""`auditkit corpora`: list the corpus aliases and formats auditkit knows."""

from __future__ import annotations

import json

import click

from auditkit.cli.options import examples
from auditkit.corpora.aliases import ALIASES
from auditkit.corpora.formats import FORMATS


def catalogue() -> dict:
    """Aliases and formats as plain data (what `auditkit corpora --json` prints)."""
    return {
        "aliases": [a.as_dict() for _, a in ALIASES.items()],
        "formats": [
            {
                "name": f.name,
                "description": f.description,
                "schema": f.schema,
                "required": [list(g) for g in f.required],
            }
            for _, f in FORMATS.items()
        ],
    }


@click.command(
    "corpora",
    context_settings={"show_default": True},
    epilog=examples("auditkit corpora", "auditkit corpora --json"),
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the aliases and formats as JSON on stdout."
)
@click.option("--quiet", "-q", is_flag=True, hidden=True, help="Accepted for uniformity.")
def corpora(as_json: bool, quiet: bool) -> None:
    """List corpus aliases (name, Hub id, split, format) and the formats auditkit reads.

    Any alias, a Hugging Face dataset id (owner/name), or a local .jsonl/.json/.parquet/.csv/.txt
    file or folder can be given to `auditkit lang`; formats are detected from the first records
    (in the order listed) unless --format forces one.
    """
    data = catalogue()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from rich.table import Table

    from auditkit.console import console, esc

    aliases = Table(title="Corpus aliases")
    for col in ("name", "hub id", "split", "format"):
        aliases.add_column(col, no_wrap=True)
    aliases.add_column("description", overflow="fold")
    for a in data["aliases"]:
        aliases.add_row(
            esc(a["name"]),
            esc(a["hub_id"] or "(shipped with auditkit)"),
            esc(a["split"] or "-"),
            esc(a["format"]),
            esc(a["description"]),
        )
    console.print(aliases)
    formats = Table(title="Formats (detection order)")
    formats.add_column("format", no_wrap=True)
    for col in ("description", "record schema"):
        formats.add_column(col, overflow="fold")
    for f in data["formats"]:
        formats.add_row(esc(f["name"]), esc(f["description"]), esc(f["schema"]))
    console.print(formats)
