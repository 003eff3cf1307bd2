"""``lm``: the study's "perplexity" ranking: the mean negative log-likelihood a causal LM gives
the country mention after the question and the response prefix. Lower = more likely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.modeling import load_model, load_tokenizer, model_info
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question, fill, response_prefix
from auditkit.probes.scorers.base import (
    SCORERS,
    PrefixState,
    Rendering,
    Scorer,
    chat_text,
    model_device,
    span_mask,
    template_hash,
    to_device,
    token_log_probs,
)
from auditkit.probes.scorers.kv_cache import call_after_prefix, prefix_kv


@SCORERS.register("lm")
@dataclass
class LMScorer(Scorer):
    """Mean NLL of the country mention after the question (+ chat template) and the response
    prefix, as in the study's ask-reddit perplexity testing. ``span='response'`` scores the
    whole rest of the filled response instead."""

    use_chat_template: bool = True
    span: str = "country"
    prompt_format: str | None = None
    kind: str = "lm"
    favourable: str = "lower"
    score_name: str = "mean_nll"
    add_special_tokens: bool = True  # as the study's tokenizer.encode
    uses_start: bool = True

    def __post_init__(self) -> None:
        if self.span not in ("country", "response"):
            raise AuditkitError(f"--lm-span must be 'country' or 'response', got {self.span!r}")
        self.tokenizer = load_tokenizer(self.model_id, self.opts)
        self.model = load_model(self.model_id, "AutoModelForCausalLM", self.opts)

    @property
    def pad_id(self) -> int:
        return int(self.tokenizer.pad_token_id)

    def texts(self, question: Question, country: Country) -> Rendering:
        q = question.question
        if self.prompt_format:
            q = self.prompt_format.format(question=q)
        elif self.use_chat_template:
            q = chat_text(self.tokenizer, [{"role": "user", "content": q}], True)
        prefix = response_prefix(question.response)
        prompt = (q + " " + prefix).strip()
        initial = not prefix  # the slot opens the response
        mention = country.mention(sentence_initial=initial)
        if self.span == "country":
            answer = " " + mention
        else:
            answer = " " + fill(question.response, country)[len(prefix) :]
        return Rendering(prefix + answer.lstrip(), prompt + answer, prompt)

    def encode_prefix(self, prefix_ids: tuple[int, ...]) -> PrefixState:
        return PrefixState(len(prefix_ids), {"lm": prefix_kv(self.model.base_model, prefix_ids)})

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        dev = model_device(self.model)
        ids, mask, st = to_device(dev, input_ids, attention_mask, starts)
        kv, n = (prefix.kv["lm"], prefix.length) if prefix else (None, 0)
        logits = call_after_prefix(self.model, ids, mask, kv, n).logits
        lp = token_log_probs(logits, ids)
        m = span_mask(mask, st)
        return (-(lp * m).sum(dim=1) / m.sum(dim=1)).double().cpu().numpy()

    def components(self) -> dict[str, Any]:
        return {
            **super().components(),
            "model": model_info(self.model_id, self.opts, self.model),
            "use_chat_template": self.use_chat_template,
            "prompt_format": self.prompt_format,
            "span": self.span,
            "chat_template_hash": template_hash(self.tokenizer) if self.use_chat_template else None,
        }

    @classmethod
    def build(cls, model_id, opts, spec, request):
        asked = request.use_chat_template
        chat = asked if asked is not None else (spec.use_chat_template if spec else True)
        # the model table's fixed prompt format holds unless the chat template was asked about
        fmt = spec.prompt_format if spec and asked is None else None
        return cls(model_id, opts, use_chat_template=chat, span=request.lm_span, prompt_format=fmt)
