"""Parallel-text probes: the same answer in many languages, so only the language varies.

A parallel set is rows of (item_id, language, prompt, response): one item is one text in every
language. Built in (``languages``): four articles of the Universal Declaration of Human Rights
in 440 languages (auditkit/probes/data/udhr_parallel.jsonl, rebuilt by
tools/build_udhr_probes.py). Users bring their own as CSV or JSONL with those four columns.

Every item is scored in two variants (``VARIANTS``): the user asks in the answer's language
(``native``: the row's own prompt), and the user asks in the reference language (``reference``:
the reference language's prompt of the same item, English by default). Scores are then ranked
across languages per (item, variant) row by the same machinery as the country probe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit.errors import AuditkitError, InputError
from auditkit.facts.languages import UNDETERMINED, normalise_code
from auditkit.skips import SkipLog

BUILTIN = "languages"
BUILTIN_FILE = "data/udhr_parallel.jsonl"
COLUMNS = ("item_id", "language", "prompt", "response")
VARIANTS = ("native", "reference")


@dataclass(frozen=True)
class ParallelRow:
    """One scored conversation: ``item_id`` in ``language``, asked in ``variant``."""

    item_id: str
    variant: str
    language: str
    prompt: str
    response: str

    FIELDS = ("item_id", "variant", "language", "prompt", "response")

    @property
    def group(self) -> str:
        return f"{self.item_id}/{self.variant}"

    @property
    def turns(self) -> tuple[tuple[str, str], ...]:
        return (("user", self.prompt),)


@dataclass
class ParallelSet:
    name: str
    rows: list[dict[str, str]]  # item_id, language, prompt, response (language normalised)
    source: dict[str, Any] = field(default_factory=dict)

    @property
    def languages(self) -> list[str]:
        return list(dict.fromkeys(r["language"] for r in self.rows))

    @property
    def items(self) -> list[str]:
        return list(dict.fromkeys(r["item_id"] for r in self.rows))

    def subset(self, limit: int | None = None, languages: Sequence[str] | None = None):
        rows = self.rows
        src = dict(self.source)
        if languages is not None:
            want = [normalise_code(c) for c in languages]
            missing = [c for c in want if c not in set(self.languages)]
            if missing:
                raise AuditkitError(
                    f"languages not in probe set {self.name}: {', '.join(missing[:10])}"
                )
            rows = [r for r in rows if r["language"] in set(want)]
            src["languages"] = want
        if limit is not None:
            keep = set(self.items[:limit])
            rows = [r for r in rows if r["item_id"] in keep]
            src["limit"] = limit
        return ParallelSet(self.name, rows, src)


def _validate(records: list[tuple[dict[str, Any], int]], path: Any) -> list[dict[str, str]]:
    if not records:
        raise InputError("no rows", path)
    out, seen = [], {}
    for rec, line in records:
        row = {}
        for col in COLUMNS:
            v = rec.get(col)
            if v is None or (isinstance(v, float) and v != v) or not str(v).strip():
                raise InputError(f"missing or empty {col}", path, line, col)
            if not isinstance(v, (str, int)):
                raise InputError(f"{col} must be text, got {type(v).__name__}", path, line, col)
            row[col] = str(v)
        code = normalise_code(row["language"].strip())
        if code == UNDETERMINED:
            raise InputError(f"unknown language {row['language']!r}", path, line, "language")
        row["language"] = code
        row["item_id"] = row["item_id"].strip()
        key = (row["item_id"], code)
        if key in seen:
            raise InputError(
                f"item {row['item_id']!r} has two rows for language {code!r} "
                f"(the other on line {seen[key]})",
                path,
                line,
                "language",
            )
        seen[key] = line
        out.append(row)
    return out


def load_parallel_file(path: str | Path) -> ParallelSet:
    """A user's parallel set: CSV or JSONL with item_id, language, prompt, response."""
    from auditkit.io import sha256_file

    path = Path(path)
    suffix = path.suffix.lower()
    records: list[tuple[dict[str, Any], int]] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            if suffix == ".csv":
                reader = csv.DictReader(f)
                missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
                if missing:
                    raise InputError(
                        f"missing column(s) {', '.join(missing)}; a parallel set needs "
                        f"{', '.join(COLUMNS)}",
                        path,
                        1,
                    )
                start = reader.line_num
                for row in reader:
                    records.append((row, start + 1))
                    start = reader.line_num
            elif suffix in (".jsonl", ".json"):
                for i, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        rec = json.loads(line)
                    except json.JSONDecodeError as e:
                        raise InputError(f"invalid JSON: {e.msg}", path, i) from None
                    if not isinstance(rec, dict):
                        raise InputError("expected a JSON object per line", path, i)
                    records.append((rec, i))
            else:
                raise AuditkitError(f"parallel set {path} must be .csv or .jsonl")
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise AuditkitError(f"cannot read parallel set {path}: {e}") from e
    return ParallelSet(
        path.stem, _validate(records, path), {"path": str(path), "sha256": sha256_file(path)}
    )


def builtin_parallel_set() -> ParallelSet:
    """The shipped UDHR subset (four short articles in 440 languages)."""
    from auditkit.io import text_hash

    text = resources.files("auditkit.probes").joinpath(BUILTIN_FILE).read_text(encoding="utf-8")
    records = [(json.loads(line), i) for i, line in enumerate(text.splitlines(), 1) if line]
    rows = _validate(records, f"auditkit/probes/{BUILTIN_FILE}")
    return ParallelSet(
        BUILTIN,
        rows,
        {
            "embedded": f"auditkit/probes/{BUILTIN_FILE}",
            "text_hash": text_hash(text),
            "origin": "Universal Declaration of Human Rights, UDHR in Unicode via wooorm/udhr",
        },
    )


def is_parallel_spec(spec: str | None) -> bool:
    """``--probes languages``, or a .jsonl / a CSV with the parallel columns."""
    if spec == BUILTIN:
        return True
    if not spec:
        return False
    p = Path(spec)
    if p.suffix.lower() == ".jsonl":
        return True
    if p.suffix.lower() == ".csv" and p.is_file():
        with open(p, encoding="utf-8-sig", newline="") as f:
            header = next(csv.reader(f), [])
        return all(c in header for c in COLUMNS)
    return False


def load_parallel_set(spec: str) -> ParallelSet:
    return builtin_parallel_set() if spec == BUILTIN else load_parallel_file(spec)


def expand_variants(
    pset: ParallelSet, reference: str = "en", variants: Sequence[str] = VARIANTS
) -> tuple[list[ParallelRow], SkipLog]:
    """Scored rows, item-major then variant then language (the set's order).

    ``reference``: every language's answer after the reference language's prompt of the same
    item; an item without a reference-language row has no such variant (a counted skip)."""
    for v in variants:
        if v not in VARIANTS:
            raise AuditkitError(f"unknown prompt variant {v!r}: {', '.join(VARIANTS)}")
    skips = SkipLog()
    by_item: dict[str, list[dict[str, str]]] = {}
    for r in pset.rows:
        by_item.setdefault(r["item_id"], []).append(r)
    out: list[ParallelRow] = []
    for item, rows in by_item.items():
        ref = next((r for r in rows if r["language"] == reference), None)
        for v in variants:
            if v == "reference" and ref is None:
                skips.add(
                    "item without a reference-language row",
                    detail=f"item {item}: no {reference} prompt, so no reference-prompt variant",
                )
                continue
            for r in rows:
                prompt = r["prompt"] if v == "native" else ref["prompt"]
                out.append(ParallelRow(item, v, r["language"], prompt, r["response"]))
    return out, skips


def row_chunks(rows: Sequence[Any], size: int) -> list[list[Any]]:
    """Consecutive chunks of ``size`` row groups ((item, variant) of a parallel set, or a
    preference pair): the same for every engine, so every engine scores the same batches."""
    if size < 1:
        raise AuditkitError(f"--question-chunk must be at least 1, got {size}")
    groups: list[list[Any]] = []
    for r in rows:
        if groups and groups[-1][0].group == r.group:
            groups[-1].append(r)
        else:
            groups.append([r])
    chunks = [
        [r for g in groups[i : i + size] for r in g] for i in range(0, max(len(groups), 1), size)
    ]
    return chunks


def score_rows(
    scorer,
    rows: Sequence[Any],
    token_budget: int | None = None,
    max_batch_size: int = 512,
    progress: bool = False,
    reuse_prefix: bool = False,
    on_scored: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """Score conversation rows (``ParallelRow``, ``pairwise.PairRow``: anything with ``turns``,
    ``response`` and ``group``); one output row each, in input order, with the row's fields.

    As ``score_questions``: any subset of rows scores the same as within the whole set (to
    float tolerance), and with ``reuse_prefix`` each group's shared token prefix (the prompt
    every language or both sides of a pair share) runs once.
    """
    from auditkit.probes.conversations import (
        context_length,
        render_conversations,
        response_token_stats,
        truncate_left,
    )
    from auditkit.probes.scoring import score_sequences

    rendered = render_conversations(scorer, [(r.turns, r.response) for r in rows])
    # Longer than the model's context: cut on the left, as the study's Starling scoring did
    # (the reward is read at the last token), and say so per row.
    limit = context_length(scorer)
    cuts = [truncate_left(x.encoded, limit) for x in rendered]
    encoded = [e for e, _ in cuts]
    groups: list[tuple[int, int]] = []
    for i, r in enumerate(rows):
        if groups and rows[groups[-1][0]].group == r.group:
            groups[-1] = (groups[-1][0], i + 1)
        else:
            groups.append((i, i + 1))
    # a row alone in its group shares its prefix with nothing: plain batches for it
    scores, budget = score_sequences(
        scorer, encoded, groups, token_budget, max_batch_size, reuse_prefix, progress, on_scored,
        min_group_size=2,
    )  # fmt: skip
    stats = response_token_stats(scorer, [r.response for r in rows])
    fields = {k: [getattr(r, k) for r in rows] for k in (rows[0].FIELDS if rows else ())}
    df = pd.DataFrame(
        {
            "model": scorer.model_id,
            "revision": scorer.revision,
            "scorer": scorer.kind,
            "score_name": scorer.score_name,
            "favourable": scorer.favourable,
            **fields,
            "n_tokens": np.array([len(e) for e in encoded], dtype=np.int32),
            "truncated": np.array([c for _, c in cuts], dtype=bool),
            "response_tokens": np.array([s[0] for s in stats], dtype=np.int32),
            "response_unknown_tokens": np.array([s[1] for s in stats], dtype=np.int32),
            "response_bytes": np.array([s[2] for s in stats], dtype=np.int32),
            "score": scores,
        }
    )
    df.attrs["token_budget"] = budget
    return df


def score_row_chunks(
    scorer,
    chunks: Sequence[Sequence[Any]],
    token_budget: int | None = None,
    max_batch_size: int = 512,
    progress: bool = False,
    reuse_prefix: bool = False,
) -> pd.DataFrame:
    """The local engine: ``score_rows`` on each chunk in turn, one progress bar."""
    from auditkit.probes.scoring import run_chunks_locally

    return run_chunks_locally(
        scorer.model_id,
        chunks,
        sum(len(c) for c in chunks),
        token_budget,
        lambda chunk, budget, on_scored: score_rows(
            scorer, chunk, budget, max_batch_size, False, reuse_prefix, on_scored=on_scored
        ),
        progress,
    )
