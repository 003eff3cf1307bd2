"""`auditkit lang SOURCE`: a thin click layer over auditkit.langid.runner.run_lang."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from auditkit.cli.options import emit_json, examples, quiet_mode
from auditkit.io import default_out_dir


def render_summary(summary: dict[str, Any], out_dir: Path, top: int = 20) -> None:
    from rich.table import Table

    from auditkit.console import console, esc

    t = Table(
        title=f"Languages of {esc(summary['corpus'])} (agreed by both detectors)",
        caption=f"results: {esc(out_dir)}",
    )
    t.add_column("code")
    t.add_column("language")
    t.add_column("utterances", justify="right")
    t.add_column("share of agreed", justify="right")
    langs = summary["languages"]
    for r in langs[:top]:
        t.add_row(esc(r["code"]), esc(r["name"]), f"{r['count']:,}", f"{100 * r['share']:.2f}%")
    if len(langs) > top:
        rest = langs[top:]
        t.add_row(
            "…",
            f"{len(rest)} more",
            f"{sum(r['count'] for r in rest):,}",
            f"{100 * sum(r['share'] for r in rest):.2f}%",
        )
    console.print(t)

    tot = Table(show_header=False, box=None)
    total = summary["utterances_total"]

    def pct(n: int) -> str:
        return f"{n:,} ({100 * n / total:.1f}%)" if total else "0"

    tot.add_row("utterances", f"{total:,}")
    tot.add_row("agreed", pct(summary["utterances_agreed"]))
    tot.add_row("disagreed (und)", pct(summary["utterances_disagreed"]))
    if summary["utterances_low_confidence"]:
        tot.add_row("below --min-confidence (und)", pct(summary["utterances_low_confidence"]))
    tot.add_row("empty", pct(summary["utterances_empty"]))
    if summary["config"].get("strip_code"):
        tot.add_row("code/URLs/markup stripped", pct(summary["utterances_stripped"]))
    skips = summary["skips"]["total"]
    tot.add_row("records skipped", f"{skips:,}" + (" (see summary.json skips)" if skips else ""))
    low = summary["low_resource"]
    tot.add_row(
        f"languages < {summary['low_resource_threshold']} utt.",
        ", ".join(f"{esc(r['code'])} {r['count']}" for r in low[:15])
        + (" …" if len(low) > 15 else "")
        or "none",
    )
    ft_only = summary.get("fasttext_only_languages", [])
    if ft_only:
        tot.add_row(
            "fastText-only languages (never agreed)",
            ", ".join(f"{esc(r['code'])} {r['fasttext_count']}" for r in ft_only[:10])
            + (" …" if len(ft_only) > 10 else ""),
        )
    if "human_label_agreement" in summary:
        h = summary["human_label_agreement"]
        rate = "n/a" if h["rate"] is None else f"{100 * h['rate']:.1f}%"
        tot.add_row("agrees with human label", f"{rate} of {h['with_agreed_label']:,}")
    if "preference" in summary:
        p = summary["preference"]
        tot.add_row(
            "pairs with a response in another language",
            f"{p['examples_with_other_language_response']:,} of {p['examples']:,}",
        )
    console.print(tot)

    by_role = summary["by_role"]
    if len(by_role) > 1:
        rt = Table(title="Top languages per role")
        rt.add_column("role")
        rt.add_column("utterances", justify="right")
        rt.add_column("top languages")
        for role, counts in by_role.items():
            n = sum(counts.values())
            rt.add_row(
                esc(role),
                f"{n:,}",
                ", ".join(f"{esc(c)} {100 * k / n:.1f}%" for c, k in list(counts.items())[:5]),
            )
        console.print(rt)
    sources = summary["by_source"]
    if len(sources) > 1:
        st = Table(title="Top languages per source subset")
        st.add_column("source")
        st.add_column("utterances", justify="right")
        st.add_column("top languages")
        for src, counts in sorted(sources.items(), key=lambda kv: -sum(kv[1].values()))[:top]:
            n = sum(counts.values())
            st.add_row(
                esc(src),
                f"{n:,}",
                ", ".join(f"{esc(c)} {100 * k / n:.1f}%" for c, k in list(counts.items())[:5]),
            )
        console.print(st)


@click.command(
    "lang",
    context_settings={"show_default": True},
    epilog=examples(
        "auditkit lang",
        "auditkit lang data/my_sft.jsonl --strip-code",
        "auditkit lang hh-rlhf --limit 5000 --json -",
        "auditkit lang my_folder/ --keep-text --out reports/lang/mine",
    ),
)
@click.argument("source", default="sample", required=False)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: reports/lang/<source>]",
    show_default=False,
)
@click.option(
    "--format",
    "fmt",
    default=None,
    help="Force a corpus format (see `auditkit corpora`) instead of auto-detection.",
)
@click.option("--split", default=None, help="Split of a hub dataset (aliases set their own).")
@click.option("--revision", default=None, help="Revision (commit/tag) of a hub dataset.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after N utterances (a quick look).",
)
@click.option(
    "--strip-code",
    is_flag=True,
    help="Remove fenced/inline code, URLs and markup before detection (counted).",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Both detectors' probabilities must reach this for an agreed label.",
)
@click.option(
    "--low-resource",
    "low_resource_threshold",
    type=int,
    default=100,
    help="List languages with fewer agreed utterances than this.",
)
@click.option(
    "--fasttext-model",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="fastText model file (lid.176.bin, GlotLID, OpenLID) [default: bundled lid.176.ftz]",
)
@click.option(
    "--langdetect-impl",
    type=click.Choice(["auto", "fast", "reference"]),
    default="auto",
    help="langdetect implementation; both give identical labels.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Detector processes [default: number of CPUs]; results are identical.",
)
@click.option(
    "--shard-size",
    type=click.IntRange(min=1),
    default=10_000,
    help="Utterances per output shard (unit of resumption).",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    help="local: a process pool; ray: Ray Data actors (pip install 'auditkit[ray]').",
)
@click.option(
    "--ray-address",
    default=None,
    help="Join this Ray cluster (e.g. ray://head:10001) [default: start a local one]",
)
@click.option(
    "--keep-text",
    is_flag=True,
    help="Keep the prepared text (what the detectors saw) in the utterance table, so "
    "disagreements can be inspected.",
)
@click.option(
    "--text-field",
    default=None,
    help="Read this field as the utterance text (a schema with e.g. 'content' or 'prompt_text').",
)
@click.option(
    "--messages-field",
    default=None,
    help="Read this field as the chat messages list (e.g. 'conversation' in [{role, content}]).",
)
@click.option("--overwrite", is_flag=True, help="Discard earlier results in --out.")
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the summary JSON here ('-': stdout, and nothing else).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, tables or library chatter.")
def lang(
    source: str,
    out: Path | None,
    fmt: str | None,
    split: str | None,
    revision: str | None,
    limit: int | None,
    strip_code: bool,
    min_confidence: float,
    low_resource_threshold: int,
    fasttext_model: str | None,
    langdetect_impl: str,
    workers: int | None,
    shard_size: int,
    engine: str,
    ray_address: str | None,
    overwrite: bool,
    keep_text: bool,
    text_field: str | None,
    messages_field: str | None,
    json_path: Path | None,
    quiet: bool,
) -> None:
    """Language-ID every utterance of SOURCE with fastText and langdetect.

    SOURCE is a corpus alias (`auditkit corpora` lists them; default: the embedded sample),
    a Hugging Face dataset id, or a local .jsonl/.json/.parquet/.csv/.txt file or folder.
    A label is kept where both detectors agree after normalising their codes; otherwise the
    utterance counts as undetermined ('und'). Rerunning the same command resumes.
    """
    from auditkit.langid.runner import run_lang

    silent = quiet_mode(quiet, json_path)
    out_dir = out or default_out_dir("lang", source)
    summary = run_lang(
        source,
        out_dir,
        workers=workers,
        progress=not silent,
        overwrite=overwrite,
        engine=engine,
        ray_address=ray_address,
        format=fmt,
        split=split,
        revision=revision,
        strip_code=strip_code,
        min_confidence=min_confidence,
        limit=limit,
        low_resource_threshold=low_resource_threshold,
        fasttext_model=fasttext_model,
        langdetect_impl=langdetect_impl,
        shard_size=shard_size,
        keep_text=keep_text,
        text_field=text_field,
        messages_field=messages_field,
    )
    emit_json(summary, json_path)
    if not quiet:
        _say_resumed(out_dir, summary)
    if not silent:
        render_summary(summary, out_dir)


def _say_resumed(out_dir: Path, summary: dict[str, Any]) -> None:
    """'resumed N of M utterances' on stderr when the run continued an earlier one."""
    from auditkit.audit import AUDIT_FILE
    from auditkit.console import err_console
    from auditkit.io import read_json

    try:
        resumed = int(read_json(out_dir / AUDIT_FILE).get("resumed_utterances") or 0)
    except (OSError, ValueError, TypeError):
        return
    if resumed:
        err_console.print(
            f"resumed {resumed:,} of {summary['utterances_total']:,} utterances from the "
            f"shards already in {out_dir}",
            highlight=False,
        )
