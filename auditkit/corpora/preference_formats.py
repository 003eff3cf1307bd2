"""Preference formats: prompt/chosen/rejected pairs, Anthropic HH transcripts, ShareGPT-style
DPO pairs, Nectar's ranked answers (record -> utterances, and their sniffers)."""

from __future__ import annotations

import re
from typing import Any

from auditkit.corpora.format_base import (
    RecordSkip,
    _as_list,
    _emit,
    _example_id,
    _msg_turns,
    _require,
    _shared_prefix,
    _source,
    _system_turn,
    _text,
)
from auditkit.corpora.record import Utterance

# -- 5. preference pairs -------------------------------------------------------------------------


def _pair_turns(value: Any, field: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [("assistant", value)]
    if isinstance(value, dict):
        return _msg_turns([value], field, ("role", "from"), ("content", "value"))
    return _msg_turns(_as_list(value, field), field, ("role", "from"), ("content", "value"))


def _prompt_turns(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [("user", value)]
    return _msg_turns(_as_list(value, "prompt"), "prompt", ("role", "from"), ("content", "value"))


def _emit_pair(
    rec: dict,
    corpus: str,
    label: str,
    pos: int,
    prompt: list[tuple[str, str]],
    chosen: list[tuple[str, str]],
    rejected: list[tuple[str, str]],
) -> list[Utterance]:
    eid = _example_id(rec, label, pos)
    src = _source(rec)
    out: list[Utterance] = []
    _emit(out, corpus, eid, src, prompt, 0, "prompt")
    _emit(out, corpus, eid, src, chosen, len(prompt), "chosen")
    _emit(out, corpus, eid, src, rejected, len(prompt), "rejected")
    lang = _pair_language(rec)
    if lang is not None:
        for u in out:
            u.human_lang = lang
    return out


# A pair's given language (M-RewardBench's `language`, e.g. "arb_Arab"), kept as human_lang.
_PAIR_LANGUAGE_KEYS = ("language", "lang")


def _pair_language(rec: dict) -> str | None:
    for k in _PAIR_LANGUAGE_KEYS:
        v = rec.get(k)
        if isinstance(v, str) and v.strip():
            return v.strip()
    return None


def _conv_preference(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    chosen = _pair_turns(_require(rec, "chosen"), "chosen")
    rejected = _pair_turns(_require(rec, "rejected"), "rejected")
    if not chosen or not rejected:
        raise RecordSkip("empty_conversation", "chosen" if not chosen else "rejected")
    k = _shared_prefix(chosen, rejected)
    if k > 0:
        # UltraFeedback binarized: both lists repeat the prompt turns; emit them once.
        return _emit_pair(rec, corpus, label, pos, chosen[:k], chosen[k:], rejected[k:])
    if chosen[0][0] == "user" and chosen[0] == rejected[0]:
        # single-message lists that hold only the prompt: nothing to compare, keep it visible
        return _emit_pair(rec, corpus, label, pos, chosen[:1], chosen[1:], rejected[1:])
    prompt = _prompt_turns(_require(rec, "prompt"))
    return _emit_pair(rec, corpus, label, pos, prompt, chosen, rejected)


def _sniff_preference(rec: Any) -> bool:
    return isinstance(rec, dict) and "prompt" in rec and "chosen" in rec and "rejected" in rec


# -- Anthropic HH transcripts ----------------------------------------------------------------------

_HH_TURN = re.compile(r"(?:^|\n\n)(Human|Assistant):[ ]?")
# A continuation (text after an 'Assistant:' marker) starts inside a turn: only '\n\n' splits it
# (assistant replies in HH sometimes begin with the literal text 'Human: ...').
_HH_TURN_INNER = re.compile(r"\n\n(Human|Assistant):[ ]?")
_HH_ASSISTANT = "\n\nAssistant:"
_HH_ROLE = {"Human": "user", "Assistant": "assistant"}


def parse_hh(text: str, first_role: str | None = None) -> list[tuple[str, str]]:
    """[(role, text)] of an HH transcript ('\\n\\nHuman: …\\n\\nAssistant: …').

    Text before the first marker belongs to ``first_role`` (used for a continuation that
    starts inside an assistant turn); without one, non-empty leading text is role 'unknown'.
    """
    parts = (_HH_TURN if first_role is None else _HH_TURN_INNER).split(text)
    turns: list[tuple[str, str]] = []
    lead = parts[0]
    if first_role is not None:
        turns.append((first_role, lead))
    elif lead.strip():
        turns.append(("unknown", lead))
    for i in range(1, len(parts), 2):
        turns.append((_HH_ROLE[parts[i]], parts[i + 1]))
    return turns


def _hh_final(text: str, at: int) -> list[tuple[str, str]]:
    rest = text[at + len(_HH_ASSISTANT) :]
    if rest.startswith(" "):
        rest = rest[1:]
    return parse_hh(rest, "assistant")


def _common_prefix_len(a: str, b: str, step: int = 64) -> int:
    n = min(len(a), len(b))
    k = 0
    while k < n and a[k : k + step] == b[k : k + step]:
        k += step
    if k >= n:
        return n
    end = min(k + step, n)
    while k < end and a[k] == b[k]:
        k += 1
    return k


def _conv_hh(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    chosen = _text(rec.get("chosen"), "chosen")
    rejected = _text(rec.get("rejected"), "rejected")
    # The prompt is the shared prefix up to its last '\n\nAssistant:' marker. Using the common
    # prefix (not each side's own last marker) matters: some responses run on into further
    # 'Human:/Assistant:' turns, and those belong to that side.
    k = _common_prefix_len(chosen, rejected)
    at = chosen.rfind(_HH_ASSISTANT, 0, k)
    if at < 0:
        if _HH_ASSISTANT not in chosen:
            raise RecordSkip("wrong_type", "chosen", "no '\\n\\nAssistant:' turn in transcript")
        return _emit_pair(rec, corpus, label, pos, [], parse_hh(chosen), parse_hh(rejected))
    prompt = parse_hh(chosen[:at])
    return _emit_pair(
        rec, corpus, label, pos, prompt, _hh_final(chosen, at), _hh_final(rejected, at)
    )


def _sniff_hh(rec: Any) -> bool:
    if not isinstance(rec, dict) or "prompt" in rec:
        return False
    c = rec.get("chosen")
    return (
        isinstance(c, str)
        and isinstance(rec.get("rejected"), str)
        and ("Human:" in c or "Assistant:" in c)
    )


# -- ShareGPT pairwise (LLaMA-Factory DPO) -------------------------------------------------------


def _conv_sharegpt_pairwise(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    convs = _as_list(_require(rec, "conversations"), "conversations")
    prompt = _system_turn(rec) + _msg_turns(
        convs, "conversations", ("from", "role"), ("value", "content")
    )
    chosen = _pair_turns(_require(rec, "chosen"), "chosen")
    rejected = _pair_turns(_require(rec, "rejected"), "rejected")
    return _emit_pair(rec, corpus, label, pos, prompt, chosen, rejected)


def _sniff_sharegpt_pairwise(rec: Any) -> bool:
    return (
        isinstance(rec, dict)
        and isinstance(rec.get("conversations"), list)
        and "chosen" in rec
        and "rejected" in rec
    )


# -- 6. Nectar ranked answers ---------------------------------------------------------------------


def _conv_nectar(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    prompt_text = _text(rec.get("prompt"), "prompt")
    prompt = parse_hh(prompt_text) if "Human:" in prompt_text else [("user", prompt_text)]
    if len(prompt) > 1 and prompt[-1][0] == "assistant" and not prompt[-1][1].strip():
        prompt.pop()  # the trailing '\n\nAssistant:' is the slot the answers fill
    answers = _as_list(_require(rec, "answers"), "answers")
    eid = _example_id(rec, label, pos)
    src = _source(rec)
    out: list[Utterance] = []
    _emit(out, corpus, eid, src, prompt, 0, "prompt")
    n = len(prompt)
    for i, a in enumerate(answers):
        if type(a) is not dict:
            raise RecordSkip("wrong_type", f"answers[{i}]", "expected {answer, model, rank}")
        text = _text(a.get("answer"), f"answers[{i}].answer")
        rank = a.get("rank")
        rank = int(rank) if isinstance(rank, (int, float)) and rank == rank else None
        model = a.get("model")
        out.append(
            Utterance(
                corpus,
                eid,
                src,
                "assistant",
                n,
                text,
                "answer",
                None,
                rank,
                {"model": model} if model is not None else {},
            )
        )
    return out


def _sniff_nectar(rec: Any) -> bool:
    return isinstance(rec, dict) and "prompt" in rec and isinstance(rec.get("answers"), list)
