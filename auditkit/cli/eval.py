"""`auditkit eval`: run, score and list the dialect, language and opinion evaluations."""

from __future__ import annotations

from typing import Any

import click

from auditkit.cli.options import (
    MultiValueOption,
    emit_json,
    examples,
    model_loading_options,
    quiet_mode,
    wants_stdout_json,
)
from auditkit.evals.config import STUDY_SEED

CTX = {"help_option_names": ["-h", "--help"], "show_default": True}


def _split_groups(values: tuple[str, ...]) -> list[str] | None:
    out = [g.strip() for v in values for g in v.split(",") if g.strip()]
    return out or None


@click.group(
    "eval",
    context_settings=CTX,
    epilog=examples(
        "auditkit eval list",
        "auditkit eval run md3-game --model ./ckpt --data md3_game_items.csv",
        "auditkit eval score md3-game --outputs md3_game_predictions.csv",
    ),
)
def eval_group() -> None:
    """Dialect (MD3), language (TyDiQA, Belebele) and opinion (GlobalOpinionQA) evaluations.

    `run` evaluates one model on a task; `score` re-scores per-item outputs (auditkit's own or
    the study's released files) and compares models along alignment chains.
    """


@eval_group.command("list", context_settings=CTX, epilog="\b\nExamples:\n  auditkit eval list\n")
def list_cmd() -> None:
    """List the tasks with their groups, metrics and defaults."""
    from auditkit.evals.base import TASKS, task_names
    from auditkit.evals.chains import builtin_chains
    from auditkit.report.terminal.evals import print_task_list

    rows = []
    for name in task_names():
        spec = TASKS.get(name)
        metrics = [spec.default_metric] + [
            m.name for m in spec.metrics if m.name != spec.default_metric
        ]
        rows.append(
            {
                "task": name,
                "axis": spec.axis,
                "mode": spec.mode
                + (f" ({spec.max_new_tokens} tok)" if spec.max_new_tokens else ""),
                "groups": ", ".join(spec.groups),
                "metrics": ", ".join(metrics),
                "data": spec.hub_id or "local --data only",
            }
        )
    chains = {
        name: " → ".join(f"{s}={m}" for s, m in chain.stages)
        for name, chain in builtin_chains().items()
    }
    print_task_list(rows, chains)


RUN_EXAMPLES = examples(
    "auditkit eval run md3-game --model ./my-sft-checkpoint --data md3_game_items.csv",
    "auditkit eval run belebele --model allenai/tulu-2-7b --model-args dtype=bfloat16,revision=main",
    "auditkit eval run --tasks belebele,globalopinionsqa --model ./ckpt --limit 50 --json -",
    "auditkit eval run --tasks md3-game,belebele --model ./ckpt --data md3-game=md3.csv "
    "belebele=belebele/",
)


@eval_group.command("run", context_settings=CTX, epilog=RUN_EXAMPLES)
@click.argument("task", required=False)
@click.option(
    "--tasks",
    default=None,
    help="Several tasks on one loaded model, comma-separated (each gets OUT/<task>/).",
)
@click.option("--model", default=None, help="Hugging Face hub id or local model folder.")
@click.option(
    "--model-args",
    default=None,
    help="Model options in lm-evaluation-harness's --model_args spelling, e.g. "
    "'pretrained=ID,revision=main,dtype=bfloat16,trust_remote_code=True,device_map=auto,"
    "peft=ADAPTER,attn_implementation=sdpa'; recorded in audit.json.",
)
@click.option(
    "--data",
    cls=MultiValueOption,
    help="Local task data (file or folder); with --tasks: TASK=PATH, several after one flag "
    "allowed. Default: the task's hub dataset.",
)
@click.option(
    "--groups",
    multiple=True,
    help="Restrict to these groups (comma-separated or repeated); "
    "for globalopinionsqa: the country filter.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Evaluate only the first N items per group.",
)
@model_loading_options
@click.option(
    "--batch-size", default="auto", help="Prompts per forward pass; auto halves on out-of-memory."
)
@click.option(
    "--chat-template",
    is_flag=True,
    help="Wrap each prompt as a user turn with the tokenizer's chat template.",
)
@click.option(
    "--max-new-tokens",
    type=click.IntRange(min=1),
    default=None,
    help="Generation length (default: the task's, 10 for md3-game, 50 for tydiqa-goldp).",
)
@click.option(
    "--shots", type=click.IntRange(min=0), default=1, help="tydiqa-goldp: in-context examples."
)
@click.option("--seed", type=int, default=STUDY_SEED, help="Seed (shot choice, torch).")
@click.option(
    "--jsd-base",
    type=click.Choice(["e", "2"]),
    default="e",
    help="globalopinionsqa: log base of the Jensen-Shannon distance (e: the study's).",
)
@click.option("--out", default=None, help="Run folder (default: reports/eval/<task>/).")
@click.option(
    "--json", "json_path", default=None, help="Also write the summary JSON here ('-': stdout)."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, tables or library chatter.")
@click.option("--no-progress", is_flag=True, hidden=True, help="Hide the progress bar only.")
def run_cmd(
    task: str | None,
    tasks: str | None,
    model: str | None,
    model_args: str | None,
    json_path: str | None,
    quiet: bool,
    no_progress: bool,
    **options: Any,
) -> None:
    """Evaluate one model on TASK (or --tasks a,b) and write per-item outputs, summary.json
    and audit.json."""
    from auditkit.errors import AuditkitError
    from auditkit.evals.api import run
    from auditkit.evals.config import RunEvalConfig

    silent = quiet_mode(quiet, json_path)
    names = [t for t in ([task] if task else []) + [tasks or ""] if t]
    if not names:
        raise AuditkitError("give a TASK or --tasks a,b (auditkit eval list shows them)")
    out = options.pop("out")
    options["groups"] = _split_groups(options["groups"])
    options["data"] = list(options["data"]) or None
    config = RunEvalConfig(task=",".join(names), model=model, model_args=model_args, **options)
    result = run(config, out, show_progress=not (silent or no_progress))
    _emit(result, json_path, quiet, out)


def _emit(result: dict[str, Any], json_path: str | None, quiet: bool, out: str | None) -> None:
    """--json PATH: a copy of the summary; --json -: the JSON on stdout and nothing else;
    otherwise tables unless --quiet."""
    emit_json(result, json_path)
    if quiet or wants_stdout_json(json_path):
        return
    from auditkit.console import err_console, esc
    from auditkit.report.terminal.evals import print_eval_summary

    summaries = [result] if "task" in result else list(result.values())
    for summary in summaries:
        print_eval_summary(summary)
    err_console.print(f"wrote {esc(out or 'reports/eval/' + summaries[0]['task'])}/")


SCORE_EXAMPLES = examples(
    "auditkit eval score md3-game --outputs md3_game_predictions.csv",
    "auditkit eval score belebele --outputs runs/*/outputs.parquet --chain base=A,sft=B,pt=C",
    "auditkit eval score belebele --outputs lm_eval_out/*/samples_belebele_*.jsonl",
    "auditkit eval score md3-game --outputs my_items.csv --json -",
)


@eval_group.command("score", context_settings=CTX, epilog=SCORE_EXAMPLES)
@click.argument("task")
@click.argument("more_outputs", nargs=-1, metavar="[FILE]...")
@click.option(
    "--outputs",
    "outputs",
    cls=MultiValueOption,
    help="Per-item output files or folders; several may follow one flag "
    "(--outputs a.jsonl b.jsonl, e.g. from a shell glob).",
)
@click.option(
    "--chain",
    "chain",
    multiple=True,
    help="'base=ID,sft=ID,pt=ID', a chains YAML file, a built-in chain name, or "
    "'study' (default: the study's chains that match the outputs).",
)
@click.option("--metric", default=None, help="Metric to compare (default: the task's).")
@click.option(
    "--groups",
    multiple=True,
    help="Restrict to these groups; for globalopinionsqa: the country filter "
    "(default: USA, China, Jordan, Brazil, Nigeria, Germany, Australia).",
)
@click.option(
    "--data", default=None, help="Gold data for outputs that store only generations (tydiqa)."
)
@click.option(
    "--prompt-mode",
    default="no_answers",
    help="md3-game study files: which prompt mode's rows to score.",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="md3-game study files: which seed's rows (default: the only one).",
)
@click.option(
    "--chat-template-rows",
    "chat_template",
    is_flag=True,
    help="md3-game study files: score the rows made with a chat template.",
)
@click.option(
    "--jsd-base",
    type=click.Choice(["e", "2"]),
    default="e",
    help="globalopinionsqa: log base of the stored similarities.",
)
@click.option(
    "--mcnemar",
    type=click.Choice(["exact", "midp"]),
    default="exact",
    help="McNemar variant for binary metrics.",
)
@click.option(
    "--confidence",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=0.95,
    help="CI level.",
)
@click.option(
    "--n-resamples", type=click.IntRange(min=1), default=2000, help="Bootstrap resamples."
)
@click.option("--bootstrap-seed", type=int, default=0, help="Seed of bootstraps and permutations.")
@click.option("--out", default=None, help="Run folder (default: reports/eval/<task>/).")
@click.option(
    "--json", "json_path", default=None, help="Also write the summary JSON here ('-': stdout)."
)
@click.option("--quiet", "-q", is_flag=True, help="No tables.")
def score_cmd(
    task: str,
    more_outputs: tuple[str, ...],
    outputs: tuple[str, ...],
    groups: tuple[str, ...],
    out: str | None,
    json_path: str | None,
    quiet: bool,
    **settings: Any,
) -> None:
    """Score per-item outputs of TASK made elsewhere and compare models along chains.

    Outputs may be auditkit's outputs.parquet (or run folders), the study's released files,
    lm-evaluation-harness --log_samples files (samples_<task>_<date>.jsonl), or a plain
    per-item table (CSV/JSONL/parquet) with columns model, item_id, group and the metric.
    """
    quiet = quiet_mode(quiet, json_path)
    from auditkit.errors import AuditkitError
    from auditkit.evals.api import score
    from auditkit.evals.config import ScoreConfig

    files = list(outputs) + list(more_outputs)
    if not files:
        raise AuditkitError("give the per-item outputs to score with --outputs FILE...")
    groups_given = tuple(_split_groups(groups) or ())
    config = ScoreConfig(task=task, outputs=tuple(files), groups=groups_given, **settings)
    _emit(score(config, out), json_path, quiet, out)
