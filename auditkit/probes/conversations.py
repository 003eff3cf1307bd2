"""Conversations as every scorer scores them: the parallel-text and pairwise probes.

The country probe fills a template; the language probe and the pairwise accuracy score given
conversations (a user prompt, or several turns, and one assistant response). Each scorer wraps
them as it wraps a country answer:

* ``starling``: ``<s>[INST] {user} </s> [/INST] {assistant}</s>`` per exchange (the study's
  format, repeated for multi-turn prompts); reward at the last token;
* ``seq-cls``: the tokenizer's chat template over the messages; reward at the last token;
* ``dpo``: the chat template; implicit reward summed over the response tokens;
* ``lm``: mean NLL of the response tokens after the prompt (chat template, or the registry's
  fixed prompt format for single-turn prompts). Lower = more likely.
"""

from __future__ import annotations

from collections.abc import Sequence

from auditkit.errors import AuditkitError
from auditkit.probes.scorers.base import Rendering, ScoredText, Scorer, chat_text
from auditkit.probes.scorers.starling import STARLING_PROMPT

Turn = tuple[str, str]  # (role: system | user | assistant, text)


def _messages(turns: Sequence[Turn]) -> list[dict[str, str]]:
    return [{"role": r, "content": t} for r, t in turns]


def _starling_text(turns: Sequence[Turn], response: str) -> str:
    """The study's Starling format over every exchange; a system turn leads the first user
    turn (the format has no system slot)."""
    out, pending_system = [], ""
    for role, text in turns:
        if role == "system":
            pending_system = text + "\n\n"
        elif role == "user":
            out.append(f"<s>[INST] {pending_system}{text} </s> [/INST]")
            pending_system = ""
        else:
            out.append(f" {text}</s>")
    if len(turns) == 1 and turns[0][0] == "user":  # exactly the country probe's string
        return STARLING_PROMPT.format(question=turns[0][1], response=response)
    return "".join(out) + f" {response}</s>"


def render_conversation(scorer: Scorer, turns: Sequence[Turn], response: str) -> Rendering:
    """What ``scorer`` scores for a conversation ending in ``response`` (``text`` = response)."""
    if not turns or turns[-1][0] != "user":
        raise AuditkitError("a scored conversation must end with a user turn before the response")
    kind = scorer.kind
    if kind == "starling":
        return Rendering(response, _starling_text(turns, response))
    tok = scorer.tokenizer
    msgs = _messages(turns)
    full_msgs = msgs + [{"role": "assistant", "content": response}]
    if kind == "seq-cls":
        return Rendering(response, chat_text(tok, full_msgs, add_generation_prompt=False))
    if kind == "dpo":
        prompt = chat_text(tok, msgs, add_generation_prompt=True)
        return Rendering(response, chat_text(tok, full_msgs, False), prompt)
    if kind == "lm":
        fmt = getattr(scorer, "prompt_format", None)
        if fmt and len(turns) == 1:
            prompt = fmt.format(question=turns[0][1])
        elif getattr(scorer, "use_chat_template", True):
            prompt = chat_text(tok, msgs, add_generation_prompt=True)
        else:
            prompt = "\n".join(t for _, t in turns)
        prompt = prompt.rstrip()
        return Rendering(response, prompt + " " + response, prompt)
    raise AuditkitError(f"scorer {kind!r} cannot score conversations")


def render_conversations(
    scorer: Scorer, items: Sequence[tuple[Sequence[Turn], str]]
) -> list[ScoredText]:
    """Render and tokenise many (turns, response) conversations in one tokenizer call."""
    return scorer.encode_renderings([render_conversation(scorer, t, r) for t, r in items])


def response_token_stats(scorer: Scorer, responses: Sequence[str]) -> list[tuple[int, int, int]]:
    """(tokens, unknown tokens, UTF-8 bytes) of each response tokenised on its own: how well
    the model's tokenizer represents the text (byte fallback ~1 byte per token; <unk>s lose it)."""
    tok = scorer.tokenizer
    unk = getattr(tok, "unk_token_id", None)
    ids = tok(list(responses), add_special_tokens=False)["input_ids"] if responses else []
    return [
        (len(i), sum(1 for t in i if unk is not None and t == unk), len(r.encode("utf-8")))
        for i, r in zip(ids, responses)
    ]


def context_length(scorer: Scorer) -> int | None:
    """The longest sequence the scorer's model takes (its position embeddings; the
    tokenizer's model_max_length when smaller), or None when neither says."""
    model = next(
        (
            getattr(scorer, a)
            for a in ("model", "transformer", "policy")
            if getattr(scorer, a, None) is not None
        ),
        None,
    )
    limits = []
    n = getattr(getattr(model, "config", None), "max_position_embeddings", None)
    if isinstance(n, int) and n > 0:
        limits.append(n)
    t = getattr(getattr(scorer, "tokenizer", None), "model_max_length", None)
    if isinstance(t, int) and 0 < t < 1_000_000:
        limits.append(t)
    if scorer.max_length is not None:
        limits.append(scorer.max_length)
    return min(limits) if limits else None


def truncate_left(encoded, limit: int | None):
    """Keep the last ``limit`` tokens (the reward is read at the end; likelihood scorers keep
    at least one scored token): (encoded, whether it was cut)."""
    from auditkit.probes.batching import Encoded

    if limit is None or len(encoded) <= limit:
        return encoded, False
    cut = len(encoded) - limit
    return Encoded(encoded.input_ids[cut:], max(1, encoded.start - cut)), True
