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

from collections.abc import Callable
from typing import Any

from auditkit.corpora.chat_formats import (
    _conv_alpaca,
    _conv_messages,
    _conv_sharegpt,
    _conv_text,
    _conv_turns,
    _OasstConverter,
    _sniff_alpaca,
    _sniff_messages,
    _sniff_oasst,
    _sniff_sharegpt,
    _sniff_text,
    _sniff_turns,
)
from auditkit.corpora.format_base import Converter, Format, RecordSkip, Report, _Stateless
from auditkit.corpora.preference_formats import (
    _conv_hh,
    _conv_nectar,
    _conv_preference,
    _conv_sharegpt_pairwise,
    _sniff_hh,
    _sniff_nectar,
    _sniff_preference,
    _sniff_sharegpt_pairwise,
    parse_hh,
)
from auditkit.corpora.record import Utterance
from auditkit.registry import Registry

FORMATS: Registry[Format] = Registry("corpus format")

__all__ = ["FORMATS", "Converter", "Format", "RecordSkip", "parse_hh"]


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
