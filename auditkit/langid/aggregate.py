"""Per-shard partial counts and the summary built from them.

Each finished shard stores its partial counts in its done marker, so the summary is a merge
of small dictionaries: memory does not grow with corpus size, and a resumed run never has to
re-read finished shards' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from auditkit.corpus_pass import add_count, sorted_counts
from auditkit.facts.languages import STUDY_LANGUAGES  # noqa: F401  (re-exported)
from auditkit.langid.codes import EMPTY, UNDETERMINED, language_name, normalise_code
from auditkit.summaries import LangSummary

STATUSES = ("agreed", "disagreed", "low_confidence", "empty")
NONE_KEY = "(none)"
MAX_TURN_BUCKET = 10  # turns >= 10 are pooled as "10+"


@lru_cache(maxsize=1)
def langdetect_languages() -> frozenset[str]:
    """Codes (normalised) that langdetect has a profile for: its profile file names."""
    import langdetect

    profiles = Path(langdetect.__file__).parent / "profiles"
    return frozenset(normalise_code(p.name, "langdetect") for p in profiles.iterdir())


def turn_bucket(turn: int) -> str:
    return str(turn) if turn < MAX_TURN_BUCKET else f"{MAX_TURN_BUCKET}+"


def shard_counts(rows: dict[str, Sequence[Any]]) -> dict[str, Any]:
    """Partial counts of one shard from its columns (see runner.OUTPUT_COLUMNS)."""
    c: dict[str, Any] = {
        "rows": len(rows["lang"]),
        "status": {},
        "languages": {},
        "by_source": {},
        "by_role": {},
        "by_turn": {},
        "by_side": {},
        "fasttext": {},
        "langdetect": {},
        "stripped": {"utterances": 0},
        "human": {},
        "preference": {
            "examples": 0,
            "examples_with_other_language_response": 0,
            "responses": 0,
            "responses_other_language": 0,
        },
    }
    n = c["rows"]
    files = rows.get("source_file")  # absent in tables made before the column existed
    for i in range(n):
        lang = rows["lang"][i]
        add_count(c, "status", rows["status"][i], 1)
        add_count(c, "fasttext", rows["ft_code"][i], 1)
        add_count(c, "langdetect", rows["ld_code"][i], 1)
        if lang not in (UNDETERMINED, EMPTY):
            add_count(c, "languages", lang, 1)
        add_count(c, "by_source", rows["source"][i] or NONE_KEY, lang, 1)
        if files is not None and files[i]:
            add_count(c, "by_file", files[i], lang, 1)
        add_count(c, "by_role", rows["role"][i], lang, 1)
        add_count(c, "by_turn", turn_bucket(rows["turn"][i]), lang, 1)
        if rows["side"][i]:
            add_count(c, "by_side", rows["side"][i], lang, 1)
        if rows["stripped_chars"][i] > 0:
            c["stripped"]["utterances"] += 1
        human = rows["human_lang"][i]
        if human:
            add_count(c, "human", normalise_code(human), lang, 1)
    _count_cross_language_responses(rows, c["preference"])
    return c


def _count_cross_language_responses(rows: dict[str, Sequence[Any]], out: dict[str, int]) -> None:
    """Preference data: responses (chosen/rejected/answer) whose agreed language differs from
    their prompt's last user turn. Shards never split an example, so this is shard-local."""
    n = len(rows["lang"])
    i = 0
    while i < n:
        j = i
        ex = rows["example_id"][i]
        while j < n and rows["example_id"][j] == ex:
            j += 1
        sides = rows["side"][i:j]
        if any(s in ("chosen", "rejected", "answer") for s in sides):
            out["examples"] += 1
            prompt_lang = None
            for k in range(i, j):
                if rows["side"][k] == "prompt" and rows["role"][k] == "user":
                    prompt_lang = rows["lang"][k]
            other = 0
            for k in range(i, j):
                if rows["side"][k] in ("chosen", "rejected", "answer"):
                    out["responses"] += 1
                    lang = rows["lang"][k]
                    if (
                        prompt_lang not in (None, UNDETERMINED, EMPTY)
                        and lang not in (UNDETERMINED, EMPTY)
                        and lang != prompt_lang
                    ):
                        other += 1
            out["responses_other_language"] += other
            out["examples_with_other_language_response"] += int(other > 0)
        i = j


def language_table(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The study's Table 2: code, English name, count, share of all agreed utterances."""
    agreed = sum(counts.values())
    return [
        {
            "code": code,
            "name": language_name(code),
            "count": n,
            "share": (n / agreed) if agreed else 0.0,
        }
        for code, n in sorted_counts(counts).items()
    ]


def lang_summary(
    counts: dict[str, Any], *, low_resource_threshold: int, header: dict[str, Any]
) -> LangSummary:
    """summary.json of a lang run from its merged shard counts."""
    status = counts.get("status", {})
    languages = language_table(counts.get("languages", {}))
    agreed = status.get("agreed", 0)
    total = counts.get("rows", 0)
    summary: dict[str, Any] = {
        "kind": "lang",
        **header,
        "utterances_total": total,
        "utterances_agreed": agreed,
        "utterances_disagreed": status.get("disagreed", 0),
        "utterances_low_confidence": status.get("low_confidence", 0),
        "utterances_empty": status.get("empty", 0),
        "utterances_stripped": counts.get("stripped", {}).get("utterances", 0),
        "agreement_rate": agreed / max(1, total - status.get("empty", 0)),
        "languages": languages,
        "non_english_share": 1.0 - next((r["share"] for r in languages if r["code"] == "en"), 0.0)
        if agreed
        else 0.0,
        **_breakdowns(counts),
        "low_resource_threshold": low_resource_threshold,
        "low_resource": [
            {"code": r["code"], "name": r["name"], "count": r["count"]}
            for r in languages
            if r["count"] < low_resource_threshold
        ],
        "fasttext_only_languages": fasttext_only_languages(counts.get("fasttext", {})),
        "study_languages": {
            code: counts.get("languages", {}).get(code, 0) for code in STUDY_LANGUAGES
        },
    }
    if counts.get("by_side"):
        pref = counts.get("preference", {})
        summary["preference"] = {
            "by_side": {k: sorted_counts(v) for k, v in sorted(counts["by_side"].items())},
            **pref,
        }
    human = counts.get("human", {})
    if human:
        summary["human_label_agreement"] = human_label_agreement(human)
    return summary


def _breakdowns(counts: dict[str, Any]) -> dict[str, Any]:
    """Languages by source subset, role, input file, turn and detector (summary order)."""
    return {
        "by_source": {k: sorted_counts(v) for k, v in sorted(counts.get("by_source", {}).items())},
        "by_role": {k: sorted_counts(v) for k, v in sorted(counts.get("by_role", {}).items())},
        # per input file of a local corpus (a folder's files by relative path)
        **(
            {"by_file": {k: sorted_counts(v) for k, v in sorted(counts["by_file"].items())}}
            if counts.get("by_file")
            else {}
        ),
        "by_turn": {
            k: sorted_counts(v)
            for k, v in sorted(
                counts.get("by_turn", {}).items(), key=lambda kv: int(kv[0].rstrip("+"))
            )
        },
        "by_detector": {
            "fasttext": sorted_counts(counts.get("fasttext", {})),
            "langdetect": sorted_counts(counts.get("langdetect", {})),
        },
    }


def fasttext_only_languages(fasttext: dict[str, int]) -> list[dict[str, Any]]:
    """Languages that can never be agreed: fastText names them, langdetect has no profile
    (Yoruba, Amharic, Hausa...). They are 'und' by construction, not by disagreement."""
    return [
        {"code": code, "name": language_name(code), "fasttext_count": n}
        for code, n in sorted_counts(fasttext).items()
        if code not in langdetect_languages() and code not in (UNDETERMINED, EMPTY)
    ]


def human_label_agreement(human: dict[str, dict[str, int]]) -> dict[str, Any]:
    """How often the agreed label matches a corpus's human language label (OASST `lang`)."""
    n_labelled = sum(sum(v.values()) for v in human.values())
    n_with_agreed = sum(
        n for v in human.values() for lang, n in v.items() if lang not in (UNDETERMINED, EMPTY)
    )
    matches = sum(v.get(h, 0) for h, v in human.items())
    return {
        "utterances_with_human_label": n_labelled,
        "with_agreed_label": n_with_agreed,
        "matches": matches,
        "rate": matches / n_with_agreed if n_with_agreed else None,
        "by_human_label": {h: sorted_counts(v) for h, v in sorted(human.items())},
    }
