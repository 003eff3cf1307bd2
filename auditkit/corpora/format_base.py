"""What every corpus format is made of: the Format record, converters, RecordSkip, and the
record helpers (ids, roles, texts) the formats share. The formats themselves are in
chat_formats.py and preference_formats.py; formats.py registers them in detection order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from auditkit.corpora.record import Utterance, normalise_role


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

    # A stateful converter may return nothing for a record it buffers; a stateless one that
    # returns nothing has lost the record (the caller counts it).
    stateful = False

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


def _system_turn(rec: dict) -> list[tuple[str, str]]:
    system = rec.get("system")
    return [("system", system)] if isinstance(system, str) and system else []
