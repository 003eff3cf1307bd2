"""`auditkit report` and `auditkit check`: thin click layers over auditkit.report.api."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from auditkit.cli.options import emit_json, examples, quiet_mode

CTX = {"help_option_names": ["-h", "--help"], "show_default": True}


@click.command(
    "report",
    context_settings=CTX,
    epilog=examples(
        "auditkit report reports/",
        "auditkit report reports/lang/x reports/eval/y --html audit.html",
        "auditkit report reports/ --format compliance > compliance.md",
        "auditkit report reports/ --out report_folder/ -q",
    ),
)
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--html",
    "html",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the self-contained HTML report (charts, tables, links) to this file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["terminal", "compliance", "json"]),
    default="terminal",
    help="terminal: rich summary; compliance: EU AI Act / dataset card / Croissant RAI "
    "Markdown; json: the findings and the declared links.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    hidden=True,  # one output flag (--out); kept so older scripts keep working
    help="Write the --format compliance/json text here instead of stdout.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write report.html, compliance.md and links.json into this folder.",
)
@click.option("--title", default="auditkit report", help="Title of the HTML and Markdown reports.")
@click.option(
    "--top",
    "top_languages",
    type=click.IntRange(1),
    default=30,
    help="Languages drawn in the share chart (the rest are summed).",
)
@click.option(
    "--link",
    "links",
    multiple=True,
    metavar="SOURCE_RUN=TARGET",
    help="Declare a link (repeatable): a corpus run to the chain step that trained on it "
    "(--link reports/lang/x=llama-tulu:sft), or one run to another (--link RUN=RUN). "
    "SOURCE_RUN is a run folder as given or its name. Steps whose summary names their "
    "training data (steps[].data) link to a corpus run of that dataset by themselves.",
)
@click.option(
    "--rare-below",
    type=click.IntRange(1),
    default=None,
    help="A language is rare below this many agreed utterances [default: the lang run's "
    "low-resource threshold].",
    show_default=False,
)
@click.option(
    "--min-loss",
    "min_loss_points",
    type=click.FloatRange(0),
    default=None,
    help="Flag a rare language as losing when it drops more than this many points "
    "[default: only drops significant after Holm correction at --alpha].",
    show_default=False,
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1),
    default=0.05,
    help="Significance level of the Holm-corrected p-values (marks and flags).",
)
@click.option("--quiet", "-q", is_flag=True, help="No terminal report or messages.")
def report(
    quiet: bool,
    run_dirs: tuple[Path, ...],
    html: Path | None,
    fmt: str,
    output: Path | None,
    out: Path | None,
    title: str,
    top_languages: int,
    links: tuple[str, ...],
    rare_below: int | None,
    min_loss_points: float | None,
    alpha: float,
) -> None:
    """Report on RUN_DIR... (folders of `lang`, `probe-rm` and `eval` runs, in any mix; a
    folder holding several run folders, e.g. reports/, is searched).

    Opens with findings computed from the summaries. Links corpus skew to evaluation gaps
    only where declared (steps[].data in an eval summary, or --link): each evaluated
    language's share of the corpus beside its score change across the step that trained on
    the corpus, with their rank correlation and flags for languages that are rare and losing;
    and a reward model's country ranking beside an LM's likelihood ranking. A run reached
    twice (passed again, inside a comparison folder, a *-rerun copy) appears once.
    """
    from auditkit.console import console, err_console, esc
    from auditkit.report.api import links_json
    from auditkit.report.api import report as run_report

    data = run_report(
        list(run_dirs),
        html=html,
        compliance=output if fmt == "compliance" else None,
        out=out,
        title=title,
        top_languages=top_languages,
        links=list(links),
        rare_below=rare_below,
        min_loss_points=min_loss_points,
        alpha=alpha,
    )
    if fmt == "terminal" and quiet:
        pass
    elif fmt == "terminal":
        from auditkit.report.terminal import print_report

        print_report(data, console)
    elif fmt == "compliance" and output is None:
        from auditkit.report.compliance import render_compliance

        click.echo(render_compliance(data), nl=False)
    elif fmt == "json":
        from auditkit.io import dumps_json, write_json

        if output is not None:
            write_json(output, links_json(data))
        else:
            click.echo(dumps_json(links_json(data)), nl=False)
    for what, path in (
        ("HTML report", html),
        ("compliance Markdown", output if fmt == "compliance" else None),
        ("links JSON", output if fmt == "json" else None),
        ("report folder", out),
    ):
        if path is not None and not quiet:
            err_console.print(f"wrote {what}: {esc(path)}")


@click.command(
    "check",
    context_settings=CTX,
    epilog=examples(
        "auditkit check --policy policy.yaml reports/",
        "auditkit check --policy policy.yaml reports/ --json - -q",
    ),
)
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--policy",
    "policy",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Policy YAML: a list of rules 'METRIC OP THRESHOLD' (see fixtures/report/policy.yaml).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write every rule's result as JSON here ('-': stdout, and nothing else).",
)
@click.option("--quiet", "-q", is_flag=True, help="Only the exit code (and --json).")
def check(run_dirs: tuple[Path, ...], policy: Path, json_path: Path | None, quiet: bool) -> None:
    """Gate a release: evaluate the rules of --policy against RUN_DIR....

    Exit status: 0 every rule passed, 1 a rule failed, 2 a rule could not be evaluated
    (its run folder or summary key is missing) or the input is invalid.
    """
    from rich.table import Table

    from auditkit.console import console, err_console, esc
    from auditkit.report.api import check as run_check

    result = run_check(policy, list(run_dirs))
    silent = quiet_mode(quiet, json_path)
    emit_json(result.as_dict(), json_path)
    if silent:
        sys.exit(result.exit_code)
    t = Table(title=f"policy {esc(result.policy.name)}: {len(result.policy.rules)} rule(s)")
    cols = ["status", "rule (metric op threshold)", "run", "observed"]
    cols += ["detail"] if result.errors else []
    for col in cols:
        t.add_column(col, justify="right" if col == "observed" else "left", overflow="fold")
    style = {
        "pass": "[green]PASS[/]",
        "fail": "[bold red]FAIL[/]",
        "error": "[bold yellow]ERROR[/]",
    }
    for r in result.results:
        t.add_row(
            style[r.status],
            esc(r.rule.text())
            + (f"\n[dim]{esc(r.rule.description)}[/]" if r.rule.description else ""),
            esc(f"{r.run} ({r.kind})") if r.run else "–",
            "–" if r.observed is None else f"{r.observed:.4g}",
            *([esc(r.message)] if result.errors else []),
        )
    console.print(t)
    for r in result.failed:
        err_console.print(
            f"[bold red]FAIL[/] {esc(r.rule.text())} on {esc(r.run)} ({esc(r.kind)})"
            + (f" at {esc(r.at)}" if r.at else "")
            + f": observed {r.observed:.4g}, threshold {r.rule.op} {r.rule.threshold:g}",
            highlight=False,
        )
    for r in result.errors:
        err_console.print(
            f"[bold yellow]ERROR[/] {esc(r.rule.text())}: {esc(r.message)}", highlight=False
        )
    n_pass = sum(r.status == "pass" for r in result.results)
    err_console.print(
        f"{n_pass} passed, {len(result.failed)} failed, {len(result.errors)} could not be evaluated"
    )
    if result.exit_code:
        sys.exit(result.exit_code)
