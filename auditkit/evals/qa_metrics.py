"""Extractive-QA scores: CFMatch (the study's metric), SQuAD exact match and F1, containment.

* ``cfm`` — CFMatch (Li et al., 2024), the classifier the study scored TyDiQA with, keeping its
  probability that the answer is correct (``cfm_score``, continuous in [0, 1]). The classifier
  of January 2024 ships with auditkit as plain numbers (``data/cfmatch/``, MIT, see its
  ``SOURCE.md``); :class:`CFMatcher` re-implements qa-metrics 0.1.x's ``CFMatcher.get_score``
  on it exactly (quirks included), so no download and no pickle are needed. Several gold
  answers: the maximum over them, as the study took.
* ``exact_match`` and ``f1`` — the SQuAD v1.1 evaluation (the TyDi QA authors ship GoldP in
  SQuAD format for that script): lower-case, drop ASCII punctuation and English articles,
  collapse whitespace; maximum over the gold answers. F1 counts repeated tokens (multisets).
* ``gold_in_answer`` — a lenient containment rule: 1 when a SQuAD-normalised gold answer occurs
  inside the normalised answer. It is *not* part of CFMatch (no CFMatcher of that time has a
  containment rule) and neither bounds nor approximates it; it only credits verbose answers
  that quote the gold span.

Cutting the answer from a generation is the task's (``evals/tasks/tydiqa.py``).
"""

from __future__ import annotations

import gzip
import json
import re
import string
from collections import Counter
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

CFMATCH_RESOURCE = "data/cfmatch/cfmatch_2024_01.json.gz"
CFMATCH_METHOD = (
    "CFMatch (qa-metrics 0.1.x classifier of 2024-01, shipped in auditkit/evals/data/cfmatch): "
    "P(correct) of the tf-idf + [f1, precision, recall] logistic classifier; max over gold answers"
)

_PUNCT = set(string.punctuation)
_DELETE_PUNCT = str.maketrans("", "", string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b")


# --- SQuAD v1.1 ----------------------------------------------------------------------------


def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation (lower, no punctuation, no articles, single spaces)."""
    s = str(text).lower()
    s = "".join(ch for ch in s if ch not in _PUNCT)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def exact_match(prediction: str, golds: list[str]) -> float:
    p = normalize_answer(prediction)
    return float(any(p == normalize_answer(g) for g in golds))


def _f1(prediction: str, gold: str) -> float:
    pt = normalize_answer(prediction).split()
    gt = normalize_answer(gold).split()
    common = Counter(pt) & Counter(gt)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pt)
    recall = same / len(gt)
    return 2 * precision * recall / (precision + recall)


def token_f1(prediction: str, golds: list[str]) -> float:
    return max((_f1(prediction, g) for g in golds), default=0.0)


def gold_in_answer(prediction: str, golds: list[str]) -> float:
    """1.0 when a non-empty normalised gold answer is a substring of the normalised answer."""
    p = normalize_answer(prediction)
    if not p:
        return 0.0
    return float(any((g := normalize_answer(x)) and g in p for x in golds))


# --- CFMatch -------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def cfm_normalize(text: str) -> str:
    """qa-metrics 0.1.x ``normalize_answer``: lower-case, delete every character of
    ``string.punctuation``, collapse whitespace, then ``contractions.fix`` (articles kept)."""
    import contractions

    s = str(text).lower().translate(_DELETE_PUNCT)
    return contractions.fix(" ".join(s.split()))


def cfm_f1_precision_recall(reference: str, candidate: str) -> tuple[float, float, float]:
    """qa-metrics' own set-based f1/precision/recall (on already normalised strings; it
    normalises them once more). Its definitions, kept as they are: tp = |ref ∩ cand|,
    fp = |ref − cand|, fn = |cand − ref|; precision = tp/(tp+fp), recall = tp/(tp+fn)."""
    ref = set(cfm_normalize(reference).split())
    cand = set(cfm_normalize(candidate).split())
    tp = len(ref & cand)
    fp = len(ref - cand)
    fn = len(cand - ref)
    precision = tp / (tp + fp) if tp + fp > 0 else 0
    recall = tp / (tp + fn) if tp + fn > 0 else 0
    f1 = 2 * (precision * recall) / (precision + recall) if precision + recall > 0 else 0
    return float(f1), float(precision), float(recall)


class CFMatcher:
    """CFMatch's classifier as plain numbers: a tf-idf vectoriser (scikit-learn's
    TfidfVectorizer semantics: lower-case, ``token_pattern`` words, raw counts x idf, l2 norm)
    and a logistic classifier over [tf-idf, f1, precision, recall]."""

    def __init__(self, model: dict[str, Any]) -> None:
        if model.get("format") != "cfmatch-linear/1":
            raise ValueError(f"unknown CFMatch model format {model.get('format')!r}")
        tfidf, clf = model["tfidf"], model["classifier"]
        settings = (tfidf["lowercase"], list(tfidf["ngram_range"]), tfidf["norm"])
        if settings != (True, [1, 1], "l2") or tfidf["sublinear_tf"]:
            raise ValueError(f"unsupported tf-idf settings {settings}")
        self.vocabulary: dict[str, int] = tfidf["vocabulary"]
        self.idf = np.asarray(tfidf["idf"], dtype=np.float64)
        self.token = re.compile(tfidf["token_pattern"])
        coef = np.asarray(clf["coef"], dtype=np.float64)
        n = self.idf.size
        if coef.size != n + 3:
            raise ValueError(f"coef has {coef.size} values, expected {n} + 3")
        self.coef_text, self.coef_overlap = coef[:n], coef[n:]
        self.intercept = float(clf["intercept"])
        # predict_proba of a binary linear model: P(classes[1]) = sigmoid(z)
        self.correct_is_first = list(clf["classes"]) == ["correct", "incorrect"]

    @classmethod
    @lru_cache(maxsize=1)
    def shipped(cls) -> CFMatcher:
        """The January 2024 classifier the study used (shipped with auditkit)."""
        raw = resources.files("auditkit.evals").joinpath(CFMATCH_RESOURCE).read_bytes()
        return cls(json.loads(gzip.decompress(raw)))

    def _tfidf_dot(self, text: str) -> float:
        counts: Counter[int] = Counter()
        for tok in self.token.findall(text.lower()):
            j = self.vocabulary.get(tok)
            if j is not None:
                counts[j] += 1
        if not counts:
            return 0.0
        idx = np.fromiter(sorted(counts), dtype=np.int64)
        x = np.fromiter((counts[j] for j in idx), dtype=np.float64) * self.idf[idx]
        norm = float(np.sqrt(np.dot(x, x)))
        return float(np.dot(x / norm, self.coef_text[idx])) if norm > 0 else 0.0

    def score(self, reference: str, candidate: str, question: str) -> float:
        """P("correct") for one (gold answer, answer, question), as ``get_score`` returns it."""
        from scipy.special import expit

        ref, cand, q = cfm_normalize(reference), cfm_normalize(candidate), cfm_normalize(question)
        text = "[CLS] " + cand + " [SEP] " + ref + " [SEP] " + q + " [SEP]"
        overlap = np.array(cfm_f1_precision_recall(ref, cand), dtype=np.float64)
        z = self._tfidf_dot(text) + float(np.dot(overlap, self.coef_overlap)) + self.intercept
        p_second = float(expit(z))
        return 1.0 - p_second if self.correct_is_first else p_second

    def best(self, candidate: str, references: list[str], question: str) -> float:
        """The study's item score: the maximum over the gold answers (NaN without any)."""
        if not references:
            return float("nan")
        return max(self.score(r, candidate, question) for r in references)


def cfm_score(prediction: str, golds: list[str], question: str) -> float:
    return CFMatcher.shipped().best(prediction, golds, question)
