"""The scoring loop: (question, filler) sequences through a scorer, as a long DataFrame.

``score_questions`` scores any subset of questions, so a distributed engine can split the
questions, score the parts anywhere and concatenate the results.

Scores depend on batch composition in their last bits (length-sorted dynamic padding groups
different sequences in a different set of questions). So both engines cut the questions into
the same fixed chunks (``question_chunks``), score each chunk with its own batch plan and
concatenate in question order: `--engine local` one chunk after another (``score_chunks``),
`--engine ray` on a pool of actors (auditkit.probes.ray_engine). Their scores and summaries
are then identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.probes.batching import default_token_budget, run_batches, run_group_with_prefix
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question
from auditkit.probes.scorers import Scorer

SCORES_FILE = "scores.parquet"


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
    pairs = [(q, c) for q in questions for c in countries]
    rendered = scorer.render_many(pairs)
    encoded = [r.encoded for r in rendered]
    per_q = len(countries)
    groups = [(i, i + per_q) for i in range(0, len(pairs), per_q)] if per_q else []
    scores, budget = score_sequences(
        scorer, encoded, groups, token_budget, max_batch_size, reuse_prefix, progress, on_scored
    )
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


def score_sequences(
    scorer: Scorer,
    encoded: Sequence[Any],
    groups: Sequence[tuple[int, int]],
    token_budget: int | None,
    max_batch_size: int,
    reuse_prefix: bool,
    progress: bool,
    on_scored: Callable[[int], None] | None = None,
    min_group_size: int = 1,
) -> tuple[np.ndarray, int]:
    """Scores of encoded sequences in input order, and the token budget they ended with.

    ``groups``: [start, end) ranges of sequences sharing a token prefix (one question's
    fillers, one item's languages); with ``reuse_prefix`` each group's prefix runs once.
    Without it, every sequence goes into one length-sorted batch plan.
    """
    from auditkit.console import make_progress

    budget = token_budget or default_token_budget(scorer.device)
    scores = np.full(len(encoded), np.nan)
    with make_progress("seq", disable=not progress) as bar:
        task = bar.add_task(f"scoring {scorer.model_id}", total=len(encoded))

        def advance(n: int) -> None:
            bar.advance(task, n)
            if on_scored is not None:
                on_scored(n)

        if not (reuse_prefix and scorer.supports_prefix):
            if encoded:
                scores, budget = run_batches(
                    encoded, scorer.score_batch, scorer.pad_id, budget, max_batch_size, advance
                )
            return scores, budget
        for a, b in groups:
            s, budget = run_group_with_prefix(
                encoded[a:b], scorer, budget, max_batch_size, advance, min_group_size
            )
            scores[a:b] = s
    return scores, budget


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
    return run_chunks_locally(
        scorer.model_id,
        chunks,
        sum(len(c) for c in chunks) * len(countries),
        token_budget,
        lambda chunk, budget, on_scored: score_questions(
            scorer,
            chunk,
            countries,
            budget,
            max_batch_size,
            False,
            reuse_prefix,
            on_scored=on_scored,
        ),
        progress,
    )


def run_chunks_locally(
    model_id: str,
    chunks: Sequence[Any],
    total: int,
    token_budget: int | None,
    score_chunk: Callable[[Any, int | None, Callable[[int], None]], pd.DataFrame],
    progress: bool,
) -> pd.DataFrame:
    """``score_chunk(chunk, token_budget, on_scored)`` on each chunk in turn under one progress
    bar of ``total`` sequences (the local engine of country and row probes alike)."""
    from auditkit.console import make_progress

    parts = []
    budget = token_budget
    with make_progress("seq", disable=not progress) as bar:
        task = bar.add_task(f"scoring {model_id}", total=total)
        for chunk in chunks:
            df = score_chunk(chunk, budget, lambda n: bar.advance(task, n))
            # An out-of-memory back-off holds for the chunks after it (as on a Ray actor).
            budget = df.attrs.get("token_budget") or budget
            parts.append(df)
    return concat_chunks(parts)
