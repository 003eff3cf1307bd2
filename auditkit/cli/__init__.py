"""The `auditkit` command: a thin layer over the Python API of each side.

Commands are imported lazily so `auditkit lang` never imports torch, and a broken optional
side cannot break the others.
"""

from __future__ import annotations

import importlib
import signal
import sys
import threading

import click

from auditkit import __version__
from auditkit.errors import AuditkitError

# command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "lang": "auditkit.cli.lang:lang",
    "countries": "auditkit.cli.countries:countries",
    "corpora": "auditkit.cli.corpora:corpora",
    "probe-rm": "auditkit.cli.probe_rm:probe_rm",
    "eval": "auditkit.cli.eval:eval_group",
    "report": "auditkit.cli.report:report",
    "check": "auditkit.cli.report:check",
    "rerun": "auditkit.cli.rerun:rerun",
}

HELP = {
    "lang": "Language-ID every utterance of an SFT or preference corpus (two detectors).",
    "countries": "Which countries a corpus names (and on which side of a preference pair).",
    "corpora": "List the corpus aliases and formats auditkit knows.",
    "probe-rm": "Probe a reward model (or LM): countries, languages, per-language pair accuracy.",
    "eval": "Dialect, language and opinion evaluations along alignment chains.",
    "report": "Terminal, HTML and compliance reports over run folders.",
    "check": "Gate a release: evaluate a policy file against run folders.",
    "rerun": "Re-run an audit from its audit.json record.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            # `e` is cleared when the except block ends; keep its text for the closure.
            reason = f"{type(e).__name__}: {e}"

            @click.command(name=name, help=HELP.get(name, ""))
            def unavailable() -> None:
                raise AuditkitError(f"`auditkit {name}` is unavailable: {reason}")

            return unavailable

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help without importing every side (keeps `auditkit --help` instant).
        with formatter.section("Commands"):
            formatter.write_dl([(n, HELP.get(n, "")) for n in COMMANDS])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditkit")
def cli() -> None:
    """auditkit: audit LLM alignment data and models for global representation.

    Operationalises "Unintended Impacts of LLM Alignment on Global Representation"
    (Ryan, Held & Yang, ACL 2024).
    """


# Exit codes (README "Exit codes"): 0 done, 1 a `check` gate failed, 2 bad input or
# configuration (one-line error), 130 interrupted (Ctrl-C / SIGINT), 143 terminated (SIGTERM).
# An interrupted or terminated run keeps every finished shard; the same command resumes it.
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the main thread is, so it unwinds like Ctrl-C: finished work is
    kept, worker pools are shut down, run-folder locks released."""


def _on_sigterm(signum: int, frame: object) -> None:
    # Raise once; a second SIGTERM while unwinding must not interrupt the clean-up.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def _error(message: str) -> None:
    from auditkit.console import err_console, esc

    # esc: messages carry brackets ("pip install 'auditkit[ray]'") that rich would eat;
    # soft_wrap: one line whatever the terminal width (a path cut in two is hard to copy, and
    # scripts grep for 'file:line')
    err_console.print(f"[bold red]error:[/] {esc(message)}", highlight=False, soft_wrap=True)


def main(argv: list[str] | None = None) -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main(args=argv, prog_name="auditkit", standalone_mode=False)
    except AuditkitError as e:
        _error(str(e))
        sys.exit(e.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt) as e:
        # click turns KeyboardInterrupt into Abort; the cause says which signal it was.
        cause = e if isinstance(e, KeyboardInterrupt) else (e.__cause__ or e.__context__)
        from auditkit.console import err_console

        if isinstance(cause, Terminated):
            err_console.print("[yellow]terminated[/]")
            sys.exit(EXIT_TERMINATED)
        err_console.print("[yellow]aborted[/]")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except OSError as e:
        from auditkit.io import WRITE_ERRNOS

        if e.errno not in WRITE_ERRNOS:
            raise
        # A file-system error no layer below turned into a message (full disk while a
        # library wrote, a read-only folder...): one line naming the path, no traceback.
        where = e.filename or "an output file"
        _error(f"{where}: {WRITE_ERRNOS[e.errno]}; free space or fix the folder and run again")
        sys.exit(2)


if __name__ == "__main__":
    main()
