"""The Python API behind `probe-rm --probes languages` (or a parallel CSV/JSONL) and
`probe-rm --pairs`: scoring, analysis and the run folder, for one model or several.

Called from ``probe_rm`` (auditkit.probes.api) with its arguments. Several models: one
subfolder each, and a top summary with the language x model table (mean rank or accuracy per
language and model) and, for the language probe, the Spearman matrix between the models'
language rankings.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import SUMMARY_FILE, build_record, write_record
from auditkit.errors import AuditkitError
from auditkit.io import slug, write_json, write_parquet
from auditkit.modeling import LoadOptions
from auditkit.skips import SkipLog

PAIR_OUTCOMES_FILE = "pair_outcomes.parquet"


def run_conversation_probe(
    *,
    models: list[str],
    pairs: Sequence[str] | None,
    probes: str,
    out: Path,
    config: dict[str, Any],
    started: str,
    t0: float,
    build_kwargs: dict[str, Any],
    opts: LoadOptions,
    engine: str,
    token_budget: int | None,
    max_batch_size: int,
    reuse_prefix: bool,
    question_chunk: int,
    limit: int | None,
    reference_language: str,
    languages: Sequence[str] | None,
    prompt_variants: Sequence[str],
    pairs_format: str | None,
    pairs_split: str | None,
    pairs_language: str,
    language_labeller: Callable[[list[str]], list[str]] | None,
    n_resamples: int,
    seed: int,
    progress: bool,
) -> dict[str, Any]:
    from auditkit.facts.languages import normalise_code
    from auditkit.modeling import require_torch
    from auditkit.probes import language_probe, pairwise
    from auditkit.probes.parallel import expand_variants, load_parallel_set, row_chunks

    if not models:
        raise AuditkitError("give a MODEL to score")
    reference = normalise_code(reference_language)
    skips = SkipLog()
    inputs: list[dict[str, Any]] = []
    if pairs:
        from auditkit.corpora import open_corpus

        all_pairs = []
        for spec in pairs:
            corpus = open_corpus(spec, format=pairs_format, split=pairs_split, skips=skips)
            found = pairwise.pairs_from_utterances(corpus.iter_utterances(), skips)
            if not found:
                raise AuditkitError(f"{spec}: no chosen/rejected pairs found")
            if limit is not None:
                found = found[:limit]
            inputs.append({**corpus.describe(), "pairs": len(found)})
            all_pairs.extend(found)
        labels = pairwise.label_pairs(all_pairs, language_labeller, pairs_language)
        rows = pairwise.pair_rows(all_pairs, labels)
        kind = "pairs"
    else:
        pset = load_parallel_set(probes).subset(limit, languages)
        language_probe.check_reference(pset.languages, reference)
        rows, vskips = expand_variants(pset, reference, prompt_variants)
        skips.merge(vskips)
        inputs.append(
            {
                "probe_set": pset.name,
                **pset.source,
                "items": len(pset.items),
                "languages": len(pset.languages),
            }
        )
        kind = "languages"
    threads = int(require_torch().get_num_threads())
    chunks = row_chunks(rows, question_chunk)
    if engine == "ray":
        from auditkit.raytools import init_ray

        init_ray(config.get("ray_address"), None)
    scored = language_probe.score_models(
        models,
        build_kwargs,
        opts,
        chunks,
        engine=engine,
        token_budget=token_budget,
        max_batch_size=max_batch_size,
        reuse_prefix=reuse_prefix,
        threads=threads,
        progress=progress,
    )
    engine_info: dict[str, Any] = {
        "name": engine,
        "question_chunk": question_chunk,
        "chunks": len(chunks),
        "torch_threads": threads,
    }
    names = [s[0] for s in scored]
    if len(set(names)) != len(names):
        names = [f"{n}#{i + 1}" for i, n in enumerate(names)]
    components: dict[str, Any] = {}
    summaries: dict[str, dict[str, Any]] = {}
    folders: dict[str, Path] = {}
    for n, (_, long, model_id, comps, info) in zip(names, scored):
        components[n] = comps
        if info:
            engine_info.setdefault("models", {})[n] = {
                k: v for k, v in info.items() if k != "wall_s"
            }
        long = long.copy()
        long["model"] = n
        d = out if len(scored) == 1 else out / slug(n)
        folders[n] = d
        if kind == "languages":
            stats, summary, ranks = language_probe.analyze_languages(
                long, reference, n_resamples, seed=seed, skips=skips
            )
            summary.update({"probe_set": inputs[0]["probe_set"], "model_id": model_id})
            language_probe.write_language_run(d, long, stats, summary, ranks)
        else:
            outcomes = pairwise.pair_outcomes(long)
            summary = {
                "kind": "probe-rm",
                "probe": "pairs",
                "model": n,
                "model_id": model_id,
                "revision": long["revision"].iloc[0]
                if isinstance(long["revision"].iloc[0], str)
                else None,
                "scorer": str(long["scorer"].iloc[0]),
                "score": str(long["score_name"].iloc[0]),
                "favourable": str(long["favourable"].iloc[0]),
                "n_pairs": len(outcomes),
                "language_source": _language_sources(outcomes),
                "pairwise_accuracy": pairwise.accuracy_by_language(outcomes, reference),
                "skips": skips.as_dict(),
            }
            d.mkdir(parents=True, exist_ok=True)
            from auditkit.probes.api import SCORES_FILE

            write_parquet(long, d / SCORES_FILE)
            write_parquet(outcomes, d / PAIR_OUTCOMES_FILE)
            write_json(d / SUMMARY_FILE, summary)
        summaries[n] = summary
    find = language_probe.findings if kind == "languages" else pairwise.findings
    if len(scored) == 1:
        summary = next(iter(summaries.values()))
        findings = find(summary)
    else:
        summary = {
            "kind": "probe-rm",
            "probe": kind,
            "models": {
                n: {"folder": str(folders[n].relative_to(out)), **find(s)}
                for n, s in summaries.items()
            },
            "language_by_model": language_by_model(summaries, kind),
        }
        if kind == "languages":
            from auditkit.probes.slot_analysis import filler_ranking_correlations

            summary["ranking_correlations"] = filler_ranking_correlations(
                {
                    n: {e["code"]: e["mean_rank"] for e in s["languages"]}
                    for n, s in summaries.items()
                }
            )
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / SUMMARY_FILE, summary)
        findings = {"models": {n: find(s) for n, s in summaries.items()}}
    record = build_record(
        "probe-rm",
        config,
        inputs,
        components,
        findings,
        started,
        extra={
            "timings": {"total_s": round(time.perf_counter() - t0, 3)},
            "engine": engine_info,
        },
    )
    write_record(out, record)
    if len(scored) > 1:
        for d in folders.values():
            write_record(d, record)
    return summary


def _language_sources(outcomes: pd.DataFrame) -> dict[str, int]:
    return {k: int(v) for k, v in outcomes["language_from"].value_counts().sort_index().items()}


def language_by_model(summaries: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    """The language x model table: mean rank (language probe) or accuracy (pairs)."""
    if kind == "languages":
        per = {n: {e["code"]: e for e in s["languages"]} for n, s in summaries.items()}
        value = "mean_rank"
    else:
        per = {
            n: {e["code"]: e for e in s["pairwise_accuracy"]["by_language"]}
            for n, s in summaries.items()
        }
        value = "accuracy"
    codes = list(dict.fromkeys(c for v in per.values() for c in v))
    return {
        "value": value,
        "models": list(per),
        "rows": [
            {
                "code": c,
                **{m: (per[m][c][value] if c in per[m] else None) for m in per},
                "n": {m: (per[m][c]["n"] if c in per[m] else 0) for m in per},
            }
            for c in codes
        ],
    }


def language_scores_file(path: str | Path) -> Path | None:
    """The scores.parquet of a language-probe run (the file or its run folder), else None."""
    from auditkit.probes.api import SCORES_FILE

    p = Path(path)
    if p.is_dir():
        p = p / SCORES_FILE
    if p.suffix != ".parquet" or not p.is_file():
        return None
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(p).names)
    except Exception:  # not readable as parquet: the country readers report it
        return None
    return p if {"item_id", "variant", "language", "score", "model"} <= names else None


def analyze_language_score_files(
    files: Sequence[Path],
    *,
    out: Path,
    config: dict[str, Any],
    started: str,
    t0: float,
    reference_language: str,
    n_resamples: int,
    seed: int,
) -> dict[str, Any]:
    """`probe-rm --scores RUN`: the language analysis again on existing language-probe scores
    (another reference language, bootstrap or seed), no model; one subfolder per model."""
    from auditkit.facts.languages import normalise_code
    from auditkit.io import sha256_file
    from auditkit.probes import language_probe

    reference = normalise_code(reference_language)
    keep = [c for c in language_probe.LONG_COLUMNS]
    parts, inputs = [], []
    for f in files:
        df = pd.read_parquet(f)
        inputs.append({"path": str(f), "sha256": sha256_file(f), "rows": len(df)})
        parts.append(df[[c for c in keep if c in df.columns]])
    long_all = pd.concat(parts, ignore_index=True)
    models = list(dict.fromkeys(long_all["model"]))
    summaries, folders = {}, {}
    for m in models:
        long = long_all[long_all["model"] == m].reset_index(drop=True)
        language_probe.check_reference(list(dict.fromkeys(long["language"])), reference)
        stats, summary, ranks = language_probe.analyze_languages(
            long, reference, n_resamples, seed=seed
        )
        d = out if len(models) == 1 else out / slug(m)
        folders[m] = d
        language_probe.write_language_run(d, long, stats, summary, ranks)
        summaries[m] = summary
    if len(models) == 1:
        summary = summaries[models[0]]
        findings = language_probe.findings(summary)
    else:
        from auditkit.probes.slot_analysis import filler_ranking_correlations

        summary = {
            "kind": "probe-rm",
            "probe": "languages",
            "models": {
                n: {"folder": str(folders[n].relative_to(out)), **language_probe.findings(s)}
                for n, s in summaries.items()
            },
            "language_by_model": language_by_model(summaries, "languages"),
            "ranking_correlations": filler_ranking_correlations(
                {
                    n: {e["code"]: e["mean_rank"] for e in s["languages"]}
                    for n, s in summaries.items()
                }
            ),
        }
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / SUMMARY_FILE, summary)
        findings = {"models": {n: language_probe.findings(s) for n, s in summaries.items()}}
    record = build_record(
        "probe-rm", config, inputs, {}, findings, started,
        extra={"timings": {"total_s": round(time.perf_counter() - t0, 3)}},
    )  # fmt: skip
    write_record(out, record)
    return summary
