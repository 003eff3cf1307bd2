"""Reward-model probe throughput: the study's batching vs auditkit's, same model, same texts.

Workload: the study's shape, 554 questions x 181 countries = 100,274 Starling-format sequences
(the AskRedditCountries questions from ../shared/data when present, else auditkit's default
probe set cycled to 554 questions), scored by a tiny random replica of Starling-RM (Llama
transformer + value head) on CPU. Both ways run the same model code; only batching differs:

(a) the study's way (code/ask-reddit-reward-testing.py): tokenise with padding="max_length"
    to 2,048 tokens, score 4 sequences per forward pass;
(b) auditkit's length-sorted dynamic padding alone: pad each batch only to its longest
    sequence, fill batches up to a token budget (``score_questions(reuse_prefix=False)``);
(c) auditkit's default: (b) plus each question's shared token prefix run once and every
    country's sequence continued from its key/value cache (``reuse_prefix=True``).

Prints sequences/s of each, the ratios and the largest score differences on the sequences all
scored. (a) is timed on the first --study-sample sequences (its rate is flat: every batch is
4 x 2,048 tokens) and its time for the full workload extrapolated from that rate.

    python benchmarks/probe_throughput.py [--questions 554] [--study-sample 64] [--json out.json]
    python benchmarks/probe_throughput.py --probe languages   # the UDHR language probe

``--probe languages``: the parallel-text language probe instead (the shipped UDHR set, 440
languages x 4 articles x 2 prompt variants = 3,520 Starling-format conversations), the same
three ways; (c) then runs each (article, variant) group's shared prefix once.

Torch uses AUDITKIT_TORCH_THREADS threads (default: all CPUs) for all three ways alike; on a
shared machine 1 thread gives the steadiest numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("AUDITKIT_SHARED_DATA", REPO.parent / "shared" / "data"))
ASKREDDIT = SHARED / "global_representation" / "salt_study_misc" / "AskRedditCountries_final.csv"


def questions(n: int):
    from auditkit.probes.probesets import Question, default_probe_set, load_csv

    if ASKREDDIT.exists():
        qs, source = load_csv(ASKREDDIT).questions, "AskRedditCountries (shared data)"
    else:
        qs, source = default_probe_set().questions, "auditkit default probe set, cycled"
    out = [qs[i % len(qs)] for i in range(n)]
    out = [
        Question(f"b{i}", q.question, q.response, q.sentiment, q.category)
        for i, q in enumerate(out)
    ]
    return out, source


def study_way(scorer, encoded, batch_size: int = 4, max_length: int = 2048):
    """The study's get_rewards: every sequence padded to max_length, batches of 4."""
    import numpy as np
    import torch

    out = []
    for i in range(0, len(encoded), batch_size):
        chunk = encoded[i : i + batch_size]
        ids = torch.full((len(chunk), max_length), scorer.pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for r, e in enumerate(chunk):
            n = min(len(e), max_length)
            ids[r, :n] = torch.tensor(e.input_ids[-n:])  # truncation_side="left"
            mask[r, :n] = 1
        out.append(scorer.score_batch(ids, mask, None))
    return np.concatenate(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--questions", type=int, default=554)
    ap.add_argument("--study-sample", type=int, default=64, help="sequences timed the study's way")
    ap.add_argument("--token-budget", type=int, default=None, help="auditkit's (default: auto)")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--probe", choices=("countries", "languages"), default="countries")
    args = ap.parse_args()
    if args.probe == "languages":
        return languages_main(args)

    import numpy as np

    from auditkit.modeling import LoadOptions, require_torch
    from auditkit.probes.countries import study_countries
    from auditkit.probes.scorers import StarlingScorer
    from auditkit.probes.scoring import score_questions
    from tests.tiny_models import build_tiny_models

    torch = require_torch()
    qs, source = questions(args.questions)
    cs = list(study_countries())
    with tempfile.TemporaryDirectory() as tmp:
        tiny = build_tiny_models(Path(tmp))
        scorer = StarlingScorer(str(tiny.starling_like), LoadOptions(dtype="float32", device="cpu"))

        t = time.perf_counter()
        df = score_questions(scorer, qs, cs, token_budget=args.token_budget)
        auditkit_s = time.perf_counter() - t
        n = len(df)
        t = time.perf_counter()
        df_prefix = score_questions(
            scorer, qs, cs, token_budget=args.token_budget, reuse_prefix=True
        )
        prefix_s = time.perf_counter() - t

        sample = [scorer.render(q, c).encoded for q in qs for c in cs][: args.study_sample]
        study_way(scorer, sample[:4])  # warm-up
        t = time.perf_counter()
        study_scores = study_way(scorer, sample)
        study_s = time.perf_counter() - t

    study_rate = len(sample) / study_s
    auditkit_rate = n / auditkit_s
    prefix_rate = n / prefix_s
    diff = float(np.max(np.abs(study_scores - df["score"].to_numpy()[: len(sample)])))
    diff_prefix = float(np.max(np.abs(df_prefix["score"].to_numpy() - df["score"].to_numpy())))
    result = {
        "workload": f"{len(qs)} questions x {len(cs)} countries = {n} sequences ({source})",
        "model": "tiny random Starling-RM replica (2 layers, hidden 32), float32, CPU",
        "torch_threads": torch.get_num_threads(),
        "mean_tokens": float(df["n_tokens"].mean()),
        "max_tokens": int(df["n_tokens"].max()),
        "study_sequences_per_s": round(study_rate, 2),
        "study_sampled_sequences": len(sample),
        "study_full_workload_s_extrapolated": round(n / study_rate, 1),
        "dynamic_padding_sequences_per_s": round(auditkit_rate, 1),
        "dynamic_padding_full_workload_s": round(auditkit_s, 1),
        "auditkit_sequences_per_s": round(prefix_rate, 1),
        "auditkit_full_workload_s": round(prefix_s, 1),
        "auditkit_token_budget": df.attrs.get("token_budget"),
        "speedup_dynamic_padding": round(auditkit_rate / study_rate, 1),
        "speedup": round(prefix_rate / study_rate, 1),
        "max_abs_score_difference_study_vs_padding": diff,
        "max_abs_score_difference_prefix_vs_padding": diff_prefix,
    }
    for k, v in result.items():
        print(f"{k:36s} {v}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


def languages_main(args) -> None:
    import numpy as np

    from auditkit.modeling import LoadOptions, require_torch
    from auditkit.probes.conversations import render_conversations
    from auditkit.probes.parallel import builtin_parallel_set, expand_variants, score_rows
    from auditkit.probes.scorers import StarlingScorer
    from tests.tiny_models import build_tiny_models

    torch = require_torch()
    rows, _ = expand_variants(builtin_parallel_set(), "en")
    with tempfile.TemporaryDirectory() as tmp:
        tiny = build_tiny_models(Path(tmp))
        scorer = StarlingScorer(str(tiny.starling_like), LoadOptions(dtype="float32", device="cpu"))
        t = time.perf_counter()
        df = score_rows(scorer, rows, token_budget=args.token_budget)
        padding_s = time.perf_counter() - t
        t = time.perf_counter()
        df_prefix = score_rows(scorer, rows, token_budget=args.token_budget, reuse_prefix=True)
        prefix_s = time.perf_counter() - t
        enc = render_conversations(scorer, [(r.turns, r.response) for r in rows])
        sample = [x.encoded for x in enc][: args.study_sample]
        study_way(scorer, sample[:4])  # warm-up
        t = time.perf_counter()
        study_scores = study_way(scorer, sample)
        study_s = time.perf_counter() - t
    n = len(df)
    study_rate = len(sample) / study_s
    result = {
        "workload": f"{len(set(r.language for r in rows))} languages x "
        f"{len(set(r.group for r in rows))} (article, prompt variant) rows = {n} sequences",
        "model": "tiny random Starling-RM replica (2 layers, hidden 32), float32, CPU",
        "torch_threads": torch.get_num_threads(),
        "mean_tokens": float(df["n_tokens"].mean()),
        "max_tokens": int(df["n_tokens"].max()),
        "study_sequences_per_s": round(study_rate, 2),
        "study_sampled_sequences": len(sample),
        "dynamic_padding_sequences_per_s": round(n / padding_s, 1),
        "auditkit_sequences_per_s": round(n / prefix_s, 1),
        "speedup_dynamic_padding": round(n / padding_s / study_rate, 1),
        "speedup": round(n / prefix_s / study_rate, 1),
        "max_abs_score_difference_study_vs_padding": float(
            np.max(np.abs(study_scores - df["score"].to_numpy()[: len(sample)]))
        ),
        "max_abs_score_difference_prefix_vs_padding": float(
            np.max(np.abs(df_prefix["score"].to_numpy() - df["score"].to_numpy()))
        ),
    }
    for k, v in result.items():
        print(f"{k:44s} {v}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
