"""Corpus formats: how one raw record becomes normalised utterances.

Each format has a ``sniff(record) -> bool`` used for auto-detection on a file's first records,
the top-level keys a table must have (checked against CSV/parquet columns), and a converter.
A converter is called once per record and returns that record's utterances; it raises
``RecordSkip`` when the record lacks a field or has the wrong shape, and the caller counts the
skip with the record's file:line. Converters are created per pass over a file, so a stateful
one (OASST builds per-tree depth maps) starts fresh each time and the pass is restartable.

Detection order matters where schemas overlap (UltraFeedback binarized has ``messages`` *and*
``prompt``/``chosen``/``rejected``; Nectar has an integer ``turns``): the most specific formats
are registered, and therefore tried, first.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditkit.corpora.record import Utterance, normalise_role
from auditkit.registry import Registry


class RecordSkip(Exception):
    """A record that cannot be converted: counted under ``reason`` naming ``field``."""

    def __init__(self, reason: str, field: str | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.detail = detail


# reason, position, field, detail: lets a stateful converter report a skip after the fact
Report = Callable[[str, int, "str | None", str], None]


class Converter:
    """Turns records into utterances; ``flush`` returns what a stateful converter still holds."""

    def __call__(self, rec: Any, corpus: str, label: str, pos: int) -> list[Utterance]:
        raise NotImplementedError

    def flush(self) -> list[Utterance]:
        return []


class _Stateless(Converter):
    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any, str, str, int], list[Utterance]]) -> None:
        self.fn = fn

    def __call__(self, rec: Any, corpus: str, label: str, pos: int) -> list[Utterance]:
        return self.fn(rec, corpus, label, pos)


@dataclass(frozen=True)
class Format:
    """A corpus format. ``required``: groups of top-level keys; a table needs one key of each."""

    name: str
    description: str
    schema: str
    sniff: Callable[[Any], bool]
    make_converter: Callable[[Report], Converter]
    required: tuple[tuple[str, ...], ...] = ()
    accepts_text_lines: bool = False

    def missing_columns(self, columns: list[str]) -> list[str]:
        """The first key of every required group that ``columns`` does not satisfy."""
        have = set(columns)
        return [group[0] for group in self.required if not have.intersection(group)]


FORMATS: Registry[Format] = Registry("corpus format")

# -- shared helpers --------------------------------------------------------------------------

# A record's own id, in order of preference; else the caller's '<file>:<line>' fallback.
ID_KEYS = ("id", "prompt_id", "message_id", "question_id", "conversation_id", "example_id")
# A record's source subset (Tulu's `dataset`, UltraFeedback's `source`).
SOURCE_KEYS = ("dataset", "source", "subset")

_role_cache: dict[Any, str] = {}


def _role(raw: Any) -> str:
    r = _role_cache.get(raw)
    if r is None:
        r = normalise_role(raw if isinstance(raw, str) else None)
        if len(_role_cache) < 1000:  # roles are few; never let odd data grow the cache
            _role_cache[raw] = r
    return r


def _example_id(rec: dict, label: str, pos: int) -> str:
    for k in ID_KEYS:
        v = rec.get(k)
        if v is not None and v != "":
            return str(v)
    return f"{label}:{pos}"


def _source(rec: dict) -> str | None:
    for k in SOURCE_KEYS:
        v = rec.get(k)
        if v is None or v == "":
            continue
        if isinstance(v, str):
            return v
        if isinstance(v, (list, tuple)):
            return ",".join(str(x) for x in v)
        return str(v)
    return None


def _text(value: Any, field: str) -> str:
    """The text of a field: a str as is; OpenAI-style content parts joined; numbers as str."""
    if type(value) is str:
        return value
    if value is None:
        raise RecordSkip("missing_field", field)
    if isinstance(value, list):
        parts = []
        for p in value:
            if isinstance(p, str):
                parts.append(p)
            elif isinstance(p, dict) and isinstance(p.get("text"), str):
                parts.append(p["text"])
            else:
                raise RecordSkip("wrong_type", field, "content parts without text")
        return "\n".join(parts)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise RecordSkip("wrong_type", field, f"expected text, got {type(value).__name__}")


def _require(rec: dict, key: str) -> Any:
    v = rec.get(key)
    if v is None:
        raise RecordSkip("missing_field", key)
    return v


def _as_list(value: Any, field: str) -> list:
    """A list field; CSV cells hold lists as JSON text, so a str that parses to a list counts."""
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, str) and value[:1] == "[":
        import json

        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    raise RecordSkip("wrong_type", field, f"expected a list, got {type(value).__name__}")


def _extra(rec: dict, keys: tuple[str, ...]) -> dict | None:
    found = {k: rec[k] for k in keys if k in rec}
    return found or None


def _msg_turns(
    msgs: list, field: str, role_keys: tuple[str, str], text_keys: tuple[str, str]
) -> list[tuple[str, str]]:
    """[(role, text)] of a message list whose items use role_keys / text_keys (first found)."""
    out = []
    rk, rk2 = role_keys
    tk, tk2 = text_keys
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            raise RecordSkip("wrong_type", f"{field}[{i}]", "expected a message object")
        content = m.get(tk)
        if content is None:
            content = m.get(tk2)
        text = content if type(content) is str else _text(content, f"{field}[{i}].{tk}")
        role = m.get(rk)
        if role is None:
            role = m.get(rk2)
            if role is None:
                raise RecordSkip("missing_field", f"{field}[{i}].{rk}")
        out.append((_role(role), text))
    return out


def _emit(
    out: list[Utterance],
    corpus: str,
    eid: str,
    src: str | None,
    turns: list[tuple[str, str]],
    start: int,
    side: str | None,
    extra: dict | None = None,
) -> None:
    for i, (role, text) in enumerate(turns, start):
        out.append(
            Utterance(
                corpus, eid, src, role, i, text, side, None, None, dict(extra) if extra else {}
            )
        )


def _shared_prefix(a: list, b: list) -> int:
    """Length of the common prefix, capped so each side keeps at least its final turn."""
    n = min(len(a), len(b))
    k = 0
    while k < n and a[k] == b[k]:
        k += 1
    return max(0, min(k, len(a) - 1, len(b) - 1))


# -- 1. messages (Tulu, UltraChat; KTO keeps `label`) ----------------------------------------

_MESSAGES_EXTRA = ("label", "kto_tag")


def _conv_messages(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    msgs = rec.get("messages")
    if msgs is None:
        raise RecordSkip("missing_field", "messages")
    if type(msgs) is not list:
        msgs = _as_list(msgs, "messages")
    if not msgs:
        raise RecordSkip("empty_conversation", "messages")
    eid = _example_id(rec, label, pos)
    src = _source(rec)
    extra = _extra(rec, _MESSAGES_EXTRA)
    roles = _role_cache
    out: list[Utterance] = []
    append = out.append
    i = 0
    # The hot loop of the largest corpora (Tulu, UltraChat): one Utterance per message, checks
    # kept to what a skip needs.
    for m in msgs:
        try:
            text = m["content"]
            role = m["role"]
        except (KeyError, TypeError):
            _check_message(m, i)
            raise
        if type(text) is not str:
            text = _text(text, f"messages[{i}].content")
        r = roles.get(role) if type(role) is str else None
        if r is None:
            if role is None:
                raise RecordSkip("missing_field", f"messages[{i}].role")
            r = _role(role)
        append(
            Utterance(corpus, eid, src, r, i, text, None, None, None, dict(extra) if extra else {})
        )
        i += 1
    return out


def _check_message(m: Any, i: int) -> None:
    """Raise the RecordSkip that names what is wrong with message ``i``."""
    if type(m) is not dict:
        raise RecordSkip("wrong_type", f"messages[{i}]", "expected a message object")
    for key in ("content", "role"):
        if key not in m:
            raise RecordSkip("missing_field", f"messages[{i}].{key}")


def _sniff_messages(rec: Any) -> bool:
    return isinstance(rec, dict) and isinstance(rec.get("messages"), list)


# -- 2. ShareGPT --------------------------------------------------------------------------------


def _system_turn(rec: dict) -> list[tuple[str, str]]:
    system = rec.get("system")
    return [("system", system)] if isinstance(system, str) and system else []


def _conv_sharegpt(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    convs = _as_list(_require(rec, "conversations"), "conversations")
    if not convs:
        raise RecordSkip("empty_conversation", "conversations")
    turns = _system_turn(rec) + _msg_turns(
        convs, "conversations", ("from", "role"), ("value", "content")
    )
    out: list[Utterance] = []
    _emit(
        out,
        corpus,
        _example_id(rec, label, pos),
        _source(rec),
        turns,
        0,
        None,
        _extra(rec, _MESSAGES_EXTRA),
    )
    return out


def _sniff_sharegpt(rec: Any) -> bool:
    return isinstance(rec, dict) and isinstance(rec.get("conversations"), list)


# -- 3. Alpaca (+ history; `output` list = ranked answers; chosen/rejected = pairs) ---------------


def _conv_alpaca(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    instruction = _text(rec.get("instruction"), "instruction")
    inp = rec.get("input")
    prompt = instruction + "\n\n" + _text(inp, "input") if inp else instruction
    turns = _system_turn(rec)
    history = rec.get("history")
    if history:
        for j, pair in enumerate(_as_list(history, "history")):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise RecordSkip("wrong_type", f"history[{j}]", "expected [user, assistant]")
            turns.append(("user", _text(pair[0], f"history[{j}][0]")))
            turns.append(("assistant", _text(pair[1], f"history[{j}][1]")))
    turns.append(("user", prompt))
    eid = _example_id(rec, label, pos)
    src = _source(rec)
    out: list[Utterance] = []
    n = len(turns)
    output = rec.get("output")
    if output is None and "chosen" in rec and "rejected" in rec:
        # LLaMA-Factory's alpaca-style DPO: instruction/input + chosen/rejected strings
        _emit(out, corpus, eid, src, turns, 0, "prompt")
        for side in ("chosen", "rejected"):
            _emit(out, corpus, eid, src, [("assistant", _text(rec[side], side))], n, side)
        return out
    if output is None:
        raise RecordSkip("missing_field", "output")
    if isinstance(output, list):
        # Ranked replies, best first (LLaMA-Factory oaast_rm): one 'answer' per reply, rank 1..k.
        _emit(out, corpus, eid, src, turns, 0, "prompt")
        for r, ans in enumerate(output, 1):
            out.append(
                Utterance(
                    corpus,
                    eid,
                    src,
                    "assistant",
                    n,
                    _text(ans, f"output[{r - 1}]"),
                    "answer",
                    None,
                    r,
                )
            )
        return out
    turns.append(("assistant", _text(output, "output")))
    _emit(out, corpus, eid, src, turns, 0, None)
    return out


def _sniff_alpaca(rec: Any) -> bool:
    return isinstance(rec, dict) and "instruction" in rec


# -- 4. OASST message table ----------------------------------------------------------------------


class _OasstConverter(Converter):
    """Buffers the rows of one message tree (consecutive rows with the same tree id), then
    computes every message's depth by walking ``parent_id``; memory is bounded by a tree.

    Depth maps of the last ``keep_trees`` trees are kept, so a tree whose rows are split into
    a few runs still resolves. A message whose parent is nowhere in the input (exports filtered
    by language have these) is kept with turn -1 (depth unknown) and ``extra['orphan']``.
    """

    keep_trees = 256

    def __init__(self, report: Report) -> None:
        self.report = report
        self.tree: Any = object()
        self.rows: list[tuple[int, dict, str, str, str, str]] = []
        self.recent: OrderedDict[Any, dict[str, int]] = OrderedDict()

    def __call__(self, rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
        mid = rec.get("message_id")
        if mid is None:
            raise RecordSkip("missing_field", "message_id")
        text = rec.get("text")
        if type(text) is not str:
            text = _text(text, "text")
        role = rec.get("role")
        if role is None:
            raise RecordSkip("missing_field", "role")
        tree = rec.get("message_tree_id")
        if tree is None:
            tree = mid if rec.get("parent_id") is None else None
        out = self._resolve() if tree != self.tree else []
        if tree != self.tree:
            self.tree = tree
        self.rows.append((pos, rec, str(mid), text, corpus, label))
        return out

    def flush(self) -> list[Utterance]:
        return self._resolve()

    def _resolve(self) -> list[Utterance]:
        if not self.rows:
            return []
        tree = self.tree
        known = self.recent.pop(tree, None) or {}
        parent_of = {m: r.get("parent_id") for _, r, m, _, _, _ in self.rows}
        depth: dict[str, int] = dict(known)
        limit = len(parent_of) + len(known) + 1

        def depth_of(m: str) -> int | None:
            chain = []
            cur: Any = m
            while cur not in depth:
                if cur not in parent_of:
                    return None  # the parent is not in this tree (yet)
                p = parent_of[cur]
                if p is None:
                    depth[cur] = 0
                    break
                chain.append(cur)
                if len(chain) > limit:
                    return None  # a cycle in parent_id
                cur = p
            d = depth[cur]
            for c in reversed(chain):
                d += 1
                depth[c] = d
            return depth[m]

        out: list[Utterance] = []
        for _pos, rec, mid, text, corpus, _label in self.rows:
            d = depth_of(mid)
            extra = {"message_id": mid, "parent_id": rec.get("parent_id")}
            if d is None:
                # The parent is not in the input (e.g. a language-filtered export): the text is
                # real, so keep it, with turn -1 = depth unknown.
                d = -1
                extra["orphan"] = True
            rank = rec.get("rank")
            lang = rec.get("lang")
            out.append(
                Utterance(
                    corpus,
                    str(tree) if tree is not None else mid,
                    _source(rec),
                    _role(rec.get("role")),
                    d,
                    text,
                    None,
                    lang if isinstance(lang, str) else None,
                    int(rank) if isinstance(rank, (int, float)) and rank == rank else None,
                    extra,
                )
            )
        self.recent[tree] = depth
        while len(self.recent) > self.keep_trees:
            self.recent.popitem(last=False)
        self.rows = []
        return out


def _sniff_oasst(rec: Any) -> bool:
    return (
        isinstance(rec, dict)
        and "message_id" in rec
        and "parent_id" in rec
        and "text" in rec
        and "role" in rec
    )


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


# -- MT-Bench style turns -------------------------------------------------------------------------


def _conv_turns(rec: dict, corpus: str, label: str, pos: int) -> list[Utterance]:
    eid = _example_id(rec, label, pos)
    cat = rec.get("category")
    src = _source(rec) or (str(cat) if cat is not None else None)
    out: list[Utterance] = []
    # Turn = position in the conversation: user questions at 0, 2, ...; answers at 1, 3, ...
    if "turns" in rec:
        for i, t in enumerate(_as_list(rec["turns"], "turns")):
            out.append(Utterance(corpus, eid, src, "user", 2 * i, _text(t, f"turns[{i}]")))
    choices = rec.get("choices")
    if choices is not None:
        for c_i, choice in enumerate(_as_list(choices, "choices")):
            if type(choice) is not dict:
                raise RecordSkip("wrong_type", f"choices[{c_i}]", "expected {index, turns}")
            turns = _as_list(_require(choice, "turns"), f"choices[{c_i}].turns")
            extra = {"choice": choice.get("index", c_i)}
            if "model_id" in rec:
                extra["model"] = rec["model_id"]
            for i, t in enumerate(turns):
                out.append(
                    Utterance(
                        corpus,
                        eid,
                        src,
                        "assistant",
                        2 * i + 1,
                        _text(t, f"choices[{c_i}].turns[{i}]"),
                        None,
                        None,
                        None,
                        dict(extra),
                    )
                )
    if not out and "turns" not in rec and choices is None:
        raise RecordSkip("missing_field", "turns")
    return out


def _sniff_turns(rec: Any) -> bool:
    return isinstance(rec, dict) and (
        isinstance(rec.get("turns"), list)
        or ("question_id" in rec and isinstance(rec.get("choices"), list))
    )


# -- 7. plain text ------------------------------------------------------------------------------


def _conv_text(rec: Any, corpus: str, label: str, pos: int) -> list[Utterance]:
    if type(rec) is str:
        return [Utterance(corpus, f"{label}:{pos}", None, "text", 0, rec)]
    text = _text(rec.get("text"), "text")
    role = rec.get("role")
    lang = rec.get("lang")
    return [
        Utterance(
            corpus,
            _example_id(rec, label, pos),
            _source(rec),
            _role(role) if role is not None else "text",
            0,
            text,
            None,
            lang if isinstance(lang, str) else None,
        )
    ]


def _sniff_text(rec: Any) -> bool:
    return isinstance(rec, str) or (isinstance(rec, dict) and isinstance(rec.get("text"), str))


# -- registration (order = detection priority: most specific first) ------------------------------


def _stateless(
    fn: Callable[[Any, str, str, int], list[Utterance]],
) -> Callable[[Report], Converter]:
    return lambda report: _Stateless(fn)


FORMATS.register(
    "sharegpt-pairwise",
    Format(
        "sharegpt-pairwise",
        "ShareGPT-style DPO pairs (LLaMA-Factory)",
        "{conversations: [{from, value}], chosen: {from, value}, rejected: {from, value}}",
        _sniff_sharegpt_pairwise,
        _stateless(_conv_sharegpt_pairwise),
        (("conversations",), ("chosen",), ("rejected",)),
    ),
)
FORMATS.register(
    "preference",
    Format(
        "preference",
        "prompt + chosen + rejected, strings or message lists (UltraFeedback binarized)",
        "{prompt, chosen: str | [{role, content}], rejected: str | [{role, content}]}",
        _sniff_preference,
        _stateless(_conv_preference),
        (("prompt",), ("chosen",), ("rejected",)),
    ),
)
FORMATS.register(
    "hh",
    Format(
        "hh",
        "Anthropic HH transcripts in chosen/rejected",
        '{chosen: "\\n\\nHuman: ...\\n\\nAssistant: ...", rejected: "..."}',
        _sniff_hh,
        _stateless(_conv_hh),
        (("chosen",), ("rejected",)),
    ),
)
FORMATS.register(
    "nectar",
    Format(
        "nectar",
        "prompt with ranked answers (berkeley-nest/Nectar)",
        '{prompt: "\\n\\nHuman: ...\\n\\nAssistant:", answers: [{answer, model, rank}]}',
        _sniff_nectar,
        _stateless(_conv_nectar),
        (("prompt",), ("answers",)),
    ),
)
FORMATS.register(
    "oasst",
    Format(
        "oasst",
        "OpenAssistant message table, one message per row; turn = depth in the tree",
        "{message_id, parent_id, message_tree_id, role: prompter|assistant, text, lang, rank}",
        _sniff_oasst,
        _OasstConverter,
        (("message_id",), ("parent_id",), ("message_tree_id",), ("role",), ("text",)),
    ),
)
FORMATS.register(
    "turns",
    Format(
        "turns",
        "MT-Bench style questions (user turns) or answers (choices[].turns)",
        "{question_id, category, turns: [str]} | {question_id, choices: [{index, turns: [str]}]}",
        _sniff_turns,
        _stateless(_conv_turns),
        (("turns", "choices"),),
    ),
)
FORMATS.register(
    "messages",
    Format(
        "messages",
        "chat messages (Tulu v2, UltraChat; KTO `label` kept in extra)",
        "{messages: [{role, content}], id?, dataset?}",
        _sniff_messages,
        _stateless(_conv_messages),
        (("messages",),),
    ),
)
FORMATS.register(
    "sharegpt",
    Format(
        "sharegpt",
        "ShareGPT conversations",
        "{conversations: [{from, value}], id?, system?}",
        _sniff_sharegpt,
        _stateless(_conv_sharegpt),
        (("conversations",),),
    ),
)
FORMATS.register(
    "alpaca",
    Format(
        "alpaca",
        "instruction/input/output (+ history pairs; output list = ranked answers)",
        "{instruction, input, output: str | [str], history?: [[user, assistant]], system?}",
        _sniff_alpaca,
        _stateless(_conv_alpaca),
        (("instruction",), ("output", "chosen")),
    ),
)
FORMATS.register(
    "text",
    Format(
        "text",
        "plain text, one utterance per line (.txt) or a `text` field",
        "one line = one utterance | {text, id?, role?, lang?}",
        _sniff_text,
        _stateless(_conv_text),
        (("text",),),
        accepts_text_lines=True,
    ),
)
