"""`auditkit rerun AUDIT_JSON`: a thin click layer over auditkit.rerun."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditkit.cli.options import examples, quiet_mode

CTX = {"help_option_names": ["-h", "--help"], "show_default": True}


@click.command(
    "rerun",
    context_settings=CTX,
    epilog=examples(
        "auditkit rerun reports/lang/x/audit.json",
        "auditkit rerun reports/eval/md3-game --strict",
    ),
)
@click.argument("audit_json", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run folder of the re-run [default: <original run folder>-rerun].",
    show_default=False,
)
@click.option(
    "--allow-changed-inputs",
    is_flag=True,
    help="Re-run even when an input's sha256 differs from the record.",
)
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=None,
    help="Processes for a lang re-run [default: number of CPUs]; results do not depend on it.",
    show_default=False,
)
@click.option(
    "--strict", is_flag=True, help="Exit 1 when the new summary.json differs from the original."
)
@click.option("--quiet", "-q", is_flag=True, help="Only the exit code.")
def rerun(
    quiet: bool,
    audit_json: Path,
    out: Path | None,
    allow_changed_inputs: bool,
    workers: int | None,
    strict: bool,
) -> None:
    """Re-run the audit recorded in AUDIT_JSON (an audit.json or its run folder) with the
    same configuration, after checking the input fingerprints, and compare summaries."""
    from auditkit.console import err_console, esc
    from auditkit.rerun import rerun as run_rerun

    res = run_rerun(audit_json, out=out, allow_changed_inputs=allow_changed_inputs, workers=workers)
    if quiet_mode(quiet):
        if strict and res.identical is False:
            sys.exit(1)
        return
    for c in res.inputs:
        err_console.print(
            f"input {esc(c.path)}: {esc(c.status)}" + (f" ({esc(c.detail)})" if c.detail else ""),
            highlight=False,
        )
    err_console.print(f"re-ran {esc(res.kind)} into {esc(res.out)}")
    if res.identical is None:
        err_console.print("no original summary.json next to the record: nothing to compare")
    elif res.identical:
        err_console.print("[green]summary.json is byte-identical to the original[/]")
    else:
        err_console.print(
            "[bold red]summary.json differs from the original[/] in: "
            + ", ".join(esc(k) for k in res.differing_keys)
        )
        if strict:
            sys.exit(1)
