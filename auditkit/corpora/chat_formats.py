"""Chat and instruction formats: messages, ShareGPT, Alpaca, OpenAssistant trees, MT-Bench
turns, plain text (record -> utterances, and the sniffers that recognise each)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from auditkit.corpora.format_base import (
    Converter,
    RecordSkip,
    Report,
    _as_list,
    _emit,
    _example_id,
    _extra,
    _msg_turns,
    _require,
    _role,
    _role_cache,
    _source,
    _system_turn,
    _text,
)
from auditkit.corpora.record import Utterance

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
    stateful = True

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
        # Ids are compared and hashed below: only scalars are ids (as text, so a parent_id
        # 7 finds the message_id "7" as it does in the exported table).
        mid = _id_text(mid, "message_id")
        parent = rec.get("parent_id")
        parent = None if parent is None else _id_text(parent, "parent_id")
        tree = rec.get("message_tree_id")
        tree = None if tree is None else _id_text(tree, "message_tree_id")
        if tree is None:
            tree = mid if parent is None else None
        out = self._resolve_guarded() if tree != self.tree else []
        if tree != self.tree:
            self.tree = tree
        self.rows.append((pos, {**rec, "parent_id": parent}, mid, text, corpus, label))
        return out

    def flush(self) -> list[Utterance]:
        return self._resolve_guarded()

    def _resolve_guarded(self) -> list[Utterance]:
        """Resolve the buffered tree; if that fails, each buffered row is a counted skip (the
        per-record guard of the caller only sees the row that triggered the resolve)."""
        try:
            return self._resolve()
        except Exception as e:
            for pos, *_ in self.rows:
                self.report("bad_record", pos, None, f"{type(e).__name__}: {e}")
            self.rows = []
            return []

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


def _id_text(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RecordSkip("wrong_type", field, f"expected an id, got {type(value).__name__}")
    return str(value)


def _sniff_oasst(rec: Any) -> bool:
    return (
        isinstance(rec, dict)
        and "message_id" in rec
        and "parent_id" in rec
        and "text" in rec
        and "role" in rec
    )


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
