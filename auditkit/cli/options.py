"""Conventions every `auditkit` command shares (one place, so the commands agree).

* ``--json -`` writes the JSON to stdout and nothing else (tables and progress are skipped).
* A multi-value flag takes several values after one flag (``--scores a.csv b.csv``, e.g. from
  a shell glob) and may also be repeated.
* ``-q/--quiet`` hides tables and progress and silences library chatter
  (transformers/datasets progress bars, logs and warnings).
* Every ``--help`` ends with examples.
"""

from __future__ import annotations

from pathlib import Path
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


# --- corpus commands (`lang`, `countries`): the options every corpus pass shares -------------
def _apply(command: Any, decorators: list[Any]) -> Any:
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def model_loading_options(command: Any) -> Any:
    """How a command loads a Hugging Face model: precision, device, revision, quantisation
    (`probe-rm MODEL` and `eval run` alike)."""
    from auditkit.modeling import DTYPES

    return _apply(
        command,
        [
            click.option(
                "--dtype",
                type=click.Choice(DTYPES),
                default="auto",
                help="auto: float32 on CPU, bfloat16 on GPU.",
            ),
            click.option("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps."),
            click.option(
                "--revision",
                default=None,
                help="Model revision (branch, tag or commit); recorded in outputs.",
            ),
            click.option(
                "--load-in-8bit",
                is_flag=True,
                help="8-bit weights (bitsandbytes, CUDA): the study's setting.",
            ),
            click.option(
                "--load-in-4bit", is_flag=True, help="4-bit weights (bitsandbytes, CUDA)."
            ),
        ],
    )


def corpus_source_options(kind: str, *, limit_help: str) -> Any:
    """SOURCE, --out and the options that say which corpus to read (`auditkit corpora`)."""
    return lambda command: _apply(
        command,
        [
            click.argument("source", default="sample", required=False),
            click.option(
                "--out",
                "out",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help=f"Output folder [default: reports/{kind}/<source>]",
                show_default=False,
            ),
            click.option(
                "--format",
                "fmt",
                default=None,
                help="Force a corpus format (see `auditkit corpora`) instead of auto-detection.",
            ),
            click.option(
                "--split", default=None, help="Split of a hub dataset (aliases set their own)."
            ),
            click.option(
                "--revision", default=None, help="Revision (commit/tag) of a hub dataset."
            ),
            click.option("--limit", type=click.IntRange(min=1), default=None, help=limit_help),
        ],
    )


def corpus_pass_options(*, workers_help: str, engine_help: str, ray_address_help: str) -> Any:
    """Where and how a corpus pass runs: --workers, --shard-size, --engine, --ray-address."""
    return lambda command: _apply(
        command,
        [
            click.option("--workers", type=click.IntRange(min=1), default=None, help=workers_help),
            click.option(
                "--shard-size",
                type=click.IntRange(min=1),
                default=10_000,
                help="Utterances per output shard (unit of resumption).",
            ),
            click.option(
                "--engine",
                type=click.Choice(["local", "ray"]),
                default="local",
                help=engine_help,
            ),
            click.option("--ray-address", default=None, help=ray_address_help),
        ],
    )


def output_options(*, json_help: str, quiet_help: str) -> Any:
    """--overwrite, --json and -q/--quiet of a command writing a run folder."""
    return lambda command: _apply(
        command,
        [
            click.option("--overwrite", is_flag=True, help="Discard earlier results in --out."),
            click.option(
                "--json",
                "json_path",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help=json_help,
            ),
            click.option("--quiet", "-q", is_flag=True, help=quiet_help),
        ],
    )


def corpus_field_options(command: Any) -> Any:
    """--text-field/--messages-field: read a non-standard schema's fields as text/messages."""
    return _apply(
        command,
        [
            click.option(
                "--text-field",
                default=None,
                help="Read this field as the utterance text (a schema with e.g. 'content' or "
                "'prompt_text').",
            ),
            click.option(
                "--messages-field",
                default=None,
                help="Read this field as the chat messages list (e.g. 'conversation' in "
                "[{role, content}]).",
            ),
        ],
    )
