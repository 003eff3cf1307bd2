"""Python API of `auditkit probe-rm`: score probes with a model, or analyse existing scores.

``probe_rm(model=..., ...)`` / ``probe_rm(scores=[...], ...)`` do the whole run and return the
summary dict; the CLI is a thin layer over it. ``score_questions`` is the scoring loop on its
own: it scores any subset of questions and returns a long DataFrame, so a distributed engine
can split the questions, score the parts anywhere and concatenate the results.

Scores depend on batch composition in their last bits (length-sorted dynamic padding groups
different sequences in a different set of questions). So both engines cut the questions into
the same fixed chunks (``question_chunks``), score each chunk with its own batch plan and
concatenate in question order: `--engine local` one chunk after another, `--engine ray` on a
pool of actors (auditkit.probes.ray_engine). Their scores and summaries are then identical.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.audit import SUMMARY_FILE, build_record, utc_now, write_record
from auditkit.errors import AuditkitError
from auditkit.io import default_out_dir, holds_run_folder, slug, write_json, write_parquet
from auditkit.modeling import LoadOptions
from auditkit.probes.analysis import (
    Analysis,
    ScoreMatrix,
    Survey,
    analyze,
    builtin_surveys,
    load_surveys,
    ranking_correlations,
)
from auditkit.probes.batching import (
    default_token_budget,
    run_batches,
    run_group_with_prefix,
)
from auditkit.probes.countries import Country, resolve_countries
from auditkit.probes.probesets import Question, load_probe_set
from auditkit.probes.scorefiles import read_scores
from auditkit.probes.scorers import KNOWN_MODELS, Scorer, build_scorer

SCORES_FILE = "scores.parquet"
COUNTRY_STATS_FILE = "country_stats.parquet"
LONG_COLUMNS = (
    "model",
    "revision",
    "scorer",
    "score_name",
    "favourable",
    "question_id",
    "question",
    "sentiment",
    "category",
    "search_query",
    "template",
    "country",
    "iso3",
    "text",
    "score",
    "rank",
)
ENGINES = ("local", "ray")
# Questions per chunk: the unit of work the Ray engine hands out, and a batch plan's scope for
# both engines. 16 questions x 181 countries fill several batches, and 554 questions make 35
# chunks: enough to keep 8 GPUs busy to the end.
DEFAULT_QUESTION_CHUNK = 16


def score_questions(
    scorer: Scorer,
    questions: Sequence[Question],
    countries: Sequence[Country],
    token_budget: int | None = None,
    max_batch_size: int = 512,
    progress: bool = False,
    reuse_prefix: bool = False,
    on_scored: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Score every (question, country) pair; one row each, questions-major.

    Works on any subset of questions; results of disjoint subsets concatenate into the result
    of the whole set (scores do not depend on what else is in a batch, to float tolerance).

    ``reuse_prefix``: the sequences of one question share a token prefix (chat markup, the
    question, the response up to the country); run the model over it once and let every
    country's sequence continue from its key/value cache.

    ``on_scored(n)`` is called after every batch with the number of sequences it scored.
    """
    from auditkit.console import make_progress

    pairs = [(q, c) for q in questions for c in countries]
    rendered = scorer.render_many(pairs)
    encoded = [r.encoded for r in rendered]
    budget = token_budget or default_token_budget(scorer.device)
    scores = np.full(len(pairs), np.nan)
    with make_progress("seq", disable=not progress) as bar:
        task = bar.add_task(f"scoring {scorer.model_id}", total=len(pairs))

        def advance(n: int) -> None:
            bar.advance(task, n)
            if on_scored is not None:
                on_scored(n)

        if not (reuse_prefix and scorer.supports_prefix):
            scores, budget = run_batches(
                encoded, scorer.score_batch, scorer.pad_id, budget, max_batch_size, advance
            )
        else:
            per_q = len(countries)
            for i in range(0, len(pairs), per_q):
                s, budget = run_group_with_prefix(
                    encoded[i : i + per_q], scorer, budget, max_batch_size, advance
                )
                scores[i : i + per_q] = s
    df = pd.DataFrame(
        {
            "model": scorer.model_id,
            "revision": scorer.revision,
            "scorer": scorer.kind,
            "score_name": scorer.score_name,
            "favourable": scorer.favourable,
            "question_id": [q.question_id for q, _ in pairs],
            "question": [q.question for q, _ in pairs],
            "sentiment": [q.sentiment for q, _ in pairs],
            "category": [q.category for q, _ in pairs],
            "search_query": [q.search_query for q, _ in pairs],
            "template": [q.response for q, _ in pairs],
            "country": [c.name for _, c in pairs],
            "iso3": [c.iso3 for _, c in pairs],
            "text": [r.text for r in rendered],
            "n_tokens": np.array([len(e) for e in encoded], dtype=np.int32),
            "score": scores,
        }
    )
    df.attrs["token_budget"] = budget
    return df


def question_chunks(questions: Sequence[Question], size: int) -> list[list[Question]]:
    """Consecutive chunks of ``size`` questions (the last may be shorter): the same for every
    engine, so every engine scores the same batches. No questions: one empty chunk."""
    if size < 1:
        raise AuditkitError(f"--question-chunk must be at least 1, got {size}")
    return [list(questions[i : i + size]) for i in range(0, max(len(questions), 1), size)]


def concat_chunks(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The long scores of consecutive chunks as one frame (the token budget: the smallest
    any chunk ended with)."""
    df = pd.concat(list(parts), ignore_index=True)
    budgets = [p.attrs["token_budget"] for p in parts if p.attrs.get("token_budget")]
    df.attrs["token_budget"] = min(budgets) if budgets else None
    return df


def score_chunks(
    scorer: Scorer,
    chunks: Sequence[Sequence[Question]],
    countries: Sequence[Country],
    token_budget: int | None = None,
    max_batch_size: int = 512,
    progress: bool = False,
    reuse_prefix: bool = False,
) -> pd.DataFrame:
    """The local engine: ``score_questions`` on each chunk in turn, one progress bar."""
    from auditkit.console import make_progress

    parts = []
    budget = token_budget
    total = sum(len(c) for c in chunks) * len(countries)
    with make_progress("seq", disable=not progress) as bar:
        task = bar.add_task(f"scoring {scorer.model_id}", total=total)
        for chunk in chunks:
            df = score_questions(
                scorer,
                chunk,
                countries,
                budget,
                max_batch_size,
                False,
                reuse_prefix,
                on_scored=lambda n: bar.advance(task, n),
            )
            # An out-of-memory back-off holds for the chunks after it (as on a Ray actor).
            budget = df.attrs.get("token_budget") or budget
            parts.append(df)
    return concat_chunks(parts)


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
    from auditkit.probes.countries import iso3

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


def _run_slot_probe(probe_set, models, out, config, started, t0, kw) -> dict[str, Any]:
    """A ``{language}`` or user-list template probe (auditkit.probes.slot_probe)."""
    from auditkit.facts.languages import normalise_code
    from auditkit.probes.slot_probe import run_slot_probe
    from auditkit.probes.slots import resolve_fillers

    slot = probe_set.slot
    fillers = resolve_fillers(slot, kw["languages"])
    if slot.kind == "language":
        reference = normalise_code(slot.reference or kw["reference_language"])
    else:
        reference = slot.reference
    return run_slot_probe(
        models=models,
        probe_set=probe_set,
        fillers=fillers,
        reference=reference,
        out=Path(out) if out is not None else default_out(kw["model"], None),
        config=config,
        started=started,
        t0=t0,
        build_kwargs=dict(
            scorer=kw["scorer"],
            reference=kw["reference_model"],
            beta=kw["beta"],
            base_model=kw["base_model"],
            use_chat_template=kw["use_chat_template"],
            lm_span=kw["lm_span"],
        ),
        opts=LoadOptions(
            dtype=kw["dtype"],
            device=kw["device"],
            revision=kw["revision"],
            load_in_8bit=kw["load_in_8bit"],
            load_in_4bit=kw["load_in_4bit"],
        ),
        engine=kw["engine"],
        token_budget=kw["token_budget"],
        max_batch_size=kw["max_batch_size"],
        reuse_prefix=kw["reuse_prefix"],
        question_chunk=kw["question_chunk"],
        n_resamples=kw["n_resamples"],
        seed=kw["seed"],
        progress=kw["progress"],
    )


def default_out(model: str | Sequence[str] | None, scores: Sequence[str] | None) -> Path:
    """reports/probe-rm/<model or score-file name>; several: reports/probe-rm/compare-a-vs-b.

    Model ids keep their owner ('org/model' -> 'org__model', see ``slug``) so that two
    models of one name from different owners get different folders."""
    names = [model] if isinstance(model, str) else list(model or [])
    if scores:
        names = [Path(s).stem if Path(s).suffix else Path(s).name for s in scores]
    root = default_out_dir("probe-rm", "x").parent
    if len(names) == 1:
        return root / slug(names[0])
    name = "compare-" + "-vs-".join(slug(n) for n in names)
    if len(name) > 120:
        name = name[:100] + "-" + hashlib.sha256("\0".join(names).encode()).hexdigest()[:10]
    return root / name


@holds_run_folder(lambda a: a["out"] or default_out(a["model"], a["scores"]))
def probe_rm(
    model: str | Sequence[str] | None = None,
    scores: Sequence[str] | None = None,
    out: str | Path | None = None,
    *,
    probes: str = "default",
    probes_revision: str | None = None,
    countries: str | Sequence[str] | None = "study-181",
    scorer: str | None = None,
    reference_model: str | None = None,
    beta: float | None = None,
    base_model: str | None = None,
    use_chat_template: bool | None = None,
    lm_span: str = "country",
    dtype: str = "auto",
    device: str = "auto",
    revision: str | None = None,
    load_in_8bit: bool = False,
    load_in_4bit: bool = False,
    token_budget: int | None = None,
    max_batch_size: int = 512,
    reuse_prefix: bool = True,
    question_chunk: int = DEFAULT_QUESTION_CHUNK,
    engine: str = "local",
    ray_address: str | None = None,
    limit: int | None = None,
    favourable: str | None = None,
    reference_country: str = "USA",
    ties: str = "study",
    surveys: Sequence[str] | None = None,
    n_resamples: int = 2000,
    seed: int = 0,
    pairs: Sequence[str] | None = None,
    pairs_format: str | None = None,
    pairs_split: str | None = None,
    pairs_language: str = "prompt",
    reference_language: str = "en",
    languages: Sequence[str] | None = None,
    prompt_variants: Sequence[str] = ("native", "reference"),
    progress: bool = False,
    language_labeller: Callable[[list[str]], list[str]] | None = None,
    model_args: str | dict[str, Any] | None = None,
    batch_size: int | None = None,
) -> dict[str, Any]:
    """Probe MODEL(s) with country templates, or analyse existing SCORES; write a run folder.

    ``probes="languages"`` (or a parallel CSV/JSONL: item_id, language, prompt, response)
    ranks languages instead (auditkit.probes.language_probe); ``pairs=[DATA...]`` scores the
    chosen and rejected answers of preference corpora and reports accuracy by language
    (auditkit.probes.pairwise). ``language_labeller`` labels pairs without a language column
    (the CLI passes language ID; it is not part of the recorded configuration).

    ``model_args`` takes lm-evaluation-harness's ``--model_args`` spelling
    ('revision=R,dtype=bfloat16,peft=ADAPTER,trust_remote_code=True,device_map=auto,
    attn_implementation=sdpa'; ``pretrained=ID`` stands for MODEL). ``batch_size`` fixes the
    sequences per forward pass instead of the automatic token budget.

    Returns the summary written to ``out/summary.json``. With several models (or score files,
    or a parquet holding several models) each gets a subfolder and the top summary holds the
    Spearman matrix between their country rankings.

    ``engine="ray"`` scores on Ray actors (the cluster at ``ray_address``, else a local one);
    both engines score the same ``question_chunk``-question chunks with the same torch thread
    count, so the scores and summary.json are identical to a local run's.
    """
    config = {k: v for k, v in locals().items() if k not in ("progress", "language_labeller")}
    config["model"] = list(model) if isinstance(model, (list, tuple)) else model
    config["scores"] = list(scores) if scores else None
    for key in ("pairs", "languages", "prompt_variants"):
        config[key] = list(config[key]) if config[key] is not None else None
    started = utc_now()
    t0 = time.perf_counter()
    models = [model] if isinstance(model, str) else list(model or [])
    from auditkit.modeling import parse_model_args

    pretrained = parse_model_args(model_args).get("pretrained")
    if pretrained and not models and not scores:
        models = [pretrained]
    if batch_size is not None:
        if batch_size < 1:
            raise AuditkitError(f"--batch-size must be at least 1, got {batch_size}")
        # a fixed number of sequences per batch: the token budget no longer limits it
        max_batch_size = batch_size
        token_budget = token_budget or 1 << 40

    def preflight() -> None:
        """Seconds, not minutes, when Ray or a model is missing: before torch is imported."""
        if models and engine == "ray":
            from auditkit.raytools import require_ray

            require_ray()  # a missing Ray says how to install it before the Hub is tried
        if models:
            from auditkit import hub

            rev = parse_model_args(model_args).get("revision", revision)
            for name in models:
                spec = KNOWN_MODELS.get(name) if name in KNOWN_MODELS else None
                hub.preflight_model(spec.model_id if spec else name, rev)
            hub.preflight_model(reference_model, None, "reference model")

    from auditkit.probes.parallel import is_parallel_spec

    if pairs or (models and is_parallel_spec(probes)):
        if scores:
            raise AuditkitError(
                "--scores analyses country scores; not with --pairs or --probes languages"
            )
        if engine not in ENGINES:
            raise AuditkitError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")
        preflight()
        from auditkit.probes.conversation_api import run_conversation_probe

        out_dir = Path(out) if out is not None else default_out(model, None)
        return run_conversation_probe(
            models=models,
            pairs=list(pairs) if pairs else None,
            probes=probes,
            out=out_dir,
            config=config,
            started=started,
            t0=t0,
            build_kwargs=dict(
                scorer=scorer,
                reference=reference_model,
                beta=beta,
                base_model=base_model,
                use_chat_template=use_chat_template,
                lm_span=lm_span,
            ),
            opts=LoadOptions(
                dtype=dtype,
                device=device,
                revision=revision,
                load_in_8bit=load_in_8bit,
                load_in_4bit=load_in_4bit,
            ).with_model_args(model_args),
            engine=engine,
            token_budget=token_budget,
            max_batch_size=max_batch_size,
            reuse_prefix=reuse_prefix,
            question_chunk=question_chunk,
            limit=limit,
            reference_language=reference_language,
            languages=languages,
            prompt_variants=prompt_variants,
            pairs_format=pairs_format,
            pairs_split=pairs_split,
            pairs_language=pairs_language,
            language_labeller=language_labeller,
            n_resamples=n_resamples,
            seed=seed,
            progress=progress,
        )
    if models and scores:
        raise AuditkitError("give a MODEL to score, or --scores FILE to analyse, not both")
    if not models and not scores:
        raise AuditkitError(
            "give a MODEL to score (e.g. `auditkit probe-rm starling`) or --scores FILE to "
            "analyse existing scores"
        )
    wanted = None if countries in ("all", None) else resolve_countries(countries)
    survey_list = _surveys(surveys)
    if engine not in ENGINES:
        raise AuditkitError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")
    if question_chunk < 1:
        raise AuditkitError(f"--question-chunk must be at least 1, got {question_chunk}")
    preflight()
    if models and engine == "ray":
        from auditkit.raytools import init_ray

        init_ray(ray_address, None)  # before any model loads: a missing Ray fails fast
    analysis_kw = dict(
        reference=reference_country,
        ties=ties,
        surveys=survey_list,
        n_resamples=n_resamples,
        seed=seed,
    )
    inputs: list[dict[str, Any]] = []
    components: dict[str, Any] = {}
    runs: list[tuple[ScoreMatrix, Analysis, dict[str, Any]]] = []
    timings: dict[str, Any] = {}
    engine_info: dict[str, Any] = {}

    from auditkit.probes.conversation_api import language_scores_file

    language_files = [language_scores_file(p) for p in scores or ()]
    if scores and all(language_files):
        from auditkit.probes.conversation_api import analyze_language_score_files

        return analyze_language_score_files(
            language_files,
            out=Path(out) if out is not None else default_out(None, scores),
            config=config,
            started=started,
            t0=t0,
            reference_language=reference_language,
            n_resamples=n_resamples,
            seed=seed,
        )
    if scores:
        for path in scores:
            for m in read_scores(path, favourable=favourable):
                inputs.append(m.source)
                runs.append((m, analyze(m, wanted, **analysis_kw), {"source": m.source}))
    else:
        probe_set = load_probe_set(probes, probes_revision).subset(limit)
        if probe_set.slot.kind != "country":
            return _run_slot_probe(probe_set, models, out, config, started, t0, locals())
        probe_countries = wanted or resolve_countries("study-181")
        inputs.append(
            {"probe_set": probe_set.name, **probe_set.source, "questions": len(probe_set.questions)}
        )
        inputs.append(
            {
                "countries": countries if isinstance(countries, str) else "list",
                "n": len(probe_countries),
            }
        )
        opts = LoadOptions(
            dtype=dtype,
            device=device,
            revision=revision,
            load_in_8bit=load_in_8bit,
            load_in_4bit=load_in_4bit,
        ).with_model_args(model_args)
        from auditkit import hub
        from auditkit.modeling import require_torch

        for name, role in [(m, "model") for m in models] + [
            (reference_model, "reference model"),
            (base_model, "base model"),
            (opts.peft, "peft adapter"),
        ]:
            if (rec := hub.model_input_record(name, role)) is not None:
                inputs.append(rec)

        # Both engines run torch with this process's thread count (AUDITKIT_TORCH_THREADS,
        # else all CPUs): CPU scores depend on it in their last bits.
        threads = int(require_torch().get_num_threads())
        chunks = question_chunks(probe_set.questions, question_chunk)
        engine_info = {
            "name": engine,
            "question_chunk": question_chunk,
            "chunks": len(chunks),
            "torch_threads": threads,
        }
        for name in models:
            t = time.perf_counter()
            build_kwargs = dict(
                model=name,
                scorer=scorer,
                reference=reference_model,
                beta=beta,
                base_model=base_model,
                use_chat_template=use_chat_template,
                lm_span=lm_span,
            )
            if engine == "ray":
                from auditkit.probes.ray_engine import score_on_ray

                long, ray_info = score_on_ray(
                    build_kwargs,
                    opts,
                    chunks,
                    probe_countries,
                    token_budget=token_budget,
                    max_batch_size=max_batch_size,
                    reuse_prefix=reuse_prefix,
                    threads=threads,
                    progress=progress,
                )
                model_id = ray_info.pop("model_id")
                model_components = ray_info.pop("components")
                loaded = ray_info.pop("load_s")
                scored = time.perf_counter() - t - loaded
            else:
                sc = build_scorer(opts=opts, **build_kwargs)
                loaded = time.perf_counter() - t
                long = score_chunks(
                    sc,
                    chunks,
                    probe_countries,
                    token_budget,
                    max_batch_size,
                    progress,
                    reuse_prefix,
                )
                scored = time.perf_counter() - t - loaded
                model_id, model_components = sc.model_id, sc.components()
                del sc
            display = name if name in KNOWN_MODELS else model_id
            m = matrix_from_long(long)
            m.model = display
            components[display] = model_components
            if engine == "ray":
                engine_info.setdefault("ray", {})[display] = ray_info
            extra = {"probe_set": probe_set.name, "model_id": model_id}
            runs.append((m, analyze(m, wanted, **analysis_kw), extra))
            gc.collect()

    names = [m.model for m, _, _ in runs]
    if len(set(names)) != len(names):
        names = [f"{n}#{i + 1}" for i, n in enumerate(names)]
    out = Path(out) if out is not None else default_out(model, scores)
    summaries = {}
    if len(runs) == 1:
        m, a, extra = runs[0]
        summary = _write_model_run(out, m, a, extra)
        findings = _findings(summary)
    else:
        sub = {}
        for n, (m, a, extra) in zip(names, runs):
            d = out / slug(n)
            summaries[n] = _write_model_run(d, m, a, extra)
            sub[n] = str(d.relative_to(out))
        corr = ranking_correlations({n: a for n, (_, a, _) in zip(names, runs)})
        summary = {
            "kind": "probe-rm",
            "models": {n: {"folder": sub[n], **_findings(summaries[n])} for n in names},
            "ranking_correlations": corr,
        }
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / SUMMARY_FILE, summary)
        findings = {
            "models": {n: _findings(s) for n, s in summaries.items()},
            "ranking_correlations": corr,
        }
    record = build_record(
        "probe-rm",
        config,
        inputs,
        components,
        findings,
        started,
        extra={
            "timings": {**timings, "total_s": round(time.perf_counter() - t0, 3)},
            **({"engine": engine_info} if engine_info else {}),
        },
    )
    write_record(out, record)
    for n in summaries:  # each model's subfolder is a run folder of its own
        write_record(out / slug(n), record)
    return summary
