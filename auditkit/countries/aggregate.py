"""Per-shard partial counts of `auditkit countries` and the summary built from them.

As in `lang`, each finished shard stores its counts in its done marker, so the summary is a merge
of small dictionaries (memory flat in corpus size; a resumed run never re-reads old shards).
Shards never split an example, so chosen-vs-rejected pair counts are shard-local.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from auditkit.corpus_pass import add_count, sorted_counts
from auditkit.facts.countries import countries as country_table
from auditkit.facts.countries import study_countries
from auditkit.summaries import CountriesSummary

NONE_KEY = "(none)"
PREFERRED, DISPREFERRED = "chosen", "rejected"


def shard_counts(rows: dict[str, Sequence[Any]]) -> dict[str, Any]:
    """Partial counts of one shard from its columns (mentions_run.OUTPUT_SCHEMA)."""
    c: dict[str, Any] = {
        "rows": len(rows["utt_index"]),
        "utterances_with_country": 0,
        "utterances_with_ambiguous": 0,
        "mentions": {},
        "by_language": {},
        "utterance_languages": {},
        "source_utterances": {},
        "by_source": {},
        "role_utterances": {},
        "by_role": {},
        "side_utterances": {},
        "by_side": {},
        "ambiguous": {},
        "not_country": {},
        "pairs": {"examples": 0},
        "pair_chosen_only": {},
        "pair_rejected_only": {},
        "pair_both": {},
    }
    n = c["rows"]
    for i in range(n):
        lang = rows["lang"][i] or NONE_KEY
        source = rows["source"][i] or NONE_KEY
        role = rows["role"][i]
        side = rows["side"][i]
        add_count(c, "utterance_languages", lang, 1)
        add_count(c, "source_utterances", source, 1)
        add_count(c, "role_utterances", role, 1)
        if side:
            add_count(c, "side_utterances", side, 1)
        counted = rows["countries"][i]
        if counted:
            c["utterances_with_country"] += 1
        has_ambiguous = False
        for m in rows["mentions"][i]:
            if m["status"] == "ambiguous":
                has_ambiguous = True
                key = "\t".join((m["text"].casefold(), ",".join(m["candidates"]), m["reason"]))
                add_count(c, "ambiguous", key, 1)
            elif m["status"] == "not_country":
                add_count(c, "not_country", m["text"].casefold(), 1)
        c["utterances_with_ambiguous"] += int(has_ambiguous)
        for iso3 in counted:
            add_count(c, "mentions", iso3, 1)
            add_count(c, "by_language", iso3, lang, 1)
            add_count(c, "by_source", source, iso3, 1)
            add_count(c, "by_role", role, iso3, 1)
            if side:
                add_count(c, "by_side", side, iso3, 1)
    _count_pairs(rows, c)
    return c


def _count_pairs(rows: dict[str, Sequence[Any]], c: dict[str, Any]) -> None:
    """Per preference example (one with a chosen and a rejected response): which countries
    only the chosen response names, only the rejected one, or both."""
    n = len(rows["utt_index"])
    i = 0
    while i < n:
        j = i
        ex = rows["example_id"][i]
        while j < n and rows["example_id"][j] == ex:
            j += 1
        sides = rows["side"][i:j]
        if PREFERRED in sides and DISPREFERRED in sides:
            c["pairs"]["examples"] += 1
            chosen: set[str] = set()
            rejected: set[str] = set()
            for k in range(i, j):
                if rows["side"][k] == PREFERRED:
                    chosen.update(rows["countries"][k])
                elif rows["side"][k] == DISPREFERRED:
                    rejected.update(rows["countries"][k])
            for iso3 in chosen - rejected:
                add_count(c, "pair_chosen_only", iso3, 1)
            for iso3 in rejected - chosen:
                add_count(c, "pair_rejected_only", iso3, 1)
            for iso3 in chosen & rejected:
                add_count(c, "pair_both", iso3, 1)
        i = j


def _name(iso3: str) -> str:
    c = country_table().get(iso3)
    return c.name if c else iso3


def chosen_vs_rejected(
    chosen: dict[str, int],
    rejected: dict[str, int],
    n_chosen: int,
    n_rejected: int,
    pairs: dict[str, dict[str, int]],
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """Per country: the rate ratio of mentions in chosen vs rejected responses, (mc/Nc) /
    (mr/Nr), with an exact CI and test. Conditional on the country's mc + mr mentions, mc is
    binomial with p0 = Nc / (Nc + Nr) when the country is as frequent on both sides (the
    conditional test for two Poisson rates); the Clopper-Pearson interval for p becomes the
    ratio's interval. p-values are Holm-adjusted over the countries tested."""
    from scipy.stats import binomtest

    from auditkit.stats import holm

    codes = sorted(set(chosen) | set(rejected))
    p0 = n_chosen / (n_chosen + n_rejected) if n_chosen + n_rejected else 0.5
    scale = (n_rejected / n_chosen) if n_chosen and n_rejected else float("nan")
    out = []
    pvals = []
    for iso3 in codes:
        mc, mr = chosen.get(iso3, 0), rejected.get(iso3, 0)
        test = binomtest(mc, mc + mr, p0)
        ci = test.proportion_ci(confidence, method="exact")

        def ratio(p: float) -> float | None:
            return None if p >= 1.0 else (p / (1.0 - p)) * scale

        out.append(
            {
                "iso3": iso3,
                "name": _name(iso3),
                "mentions_chosen": mc,
                "mentions_rejected": mr,
                "ratio": ratio(mc / (mc + mr)),
                "ci_low": ratio(ci.low),
                "ci_high": ratio(ci.high),
                "p_value": float(test.pvalue),
                "pairs_chosen_only": pairs["chosen_only"].get(iso3, 0),
                "pairs_rejected_only": pairs["rejected_only"].get(iso3, 0),
                "pairs_both": pairs["both"].get(iso3, 0),
            }
        )
        pvals.append(test.pvalue)
    adjusted = holm(np.array(pvals)) if pvals else np.array([])
    for row, q in zip(out, adjusted):
        row["p_holm"] = float(q)
    out.sort(key=lambda r: (-(r["mentions_chosen"] + r["mentions_rejected"]), r["iso3"]))
    return out


def countries_summary(
    counts: dict[str, Any], *, header: dict[str, Any], confidence: float = 0.95
) -> CountriesSummary:
    """summary.json of a countries run from its merged shard counts."""
    total = counts.get("rows", 0)
    mentions = counts.get("mentions", {})
    n_mentions = sum(mentions.values())
    ambiguous = ambiguous_forms(counts.get("ambiguous", {}))
    summary: dict[str, Any] = {
        "kind": "countries",
        **header,
        "utterances_total": total,
        "utterances_with_country": counts.get("utterances_with_country", 0),
        "utterances_with_ambiguous": counts.get("utterances_with_ambiguous", 0),
        "mentions_total": n_mentions,
        "mentions_per_10k_utterances": 1e4 * n_mentions / total if total else 0.0,
        "countries_mentioned": len(mentions),
        "countries": country_rows(counts),
        "study_never_mentioned": [
            {"iso3": c.iso3, "name": c.name} for c in study_countries() if c.iso3 not in mentions
        ],
        "ambiguous": {"total": sum(a["count"] for a in ambiguous), "forms": ambiguous},
        "not_country": {
            "total": sum(counts.get("not_country", {}).values()),
            "forms": sorted_counts(counts.get("not_country", {})),
        },
        "utterance_languages": sorted_counts(counts.get("utterance_languages", {})),
        "by_source": _breakdown(counts, "source"),
        "by_role": _breakdown(counts, "role"),
        "by_side": _breakdown(counts, "side"),
    }
    side_n = counts.get("side_utterances", {})
    if side_n.get(PREFERRED) and side_n.get(DISPREFERRED):
        summary["preference"] = preference_section(counts, confidence)
    return summary


def country_rows(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """The countries table: mentions, shares, rate, languages, chosen/rejected mentions."""
    total = counts.get("rows", 0)
    mentions = counts.get("mentions", {})
    n_mentions = sum(mentions.values())
    by_side = counts.get("by_side", {})
    chosen, rejected = by_side.get(PREFERRED, {}), by_side.get(DISPREFERRED, {})
    table = []
    for iso3, n in sorted_counts(mentions).items():
        c = country_table().get(iso3)
        table.append(
            {
                "iso3": iso3,
                "name": _name(iso3),
                "in_study": bool(c and c.in_study),
                "mentions": n,
                "share": n / n_mentions if n_mentions else 0.0,
                "per_10k_utterances": 1e4 * n / total if total else 0.0,
                "by_language": sorted_counts(counts.get("by_language", {}).get(iso3, {})),
                "mentions_chosen": chosen.get(iso3, 0),
                "mentions_rejected": rejected.get(iso3, 0),
            }
        )
    return table


def _breakdown(counts: dict[str, Any], kind: str) -> dict[str, Any]:
    """Mentions per source subset / role / side, with the utterances of each."""
    utts = counts.get(f"{kind}_utterances", {})
    per = counts.get(f"by_{kind}", {})
    return {
        key: {
            "utterances": utts[key],
            "mentions": sum(per.get(key, {}).values()),
            "mentions_per_10k_utterances": 1e4 * sum(per.get(key, {}).values()) / utts[key],
            "countries": sorted_counts(per.get(key, {})),
        }
        for key in sorted(utts)
    }


def ambiguous_forms(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The ambiguous forms matched (never counted as a country), most frequent first."""
    out = []
    for key, n in sorted_counts(counts).items():
        form, cands, reason = key.split("\t")
        out.append(
            {
                "form": form,
                "candidates": cands.split(",") if cands else [],
                "reason": reason,
                "count": n,
            }
        )
    return out


def preference_section(counts: dict[str, Any], confidence: float) -> dict[str, Any]:
    """Preference data: mentions per chosen vs per rejected response, country by country."""
    by_side = counts.get("by_side", {})
    side_n = counts.get("side_utterances", {})
    rows = chosen_vs_rejected(
        by_side.get(PREFERRED, {}),
        by_side.get(DISPREFERRED, {}),
        side_n[PREFERRED],
        side_n[DISPREFERRED],
        {
            "chosen_only": counts.get("pair_chosen_only", {}),
            "rejected_only": counts.get("pair_rejected_only", {}),
            "both": counts.get("pair_both", {}),
        },
        confidence,
    )
    alpha = 1 - confidence
    return {
        "pairs": counts.get("pairs", {}).get("examples", 0),
        "responses_chosen": side_n[PREFERRED],
        "responses_rejected": side_n[DISPREFERRED],
        "test": (
            "rate ratio of mentions per chosen vs per rejected response; exact conditional "
            f"binomial test and Clopper-Pearson {confidence:.0%} CI; Holm-adjusted p"
        ),
        "confidence": confidence,
        "chosen_vs_rejected": rows,
        "more_in_chosen": [
            r["iso3"]
            for r in rows
            if r["p_holm"] < alpha and (r["ratio"] is None or r["ratio"] > 1)
        ],
        "more_in_rejected": [
            r["iso3"]
            for r in rows
            if r["p_holm"] < alpha and r["ratio"] is not None and r["ratio"] < 1
        ],
    }
