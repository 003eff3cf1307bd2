"""Conventions every `auditkit` command shares (one place, so the commands agree).

* ``--json -`` writes the JSON to stdout and nothing else (tables and progress are skipped).
* A multi-value flag takes several values after one flag (``--scores a.csv b.csv``, e.g. from
  a shell glob) and may also be repeated.
* ``-q/--quiet`` hides tables and progress and silences library chatter
  (transformers/datasets progress bars, logs and warnings).
* Every ``--help`` ends with examples.
"""

from __future__ import annotations

from typing import Any

import click


class MultiValueOption(click.Option):
    """A repeatable option that also takes every following value up to the next option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["multiple"] = True
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        for name in self.opts:
            opt = parser._long_opt.get(name) or parser._short_opt.get(name)
            if opt is None:  # pragma: no cover - every declared name is registered
                continue
            process = opt.process

            def greedy(value: Any, state: Any, process: Any = process) -> None:
                process(value, state)
                while state.rargs and not str(state.rargs[0]).startswith("-"):
                    process(state.rargs.pop(0), state)

            opt.process = greedy


def examples(*lines: str) -> str:
    """A --help epilog listing example command lines (click keeps \\b blocks unwrapped)."""
    return "\b\nExamples:\n" + "\n".join(f"  {ln}" for ln in lines)


def wants_stdout_json(json_path: Any) -> bool:
    return json_path is not None and str(json_path) == "-"


def emit_json(obj: Any, json_path: Any) -> None:
    """--json PATH: write the file; --json -: the JSON on stdout (and nothing else)."""
    from auditkit.io import dumps_json, write_json

    if json_path is None:
        return
    if wants_stdout_json(json_path):
        click.echo(dumps_json(obj), nl=False)
    else:
        write_json(json_path, obj)


def quiet_mode(quiet: bool, json_path: Any = None) -> bool:
    """True when nothing but results may be printed; silences library chatter then."""
    silent = bool(quiet) or wants_stdout_json(json_path)
    if silent:
        from auditkit.hub import quiet_libraries

        quiet_libraries()
    return silent
