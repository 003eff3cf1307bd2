"""`auditkit probe-rm` as the top-level CLI runs it: the probes side's command, with language ID
(the langid side) for `--pairs` without a language column."""

from __future__ import annotations

from typing import Any

import click

from auditkit.cli import probe_rm as probes_cli


def _callback(
    models: tuple[str, ...],
    scores: tuple[str, ...],
    out: Any,
    json_path: Any,
    top: int,
    quiet: bool,
    **options: Any,
) -> None:
    from auditkit.pipelines.rm_languages import probe_rm

    probes_cli.run_cli(models, scores, out, json_path, top, quiet, probe_rm, **options)


probe_rm = click.Command(
    name=probes_cli.probe_rm.name,
    params=probes_cli.probe_rm.params,
    callback=_callback,
    help=probes_cli.probe_rm.help,
    epilog=probes_cli.probe_rm.epilog,
    context_settings=probes_cli.probe_rm.context_settings,
)
