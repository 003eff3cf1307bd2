"""The country probe of `probe-rm`: score country-template questions with each model (or read
existing score files), rank countries per question and write the run folder.

One model (or score file): its run folder. Several: one subfolder each, and a top summary with
the Spearman matrix between their country rankings.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.audit import SUMMARY_FILE
from auditkit.io import slug, write_json, write_parquet
from auditkit.probes.analysis import (
    Analysis,
    ScoreMatrix,
    Survey,
    analyze,
    builtin_surveys,
    load_surveys,
    ranking_correlations,
)
from auditkit.probes.countries import Country, iso3, resolve_countries
from auditkit.probes.run_context import (
    ProbeRun,
    score_models,
    torch_threads,
    unique_names,
    write_run_record,
)
from auditkit.probes.scoring import SCORES_FILE, question_chunks
from auditkit.summaries import ProbeComparisonSummary

COUNTRY_STATS_FILE = "country_stats.parquet"

# (score matrix, its analysis, what the model's summary adds)
ModelResult = tuple[ScoreMatrix, Analysis, dict[str, Any]]


def matrix_from_long(df: pd.DataFrame, source: dict[str, Any] | None = None) -> ScoreMatrix:
    """The question x country matrix of one model's long scores (as score_questions returns)."""
    models = df["model"].unique()
    if len(models) != 1:
        raise ValueError(f"expected one model, got {list(models)}")
    questions = df[
        ["question_id", "question", "sentiment", "category", "search_query", "template"]
    ].drop_duplicates("question_id")
    countries = list(dict.fromkeys(df["country"]))
    wide = df.pivot(index="question_id", columns="country", values="score").reindex(
        index=questions["question_id"], columns=countries
    )
    texts = df.pivot(index="question_id", columns="country", values="text").reindex(
        index=questions["question_id"], columns=countries
    )
    first = df.iloc[0]
    return ScoreMatrix(
        model=str(models[0]),
        favourable=str(first["favourable"]),
        score_name=str(first["score_name"]),
        questions=questions.reset_index(drop=True),
        countries=countries,
        values=wide.to_numpy(dtype=np.float64),
        revision=first["revision"] if isinstance(first["revision"], str) else None,
        scorer=str(first["scorer"]),
        texts=texts.to_numpy(dtype=object),
        source=source or {},
    )


def long_scores(matrix: ScoreMatrix, analysis: Analysis) -> pd.DataFrame:
    """Every score with its per-question rank (null for countries outside the analysis)."""
    nq, nc = matrix.values.shape
    rank = np.full((nq, nc), np.nan)
    rank[np.ix_(analysis.kept_questions, analysis.kept_countries)] = analysis.ranks
    q = matrix.questions
    codes = [iso3(c) for c in matrix.countries]
    texts = matrix.texts if matrix.texts is not None else np.full((nq, nc), None, dtype=object)
    df = pd.DataFrame(
        {
            "model": matrix.model,
            "revision": matrix.revision,
            "scorer": matrix.scorer,
            "score_name": matrix.score_name,
            "favourable": matrix.favourable,
            "question_id": np.repeat(q["question_id"].to_numpy(dtype=object), nc),
            "question": np.repeat(q["question"].to_numpy(dtype=object), nc),
            "sentiment": np.repeat(q["sentiment"].to_numpy(dtype=object), nc),
            "category": np.repeat(q["category"].to_numpy(dtype=object), nc),
            "search_query": np.repeat(q["search_query"].to_numpy(dtype=object), nc),
            "template": np.repeat(q["template"].to_numpy(dtype=object), nc),
            "country": np.tile(np.array(matrix.countries, dtype=object), nq),
            "iso3": np.tile(np.array(codes, dtype=object), nq),
            "text": texts.reshape(-1),
            "score": matrix.values.reshape(-1),
            "rank": rank.reshape(-1),
        }
    )
    for col in ("question", "category", "search_query", "template", "text", "revision", "scorer"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def _surveys(survey_files: Sequence[str] | None) -> list[Survey]:
    if not survey_files:
        return builtin_surveys()
    out: list[Survey] = []
    for f in survey_files:
        out.extend(load_surveys(f))
    return out


def _write_model_run(
    out_dir: Path, matrix: ScoreMatrix, analysis: Analysis, extra: dict[str, Any]
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(long_scores(matrix, analysis), out_dir / SCORES_FILE)
    write_parquet(analysis.country_stats, out_dir / COUNTRY_STATS_FILE)
    summary = {**analysis.summary, **extra}
    write_json(out_dir / SUMMARY_FILE, summary)
    return summary


def _findings(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": summary["model"],
        "correlations": {
            k: {"rho": v["rho"], "p": v["p"], "n": v["n"]}
            for k, v in summary["correlations"].items()
        },
        "reference_country": summary["reference_country"],
        "reference_rank": summary["reference_rank"],
        "share_ranked_below_reference": summary["share_ranked_below_reference"],
        "top_countries": [c["country"] for c in summary["countries"][:5]],
        "bottom_countries": [c["country"] for c in summary["countries"][-5:]],
    }


def _analysis_options(run: ProbeRun) -> dict[str, Any]:
    c = run.config
    return dict(
        reference=c.reference_country,
        ties=c.ties,
        surveys=_surveys(c.surveys),
        n_resamples=c.n_resamples,
        seed=c.seed,
    )


def wanted_countries(run: ProbeRun) -> list[Country] | None:
    """The countries to analyse (None: every country in the scores)."""
    countries = run.config.countries
    return None if countries in ("all", None) else resolve_countries(countries)


def analyse_score_files(run: ProbeRun, wanted: list[Country] | None) -> dict[str, Any]:
    """`probe-rm --scores FILE...`: the analysis on existing scores, no model."""
    from auditkit.probes.scorefiles import read_scores

    analysis_kw = _analysis_options(run)
    inputs: list[dict[str, Any]] = []
    results: list[ModelResult] = []
    for path in run.config.scores or ():
        for m in read_scores(path, favourable=run.config.favourable):
            inputs.append(m.source)
            results.append((m, analyze(m, wanted, **analysis_kw), {"source": m.source}))
    return write_country_run(run, results, inputs, {})


def probe_countries(run: ProbeRun, probe_set: Any, wanted: list[Country] | None) -> dict[str, Any]:
    """Score the country templates of ``probe_set`` with every model and rank countries."""
    analysis_kw = _analysis_options(run)
    countries = wanted or resolve_countries("study-181")
    inputs = [
        {"probe_set": probe_set.name, **probe_set.source, "questions": len(probe_set.questions)},
        {
            "countries": run.config.countries if isinstance(run.config.countries, str) else "list",
            "n": len(countries),
        },
        *model_input_records(run),
    ]
    threads = torch_threads()
    chunks = question_chunks(probe_set.questions, run.config.question_chunk)
    engine = run.engine_info(len(chunks), threads)
    components: dict[str, Any] = {}
    results: list[ModelResult] = []
    for s in score_models(run, chunks, countries, threads):
        m = matrix_from_long(s.long)
        m.model = s.name
        components[s.name] = s.components
        if run.engine == "ray":
            engine.setdefault("ray", {})[s.name] = s.ray
        extra = {"probe_set": probe_set.name, "model_id": s.model_id}
        results.append((m, analyze(m, wanted, **analysis_kw), extra))
    return write_country_run(run, results, inputs, components, engine)


def model_input_records(run: ProbeRun) -> list[dict[str, Any]]:
    """The models, reference model, base model and adapter as inputs of the record."""
    from auditkit import hub

    c = run.config
    named = [(m, "model") for m in run.models] + [
        (c.reference_model, "reference model"),
        (c.base_model, "base model"),
        (run.load_options().peft, "peft adapter"),
    ]
    return [r for name, role in named if (r := hub.model_input_record(name, role)) is not None]


def write_country_run(
    run: ProbeRun,
    results: list[ModelResult],
    inputs: list[dict[str, Any]],
    components: dict[str, Any],
    engine: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The run folder: one model's, or a comparison with a subfolder per model."""
    out = run.out
    if len(results) == 1:
        m, a, extra = results[0]
        summary = _write_model_run(out, m, a, extra)
        write_run_record(run, inputs, components, _findings(summary), engine=engine)
        return summary
    names = unique_names([m.model for m, _, _ in results])
    summaries = {}
    for n, (m, a, extra) in zip(names, results):
        summaries[n] = _write_model_run(out / slug(n), m, a, extra)
    corr = ranking_correlations({n: a for n, (_, a, _) in zip(names, results)})
    summary: ProbeComparisonSummary = {
        "kind": "probe-rm",
        "models": {
            n: {"folder": str((out / slug(n)).relative_to(out)), **_findings(summaries[n])}
            for n in names
        },
        "ranking_correlations": corr,
    }
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / SUMMARY_FILE, summary)
    findings = {
        "models": {n: _findings(s) for n, s in summaries.items()},
        "ranking_correlations": corr,
    }
    subfolders = [out / slug(n) for n in summaries]
    write_run_record(run, inputs, components, findings, engine=engine, subfolders=subfolders)
    return summary
