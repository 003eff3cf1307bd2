"""`auditkit probe-rm`: options -> ProbeConfig -> run_probe (with language ID for `--pairs`,
auditkit.pipelines) -> the tables of auditkit.report.terminal.probes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from auditkit.cli.options import (
    MultiValueOption,
    emit_json,
    examples,
    model_loading_options,
    quiet_mode,
)
from auditkit.probes.config import DEFAULT_QUESTION_CHUNK


@click.command(
    "probe-rm",
    context_settings={"show_default": True},
    epilog=examples(
        "auditkit probe-rm starling",
        "auditkit probe-rm starling --probes askreddit --limit 20",
        "auditkit probe-rm ./my-rm --scorer seq-cls --model-args dtype=bfloat16 --batch-size 16",
        "auditkit probe-rm --scores starling.csv perplexity_llama.csv --json - -q",
    ),
)
@click.argument("models", nargs=-1)
@click.option(
    "--scores",
    "scores",
    cls=MultiValueOption,
    type=click.Path(exists=True, path_type=str),
    help="Analyse existing score files instead of running a model: the study's wide or long "
    "CSV, or auditkit's scores.parquet (or its run folder). Several after one flag "
    "(--scores a.csv b.csv, e.g. a shell glob) compare models.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    show_default=False,
    help="Output folder [default: reports/probe-rm/<model or score file>]",
)
@click.option(
    "--probes",
    default="default",
    help="Probe set: default (auditkit's embedded set), where-from, askreddit (the study's "
    "554 questions from the Hub), languages (UDHR parallel text in 440 languages), or a local "
    ".csv/.yaml file (a YAML set may declare its slot: country, language or a list) or a "
    "parallel .csv/.jsonl (item_id, language, prompt, response).",
)
@click.option("--probes-revision", default=None, help="Hub revision of --probes askreddit.")
@click.option(
    "--countries",
    default="study-181",
    help="Countries to rank: study-181 (the study's countries with population > 250,000), "
    "all (every country in --scores), or a file (one name per line or a 'country' column).",
)
@click.option(
    "--scorer",
    type=click.Choice(["starling", "seq-cls", "dpo", "lm"]),
    default=None,
    show_default=False,
    help="How to score [default: from the model registry, else from the model's files].",
)
@click.option("--ref", "reference_model", default=None, help="Reference model for the DPO scorer.")
@click.option(
    "--beta",
    type=float,
    default=None,
    show_default=False,
    help="DPO beta [default: the registry's value, else 0.1].",
)
@click.option(
    "--base-model",
    default=None,
    help="Starling scorer: model giving config and tokenizer [default: the folder's base/ or "
    "meta-llama/Llama-2-7b-chat-hf].",
)
@click.option(
    "--chat-template/--no-chat-template",
    "use_chat_template",
    default=None,
    help="LM scorer: wrap the question in the tokenizer's chat template [default: registry, "
    "else yes].",
)
@click.option(
    "--lm-span",
    type=click.Choice(["country", "response"]),
    default="country",
    help="LM scorer: score the country mention (the study) or the rest of the response.",
)
@model_loading_options
@click.option(
    "--model-args",
    default=None,
    help="Model options in lm-evaluation-harness's --model_args spelling, e.g. "
    "'revision=main,dtype=bfloat16,trust_remote_code=True,device_map=auto,peft=ADAPTER,"
    "attn_implementation=sdpa' (pretrained=ID stands for MODEL); recorded in audit.json.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    show_default=False,
    help="Sequences per forward pass [default: automatic, from --token-budget].",
)
@click.option(
    "--token-budget",
    type=click.IntRange(min=1),
    default=None,
    show_default=False,
    help="Padded tokens per batch [default: 8192 on CPU, from free memory on GPU, halved on "
    "out-of-memory].",
)
@click.option("--max-batch-size", type=click.IntRange(min=1), default=512)
@click.option(
    "--reuse-prefix/--no-reuse-prefix",
    default=True,
    help="Run each question's shared token prefix once and continue every country's sequence "
    "from its key/value cache (same scores, fewer tokens).",
)
@click.option(
    "--question-chunk",
    type=click.IntRange(min=1),
    default=DEFAULT_QUESTION_CHUNK,
    help="Questions scored as one unit with their own batch plan: what --engine ray hands "
    "to an actor. Both engines cut the same chunks, so their scores are identical.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    help="Where models score: local (this process), or ray (one scoring actor per GPU of a "
    "Ray cluster, or per torch-threads CPUs without GPUs; pip install 'auditkit[ray]'). "
    "Ignored with --scores.",
)
@click.option(
    "--ray-address",
    default=None,
    help="Join this Ray cluster (e.g. ray://head:10001 or auto) [default: start a local one]",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=None, help="Only the first N questions."
)
@click.option(
    "--favourable",
    type=click.Choice(["higher", "lower"]),
    default=None,
    show_default=False,
    help="--scores: which way a better score points [default: from the file's columns].",
)
@click.option(
    "--reference-country",
    default="USA",
    help="Country the win rates and 'ranked below' share compare against.",
)
@click.option(
    "--ties",
    type=click.Choice(["study", "average"]),
    default="study",
    help="Tied scores: ordered as the study's pandas sort did, or given their average rank.",
)
@click.option(
    "--survey",
    "surveys",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    help="Reference ranking CSV (survey, rank, country) [default: Gallup US favourability "
    "2017 and 2023].",
)
@click.option(
    "--bootstrap",
    "n_resamples",
    type=click.IntRange(min=1),
    default=2000,
    help="Bootstrap resamples (over questions) for the mean-rank CIs.",
)
@click.option("--seed", type=int, default=0, help="Bootstrap seed.")
@click.option(
    "--pairs",
    "pairs",
    multiple=True,
    help="Preference data (any format `auditkit corpora` lists, local or a Hub id; "
    "M-RewardBench's `language` column is used): score chosen and rejected of every pair and "
    "report accuracy by language. Repeatable.",
)
@click.option("--pairs-format", default=None, help="Force the corpus format of --pairs.")
@click.option("--pairs-split", default=None, help="Hub split of --pairs.")
@click.option(
    "--pairs-language",
    default="prompt",
    help="Language of pairs without a language column: prompt (language ID of each prompt, "
    "as `auditkit lang`: both detectors must agree, else und), corpus (each input's most "
    "frequent prompt language), or a language code for every pair.",
)
@click.option(
    "--reference-language",
    default="en",
    help="Language probes and --pairs: the language win rates, gaps and tests compare against.",
)
@click.option(
    "--languages",
    "languages",
    default=None,
    help="Language probes: only these languages (comma-separated codes) [default: all].",
)
@click.option(
    "--prompt-variants",
    default="native,reference",
    help="Language probes: native (the user asks in the answer's language), reference (the "
    "user asks in the reference language), or both (comma-separated).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the summary JSON here ('-': stdout, and nothing else).",
)
@click.option("--top", type=click.IntRange(min=1), default=10, help="Countries shown at each end.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, tables or library chatter.")
def probe_rm(
    models: tuple[str, ...],
    scores: tuple[str, ...],
    out: Path | None,
    json_path: Path | None,
    top: int,
    quiet: bool,
    **options: Any,
) -> None:
    """Probe a reward model (or LM) with counterfactual country answers and rank countries.

    MODEL is a registry name (starling, tulu-2-dpo-7b, zephyr-7b-beta, llama-2-7b,
    llama-2-7b-chat, mistral-7b), a Hugging Face id or a local folder. Each probe question is
    answered once per country ("I think {country} has the best food."), every answer is
    scored, and countries are ranked per question (rank 1 = most favourable; negative
    questions inverted), then by mean rank. The ranking is correlated with Gallup's US
    favourability rankings.

    With --scores FILE, no model runs: the analysis runs on existing scores, e.g. the
    study's released Starling-RM CSV.

    --probes languages ranks languages on parallel text (the same answer in every language);
    --pairs DATA reports the model's accuracy on preference pairs by language.
    """
    from auditkit.pipelines.rm_languages import run_probe
    from auditkit.probes.api import default_out
    from auditkit.report.terminal.probes import render_probe_summary

    silent = quiet_mode(quiet, json_path)
    engine, ray_address = options.pop("engine"), options.pop("ray_address")
    config = _config(models, scores, options)
    out_dir = out or default_out(config.model, config.scores)
    summary = run_probe(
        config, out_dir, progress=not silent, engine=engine, ray_address=ray_address
    )
    emit_json(summary, json_path)
    if not silent:
        render_probe_summary(summary, out_dir, top)


def _config(models: tuple[str, ...], scores: tuple[str, ...], options: dict[str, Any]) -> Any:
    """The ProbeConfig of the options (comma-separated lists split)."""
    from auditkit.probes.config import ProbeConfig

    langs = options.pop("languages")
    variants = options.pop("prompt_variants") or ""
    return ProbeConfig(
        model=list(models) or None,
        scores=list(scores) or None,
        pairs=list(options.pop("pairs") or []) or None,
        languages=[c.strip() for c in langs.split(",") if c.strip()] if langs else None,
        prompt_variants=[v.strip() for v in variants.split(",") if v.strip()],
        **options,
    )
