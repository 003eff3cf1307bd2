"""The `auditkit` command: a thin layer over the Python API of each side.

Commands are imported lazily so `auditkit lang` never imports torch, and a broken optional
side cannot break the others.
"""

from __future__ import annotations

import importlib
import sys

import click

from auditkit import __version__
from auditkit.errors import AuditkitError

# command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "lang": "auditkit.langid.cli:lang",
    "corpora": "auditkit.corpora.cli:corpora",
    "probe-rm": "auditkit.pipelines.cli:probe_rm",
    "eval": "auditkit.evals.cli:eval_group",
    "report": "auditkit.report.cli:report",
    "check": "auditkit.report.cli:check",
    "rerun": "auditkit.report.cli:rerun",
}

HELP = {
    "lang": "Language-ID every utterance of an SFT or preference corpus (two detectors).",
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


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="auditkit", standalone_mode=False)
    except AuditkitError as e:
        from auditkit.console import err_console, esc

        # esc: messages carry brackets ("pip install 'auditkit[ray]'") that rich would eat,
        # and quote data (file names, cells) that may hold markup or control sequences
        err_console.print(f"[bold red]error:[/] {esc(e)}", highlight=False)
        sys.exit(e.exit_code)
    except click.exceptions.Abort:
        from auditkit.console import err_console

        err_console.print("[yellow]aborted[/]")
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
