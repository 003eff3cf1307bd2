"""The Python API behind `probe-rm --probes languages` (or a parallel CSV/JSONL) and
`probe-rm --pairs`: scoring, analysis and the run folder, for one model or several.

Called from ``run_probe`` (auditkit.probes.api) with the run. Several models: one
subfolder each, and a top summary with the language x model table (mean rank or accuracy per
language and model) and, for the language probe, the Spearman matrix between the models'
language rankings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import SUMMARY_FILE
from auditkit.errors import AuditkitError
from auditkit.io import slug, write_json, write_parquet
from auditkit.probes.run_context import (
    ProbeRun,
    score_models,
    torch_threads,
    unique_names,
    write_run_record,
)
from auditkit.probes.scoring import SCORES_FILE
from auditkit.skips import SkipLog
from auditkit.summaries import LanguageComparisonSummary, PairsProbeSummary

PAIR_OUTCOMES_FILE = "pair_outcomes.parquet"


def run_conversation_probe(run: ProbeRun) -> dict[str, Any]:
    """Score parallel-text rows (language probe) or preference pairs with every model."""
    from auditkit.facts.languages import normalise_code
    from auditkit.probes.parallel import row_chunks

    if not run.models:
        raise AuditkitError("give a MODEL to score")
    reference = normalise_code(run.config.reference_language)
    skips = SkipLog()
    if run.config.pairs:
        kind, (rows, inputs) = "pairs", _pair_rows(run, skips)
    else:
        kind, (rows, inputs) = "languages", _parallel_rows(run, reference, skips)
    threads = torch_threads()
    chunks = row_chunks(rows, run.config.question_chunk)
    scored = score_models(run, chunks, None, threads)
    engine = run.engine_info(len(chunks), threads)
    names = unique_names([s.name for s in scored])
    components: dict[str, Any] = {}
    summaries: dict[str, dict[str, Any]] = {}
    folders: dict[str, Path] = {}
    for n, s in zip(names, scored):
        components[n] = s.components
        if s.ray:
            engine.setdefault("models", {})[n] = s.ray
        long = s.long.copy()
        long["model"] = n
        folders[n] = run.out if len(scored) == 1 else run.out / slug(n)
        if kind == "languages":
            extra = {"probe_set": inputs[0]["probe_set"], "model_id": s.model_id}
            summaries[n] = _write_language_model(run, long, folders[n], reference, skips, extra)
        else:
            summaries[n] = _write_pairs_model(long, folders[n], n, s.model_id, reference, skips)
    summary, findings = _combine(run.out, kind, summaries, folders)
    subfolders = list(folders.values()) if len(scored) > 1 else []
    write_run_record(run, inputs, components, findings, engine=engine, subfolders=subfolders)
    return summary


def _pair_rows(run: ProbeRun, skips: SkipLog) -> tuple[list[Any], list[dict[str, Any]]]:
    """The rows of every chosen/rejected pair of --pairs, labelled with their language."""
    from auditkit.corpora import open_corpus
    from auditkit.probes import pairwise

    c = run.config
    all_pairs, inputs = [], []
    for spec in c.pairs or ():
        corpus = open_corpus(spec, format=c.pairs_format, split=c.pairs_split, skips=skips)
        found = pairwise.pairs_from_utterances(corpus.iter_utterances(), skips)
        if not found:
            raise AuditkitError(f"{spec}: no chosen/rejected pairs found")
        if c.limit is not None:
            found = found[: c.limit]
        inputs.append({**corpus.describe(), "pairs": len(found)})
        all_pairs.extend(found)
    labels = pairwise.label_pairs(all_pairs, run.language_labeller, c.pairs_language)
    return pairwise.pair_rows(all_pairs, labels), inputs


def _parallel_rows(
    run: ProbeRun, reference: str, skips: SkipLog
) -> tuple[list[Any], list[dict[str, Any]]]:
    """The rows of the parallel probe set in its prompt variants."""
    from auditkit.probes import language_probe
    from auditkit.probes.parallel import expand_variants, load_parallel_set

    c = run.config
    pset = load_parallel_set(c.probes).subset(c.limit, c.languages)
    language_probe.check_reference(pset.languages, reference)
    rows, vskips = expand_variants(pset, reference, c.prompt_variants)
    skips.merge(vskips)
    source = {
        "probe_set": pset.name,
        **pset.source,
        "items": len(pset.items),
        "languages": len(pset.languages),
    }
    return rows, [source]


def _write_language_model(
    run: ProbeRun,
    long: pd.DataFrame,
    folder: Path,
    reference: str,
    skips: SkipLog | None,
    extra: dict[str, Any],
) -> dict[str, Any]:
    from auditkit.probes import language_probe

    c = run.config
    stats, summary, ranks = language_probe.analyze_languages(
        long, reference, c.n_resamples, seed=c.seed, skips=skips
    )
    summary.update(extra)
    language_probe.write_language_run(folder, long, stats, summary, ranks)
    return summary


def _write_pairs_model(
    long: pd.DataFrame, folder: Path, name: str, model_id: str, reference: str, skips: SkipLog
) -> dict[str, Any]:
    from auditkit.probes import pairwise

    outcomes = pairwise.pair_outcomes(long)
    from auditkit.probes.slot_analysis import scored_by

    summary: PairsProbeSummary = {
        "kind": "probe-rm",
        "probe": "pairs",
        "model": name,
        "model_id": model_id,
        **scored_by(long.iloc[0]),
        "n_pairs": len(outcomes),
        "language_source": _language_sources(outcomes),
        "pairwise_accuracy": pairwise.accuracy_by_language(outcomes, reference),
        "skips": skips.as_dict(),
    }
    folder.mkdir(parents=True, exist_ok=True)
    write_parquet(long, folder / SCORES_FILE)
    write_parquet(outcomes, folder / PAIR_OUTCOMES_FILE)
    write_json(folder / SUMMARY_FILE, summary)
    return summary


def _combine(
    out: Path, kind: str, summaries: dict[str, dict[str, Any]], folders: dict[str, Path]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's summary and findings: one model's, or the comparison of several (written)."""
    from auditkit.probes import language_probe, pairwise

    find = language_probe.findings if kind == "languages" else pairwise.findings
    if len(summaries) == 1:
        summary = next(iter(summaries.values()))
        return summary, find(summary)
    summary: LanguageComparisonSummary = {
        "kind": "probe-rm",
        "probe": kind,
        "models": {
            n: {"folder": str(folders[n].relative_to(out)), **find(s)} for n, s in summaries.items()
        },
        "language_by_model": language_by_model(summaries, kind),
    }
    if kind == "languages":
        summary["ranking_correlations"] = _language_ranking_correlations(summaries)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / SUMMARY_FILE, summary)
    return summary, {"models": {n: find(s) for n, s in summaries.items()}}


def _language_ranking_correlations(summaries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    from auditkit.probes.slot_analysis import filler_ranking_correlations

    return filler_ranking_correlations(
        {n: {e["code"]: e["mean_rank"] for e in s["languages"]} for n, s in summaries.items()}
    )


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


def analyze_language_score_files(run: ProbeRun, files: Sequence[Path]) -> dict[str, Any]:
    """`probe-rm --scores RUN`: the language analysis again on existing language-probe scores
    (another reference language, bootstrap or seed), no model; one subfolder per model."""
    from auditkit.facts.languages import normalise_code
    from auditkit.io import sha256_file
    from auditkit.probes import language_probe

    reference = normalise_code(run.config.reference_language)
    parts, inputs = [], []
    for f in files:
        df = pd.read_parquet(f)
        inputs.append({"path": str(f), "sha256": sha256_file(f), "rows": len(df)})
        parts.append(df[[c for c in language_probe.LONG_COLUMNS if c in df.columns]])
    long_all = pd.concat(parts, ignore_index=True)
    models = list(dict.fromkeys(long_all["model"]))
    summaries, folders = {}, {}
    for m in models:
        long = long_all[long_all["model"] == m].reset_index(drop=True)
        language_probe.check_reference(list(dict.fromkeys(long["language"])), reference)
        folders[m] = run.out if len(models) == 1 else run.out / slug(m)
        summaries[m] = _write_language_model(run, long, folders[m], reference, None, {})
    summary, findings = _combine(run.out, "languages", summaries, folders)
    write_run_record(run, inputs, {}, findings)
    return summary
