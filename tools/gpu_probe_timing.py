"""Time the study's 554 x 181 probe on a randomly initialised 7B-shaped Llama in bfloat16.

No download: the model is built from a LlamaConfig with Llama-2-7B's shape (32 layers, hidden
4096, MLP 11008, 32 heads, vocabulary 32000) and random weights directly on the GPU, wrapped as
a one-logit sequence-classification reward model and scored through auditkit's own probe path
(length-sorted dynamic padding, shared-prefix reuse). The tokenizer is a byte-level BPE
trained here on the probe texts (no Llama tokenizer without a download), so token counts are
printed with the timing. The questions are the study's AskRedditCountries_final.csv when
../shared/data has it, else 554 synthetic questions of the same shape (said in the output).

Usage: python tools/gpu_probe_timing.py [--questions N] [--token-budget T]
Prints one JSON object: seconds, sequences, tokens, sequences_per_s, device, peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _questions(n: int):
    from auditkit.probes.probesets import Question, load_probe_set

    shared = Path(os.environ.get("AUDITKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
    csv = shared / "global_representation" / "salt_study_misc" / "AskRedditCountries_final.csv"
    if csv.is_file():
        return load_probe_set(str(csv)).questions[:n], f"study ({csv.name})"
    qs = [
        Question(
            f"synthetic-{i}",
            f"Which country has the best {topic} in your opinion, thinking about question {i}?",
            f"I think {{country}} has the best {topic}.",
            "positive" if i % 2 else "negative",
            "Synthetic",
        )
        for i, topic in zip(range(n), ["food", "music", "weather", "schools", "roads"] * n)
    ]
    return qs, "synthetic (AskRedditCountries_final.csv not found)"


def _tokenizer(texts: list[str], path: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from tests.tiny_models import CHAT_TEMPLATE

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=32000,
        special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--questions", type=int, default=554)
    ap.add_argument("--token-budget", type=int, default=None)
    ap.add_argument(
        "--tiny",
        action="store_true",
        help="a 2-layer model on CPU when there is no GPU: checks this script's code path",
    )
    args = ap.parse_args()

    import torch
    from transformers import LlamaConfig, LlamaForSequenceClassification

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu" and not args.tiny:
        print(json.dumps({"error": "no CUDA device: this timing needs a GPU"}))
        sys.exit(2)

    from auditkit.modeling import LoadOptions
    from auditkit.probes.countries import resolve_countries
    from auditkit.probes.scorers import seq_cls as scorer_module
    from auditkit.probes.scoring import score_questions

    questions, source = _questions(args.questions)
    countries = resolve_countries("study-181")
    texts = [q.question + " " + q.response for q in questions] + [c.name for c in countries]
    tokenizer = _tokenizer(texts * 3, ROOT)
    shape = (
        dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4)
        if args.tiny
        else dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                  num_attention_heads=32)
    )  # fmt: skip
    config = LlamaConfig(
        vocab_size=32000,
        **shape,
        num_key_value_heads=shape["num_attention_heads"],
        max_position_embeddings=4096,
        num_labels=1,
        pad_token_id=tokenizer.pad_token_id,
    )
    t0 = time.perf_counter()
    torch.manual_seed(0)
    with torch.device(device):
        torch.set_default_dtype(torch.bfloat16)
        model = LlamaForSequenceClassification(config).eval()
        torch.set_default_dtype(torch.float32)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    build_s = time.perf_counter() - t0

    # auditkit's seq-cls scorer around the in-memory model (nothing to download or load)
    scorer_module.load_tokenizer = lambda *a, **k: tokenizer
    scorer_module.load_model = lambda *a, **k: model
    scorer = scorer_module.SeqClsScorer(
        "random-llama-7b-shape", LoadOptions(dtype="bfloat16", device=device)
    )
    lengths = [len(s.encoded) for s in scorer.render_many([(questions[0], c) for c in countries])]
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    scores = score_questions(
        scorer, questions, countries, token_budget=args.token_budget, reuse_prefix=True
    )
    sync()
    seconds = time.perf_counter() - t0
    n = len(scores)
    print(
        json.dumps(
            {
                "questions": len(questions),
                "question_source": source,
                "countries": len(countries),
                "sequences": n,
                "tokens_per_sequence_q1": {"min": min(lengths), "max": max(lengths)},
                "model": "LlamaForSequenceClassification, "
                + ("tiny (--tiny)" if args.tiny else "Llama-2-7B shape")
                + ", random, bfloat16",
                "parameters_b": round(sum(p.numel() for p in model.parameters()) / 1e9, 2),
                "build_seconds": round(build_s, 1),
                "scoring_seconds": round(seconds, 1),
                "sequences_per_s": round(n / seconds, 1),
                "finite_scores": bool(scores["score"].notna().all()),
                "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
                "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 1)
                if device == "cuda"
                else None,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
