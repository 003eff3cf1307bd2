"""The scorer interface: (question, filler) -> token sequence -> score, in padded batches.

Every scorer turns (question, country) into an ``Encoded`` token sequence and scores padded
batches; ``favourable`` says which way a better score points ("higher" or "lower"). Each kind
of scorer is one module of this package, registered in ``SCORERS`` under its ``kind``; the
model table (models.py) names the scorer class of each known model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.modeling import LoadOptions, require_torch, resolve_device
from auditkit.probes.batching import Encoded
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question
from auditkit.registry import Registry


@dataclass(frozen=True)
class ScorerRequest:
    """What the user asked of a scorer besides the model; None: the model table's value, else
    the scorer's default."""

    reference: str | None = None  # dpo: the reference policy (--ref)
    beta: float | None = None  # dpo
    base_model: str | None = None  # starling: config + tokenizer
    use_chat_template: bool | None = None  # lm
    lm_span: str = "country"  # lm: the country mention or the rest of the response


@dataclass
class ScoredText:
    """What a scorer scores for one (question, country): the text and its encoding."""

    text: str
    encoded: Encoded


@dataclass(frozen=True)
class Rendering:
    """The strings behind one scored sequence, before tokenisation.

    ``text`` is what the outputs show (the filled response, or the scored mention); ``full``
    the whole model input; ``prompt`` (likelihood scorers) the conditioning part, whose token
    count is where scoring starts.
    """

    text: str
    full: str
    prompt: str | None = None


@dataclass
class PrefixState:
    """Key/value caches of a token prefix shared by a group of sequences (one per model)."""

    length: int
    kv: dict[str, list[tuple[Any, Any]]]


@dataclass
class Scorer(ABC):
    """Turns (question, country) into a token sequence and scores batches of them."""

    model_id: str
    opts: LoadOptions = field(default_factory=LoadOptions)

    kind: str = "abstract"
    favourable: str = "higher"  # which way a better score points
    score_name: str = "score"
    # Tokenisation: whether the tokenizer adds its special tokens, and left truncation.
    add_special_tokens: bool = True
    max_length: int | None = None
    uses_start: bool = False  # likelihood scorers score the tokens from Encoded.start on
    supports_prefix: bool = True  # can reuse a shared prefix's key/value cache

    @abstractmethod
    def texts(self, question: Question, country: Country) -> Rendering: ...

    @abstractmethod
    def forward(
        self, input_ids, attention_mask, starts, prefix: PrefixState | None = None
    ) -> np.ndarray: ...

    @abstractmethod
    def encode_prefix(self, prefix_ids: tuple[int, ...]) -> PrefixState: ...

    @property
    @abstractmethod
    def pad_id(self) -> int: ...

    @property
    def device(self) -> str:
        return resolve_device(self.opts.device)

    def render_many(self, pairs: list[tuple[Question, Country]]) -> list[ScoredText]:
        """Render and tokenise many (question, country) pairs with one batched tokenizer call."""
        return self.encode_renderings([self.texts(q, c) for q, c in pairs])

    def encode_renderings(self, rs: list[Rendering]) -> list[ScoredText]:
        """Tokenise renderings (of any probe kind) with one batched tokenizer call."""
        if not rs:
            return []
        full_ids = self.tokenizer([r.full for r in rs], add_special_tokens=self.add_special_tokens)[
            "input_ids"
        ]
        prompts = list(dict.fromkeys(r.prompt for r in rs if r.prompt is not None))
        prompt_ids = {}
        if prompts:
            enc = self.tokenizer(prompts, add_special_tokens=self.add_special_tokens)["input_ids"]
            prompt_ids = dict(zip(prompts, enc))
        out = []
        for r, f in zip(rs, full_ids):
            if self.max_length is not None and len(f) > self.max_length:
                f = f[-self.max_length :]  # truncation_side="left", as the study
            if r.prompt is None:
                out.append(ScoredText(r.text, Encoded(tuple(f), len(f))))
            else:
                out.append(
                    ScoredText(r.text, Encoded(tuple(f), _start(prompt_ids[r.prompt], f, r.full)))
                )
        return out

    def render(self, question: Question, country: Country) -> ScoredText:
        return self.render_many([(question, country)])[0]

    def score_batch(
        self, input_ids, attention_mask, starts, prefix: PrefixState | None = None
    ) -> np.ndarray:
        """Scores of one right-padded batch (no autograd); ``prefix`` is the cache of tokens
        that precede every sequence of the batch (``starts`` are then relative to it)."""
        torch = require_torch()
        with torch.inference_mode():
            return np.asarray(
                self.forward(input_ids, attention_mask, starts, prefix), dtype=np.float64
            )

    def prefix_state(self, prefix_ids: tuple[int, ...]) -> PrefixState:
        torch = require_torch()
        with torch.inference_mode():
            return self.encode_prefix(tuple(prefix_ids))

    def score_encoded(self, items: list[Encoded]) -> np.ndarray:
        """Score sequences one at a time, unpadded (the reference the batched path must match)."""
        from auditkit.probes.batching import pad_batch

        return np.array([self.score_batch(*pad_batch([e], self.pad_id))[0] for e in items])

    def components(self) -> dict[str, Any]:
        return {"scorer": self.kind, "favourable": self.favourable, "score": self.score_name}

    @property
    def revision(self) -> str | None:
        return self.opts.revision

    @classmethod
    def build(cls, model_id: str, opts: LoadOptions, spec: Any, request: ScorerRequest) -> Scorer:
        """This scorer for a model, the model table's quirks (``spec``, None for a model not
        in it) filled in where the request leaves them open."""
        return cls(model_id, opts)


# kind -> scorer class; each scorer module registers its class
SCORERS: Registry[type[Scorer]] = Registry("scorer")


# --- helpers the scorers share -------------------------------------------------------------


def token_log_probs(logits, input_ids):
    """log p(token_t | tokens_<t) for t >= 1, in float32; shape [batch, seq-1]."""
    torch = require_torch()
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    return logp.gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)


def span_mask(attention_mask, starts):
    """Mask over predicted positions t-1 -> t for t in [start, length): shape [batch, seq-1]."""
    torch = require_torch()
    pos = torch.arange(1, attention_mask.shape[1], device=attention_mask.device)
    return (pos.unsqueeze(0) >= starts.unsqueeze(1)) & attention_mask[:, 1:].bool()


def _start(prompt_ids, full_ids, full: str) -> int:
    """Where the continuation after the prompt starts in ``full_ids``.

    As in the study, the start is the token count of the prompt encoded on its own; when the
    tokenizer merges across the boundary the prompt's ids are not a prefix of the full ids, and
    the start falls back to their longest common prefix so no prompt token is scored.
    """
    start = len(prompt_ids)
    if list(full_ids[:start]) != list(prompt_ids):
        start = next(
            (i for i, (a, b) in enumerate(zip(prompt_ids, full_ids)) if a != b),
            min(len(prompt_ids), len(full_ids)),
        )
    if start >= len(full_ids):
        raise AuditkitError(f"nothing left to score after the prompt in {full!r}")
    return max(start, 1)


def chat_text(tokenizer, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    if not getattr(tokenizer, "chat_template", None):
        raise AuditkitError(
            f"tokenizer of {getattr(tokenizer, 'name_or_path', '?')} has no chat template; "
            "this scorer builds the conversation with it (use a chat model's tokenizer)"
        )
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def to_device(device: str, *tensors):
    return [t.to(device) for t in tensors]


def model_device(model) -> str:
    try:
        return str(next(model.parameters()).device)
    except StopIteration:  # pragma: no cover
        return "cpu"


def template_hash(tokenizer) -> str | None:
    from auditkit.io import text_hash

    t = getattr(tokenizer, "chat_template", None)
    return text_hash(t) if isinstance(t, str) else None
