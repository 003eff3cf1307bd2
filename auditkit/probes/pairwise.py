"""`auditkit probe-rm MODEL --pairs DATA`: a reward model's accuracy on preference pairs, by
language.

Every pair's chosen and rejected answers are scored after the same prompt (one conversation
each; the prompt's shared tokens run once). A pair is *correct* when chosen scores strictly
more favourably than rejected, a *tie* when the scores are equal; accuracy = correct / n, so a
tie counts as not correct (ties are reported). Per language: accuracy with a Wilson CI; the gap
to the reference language (English) with a test: McNemar's exact test on the pairs both
languages share an id with (a parallel set such as M-RewardBench), else Fisher's exact test of
the two accuracies; Holm's correction across languages.

The pairs' languages come from the caller: a given language column (``human_lang`` of the
corpus reader), or a labeller function (language ID, composed above this side).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from auditkit.facts.languages import UNDETERMINED, language_name, normalise_code
from auditkit.skips import SkipLog
from auditkit.stats import holm, mcnemar_counts, mcnemar_exact, wilson_ci

SIDES = ("chosen", "rejected")


@dataclass(frozen=True)
class PairRow:
    """One side of one pair, as a scored conversation."""

    pair_id: str
    side: str
    language: str
    language_from: str  # "column" | "langid"
    corpus: str
    example_id: str
    prompt_turns: str  # JSON [[role, text], ...]
    response: str

    FIELDS = (
        "pair_id",
        "side",
        "language",
        "language_from",
        "corpus",
        "example_id",
        "prompt_turns",
        "response",
    )

    @property
    def group(self) -> str:
        return self.pair_id

    @property
    def turns(self) -> tuple[tuple[str, str], ...]:
        return tuple((r, t) for r, t in json.loads(self.prompt_turns))


@dataclass
class Pair:
    corpus: str
    example_id: str
    turns: list[tuple[str, str]]
    chosen: str
    rejected: str
    given_language: str | None


def pairs_from_utterances(utterances: Iterable[Any], skips: SkipLog) -> list[Pair]:
    """Group a preference corpus's utterances into pairs (corpus order); counted skips for
    records that are not a single-answer pair after a prompt ending in a user turn."""
    grouped: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
    for u in utterances:
        # A parallel set (M-RewardBench) repeats an example id once per language.
        key = (u.corpus, u.example_id, u.human_lang or "")
        grouped.setdefault(key, {"prompt": [], "chosen": [], "rejected": [], "other": []})
        grouped[key][u.side if u.side in ("prompt", *SIDES) else "other"].append(u)
    pairs = []
    for (corpus, eid, _), parts in grouped.items():
        where = f"{corpus} example {eid}"
        if parts["other"]:
            skips.add("not a chosen/rejected pair", detail=f"{where}: ranked or unpaired answers")
            continue
        if len(parts["chosen"]) != 1 or len(parts["rejected"]) != 1:
            skips.add(
                "not a single-answer pair",
                detail=f"{where}: {len(parts['chosen'])} chosen, {len(parts['rejected'])} "
                "rejected turns",
            )
            continue
        turns = [(u.role, u.text) for u in sorted(parts["prompt"], key=lambda u: u.turn)]
        if not turns or turns[-1][0] != "user":
            skips.add("prompt does not end with a user turn", detail=where)
            continue
        given = next((u.human_lang for u in parts["prompt"] if u.human_lang), None)
        given = given or parts["chosen"][0].human_lang
        pairs.append(
            Pair(corpus, eid, turns, parts["chosen"][0].text, parts["rejected"][0].text, given)
        )
    return pairs


PAIR_LANGUAGE_MODES = ("prompt", "corpus")


def label_pairs(
    pairs: Sequence[Pair],
    labeller: Callable[[list[str]], list[str]] | None,
    mode: str = "prompt",
) -> list[tuple[str, str]]:
    """(language code, where it came from) of each pair.

    A pair's given language (a language column) always wins. Otherwise, by ``mode``:
    ``prompt``: the labeller's label of the prompt's last user turn (language ID; ``und`` when
    its detectors disagree); ``corpus``: every pair of a corpus gets the most frequent
    determined label of that corpus's prompts (a monolingual preference set); any other value
    is a language code declared for every pair.
    """
    need = [i for i, p in enumerate(pairs) if not p.given_language]
    labels: dict[int, str] = {}
    source = "langid"
    if need and mode not in PAIR_LANGUAGE_MODES:
        declared = normalise_code(mode)
        if declared == UNDETERMINED:
            from auditkit.errors import AuditkitError

            raise AuditkitError(
                f"--pairs-language must be prompt, corpus or a language code, got {mode!r}"
            )
        labels = {i: declared for i in need}
        source = "declared"
    elif need:
        if labeller is None:
            from auditkit.errors import AuditkitError

            raise AuditkitError(
                f"{len(need)} pairs have no language column and no language identifier was "
                "given (the `auditkit probe-rm` command supplies one)"
            )
        got = labeller([pairs[i].turns[-1][1] for i in need])
        labels = {i: (g or UNDETERMINED) for i, g in zip(need, got)}
        if mode == "corpus":
            from collections import Counter

            source = "langid-corpus-majority"
            counts: dict[str, Counter] = {}
            for i in need:
                if labels[i] not in (UNDETERMINED, "empty"):
                    counts.setdefault(pairs[i].corpus, Counter())[labels[i]] += 1
            major = {
                c: min(v.items(), key=lambda kv: (-kv[1], kv[0]))[0] for c, v in counts.items()
            }
            labels = {i: major.get(pairs[i].corpus, UNDETERMINED) for i in need}
    out = []
    for i, p in enumerate(pairs):
        if p.given_language:
            out.append((normalise_code(p.given_language), "column"))
        else:
            out.append((labels[i], source))
    return out


def pair_rows(pairs: Sequence[Pair], languages: Sequence[tuple[str, str]]) -> list[PairRow]:
    rows = []
    for k, (p, (lang, src)) in enumerate(zip(pairs, languages)):
        pid = f"{k:06d}"
        turns = json.dumps([list(t) for t in p.turns], ensure_ascii=False)
        for side, text in (("chosen", p.chosen), ("rejected", p.rejected)):
            rows.append(PairRow(pid, side, lang, src, p.corpus, p.example_id, turns, text))
    return rows


def pair_outcomes(long: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: language, margin (favourable direction), correct, tie."""
    favourable = str(long["favourable"].iloc[0])
    w = long.pivot(index="pair_id", columns="side", values="score")
    meta = long[long["side"] == "chosen"].set_index("pair_id")[
        ["language", "language_from", "corpus", "example_id"]
    ]
    out = meta.join(w[list(SIDES)])
    if "truncated" in long.columns:
        out = out.join(long.groupby("pair_id")["truncated"].any())
    sign = 1.0 if favourable == "higher" else -1.0
    out["margin"] = sign * (out["chosen"] - out["rejected"])
    out["correct"] = out["margin"] > 0
    out["tie"] = out["margin"] == 0
    return out.reset_index()


def accuracy_by_language(
    outcomes: pd.DataFrame, reference: str = "en", confidence: float = 0.95
) -> dict[str, Any]:
    """``pairwise_accuracy``: overall and per language (by n, then code), with the gap to the
    reference language, its test and Holm's correction."""
    langs = sorted(
        outcomes["language"].unique(), key=lambda c: (-(outcomes["language"] == c).sum(), c)
    )
    entries = []
    ref = outcomes[outcomes["language"] == reference]
    ref_acc = float(ref["correct"].mean()) if len(ref) else None
    for code in langs:
        g = outcomes[outcomes["language"] == code]
        n, k = len(g), int(g["correct"].sum())
        lo, hi = wilson_ci(k, n, confidence)
        e = {
            "code": code,
            "name": language_name(code),
            "n": n,
            "accuracy": k / n,
            "ci_low": lo,
            "ci_high": hi,
            "ties": int(g["tie"].sum()),
            "correct": k,
            "language_from": sorted(g["language_from"].unique().tolist()),
        }
        if "truncated" in g.columns:
            e["truncated"] = int(g["truncated"].sum())
        if ref_acc is not None and code != reference:
            e["gap_to_reference"] = e["accuracy"] - ref_acc
            e.update(_gap_test(g, ref))
        entries.append(e)
    tested = [e for e in entries if "p" in e]
    adjusted = holm(np.array([e["p"] for e in tested])) if tested else []
    for e, q in zip(tested, adjusted):
        e["p_holm"] = float(q)
    n = len(outcomes)
    k = int(outcomes["correct"].sum())
    lo, hi = wilson_ci(k, n, confidence) if n else (float("nan"), float("nan"))
    return {
        "rule": "correct: chosen scored strictly more favourably than rejected; accuracy = "
        "correct / n (ties are not correct, and are counted); Wilson CI",
        "confidence": confidence,
        "reference_language": reference,
        "reference_found": ref_acc is not None,
        "overall": {
            "n": n,
            "accuracy": k / n if n else None,
            "ci_low": lo,
            "ci_high": hi,
            "ties": int(outcomes["tie"].sum()),
        },
        "by_language": entries,
        "tests": "gap to the reference language: McNemar exact on pairs sharing an example id "
        "with the reference language (parallel sets), else Fisher's exact test; Holm across "
        "languages",
    }


def _gap_test(g: pd.DataFrame, ref: pd.DataFrame) -> dict[str, Any]:
    from scipy.stats import fisher_exact

    shared = sorted(set(g["example_id"]) & set(ref["example_id"]))
    if (
        len(shared) >= max(1, min(len(g), len(ref)) // 2)
        and g["example_id"].is_unique
        and ref["example_id"].is_unique
    ):
        a = ref.set_index("example_id").loc[shared, "correct"].to_numpy()
        b = g.set_index("example_id").loc[shared, "correct"].to_numpy()
        n01, n10 = mcnemar_counts(a, b)
        return {
            "test": "mcnemar_exact",
            "n_paired": len(shared),
            "p": float(mcnemar_exact(n01, n10)),
        }
    k1, n1 = int(g["correct"].sum()), len(g)
    k0, n0 = int(ref["correct"].sum()), len(ref)
    res = fisher_exact([[k1, n1 - k1], [k0, n0 - k0]])
    return {"test": "fisher_exact", "n_paired": 0, "p": float(res.pvalue)}


def findings(summary: dict[str, Any]) -> dict[str, Any]:
    pa = summary["pairwise_accuracy"]
    return {
        "model": summary["model"],
        "overall_accuracy": pa["overall"]["accuracy"],
        "by_language": {
            e["code"]: {"n": e["n"], "accuracy": e["accuracy"]} for e in pa["by_language"]
        },
    }
