"""``dpo``: the implicit reward of a DPO policy, beta * (log pi(y|x) - log pi_ref(y|x))."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.modeling import LoadOptions, load_model, load_tokenizer, model_info
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question, fill
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


@SCORERS.register("dpo")
@dataclass
class DPOScorer(Scorer):
    reference_id: str = ""
    beta: float = 0.1
    kind: str = "dpo"
    favourable: str = "higher"
    score_name: str = "implicit_reward"
    add_special_tokens: bool = False  # the chat template writes the special tokens itself
    uses_start: bool = True

    def __post_init__(self) -> None:
        if not self.reference_id:
            raise AuditkitError("the DPO scorer needs a reference model (--ref)")
        if not self.beta > 0:
            raise AuditkitError(f"--beta must be positive, got {self.beta}")
        self.tokenizer = load_tokenizer(self.model_id, self.opts)
        # The reference is its own model: the policy's revision, adapter and tokenizer are not its.
        ref_opts = LoadOptions(
            **{**self.opts.as_dict(), "revision": None, "peft": None, "tokenizer": None}
        )
        ref_tok = load_tokenizer(self.reference_id, ref_opts)
        probe = "Which country? I think the Netherlands."
        if self.tokenizer(probe)["input_ids"] != ref_tok(probe)["input_ids"]:
            raise AuditkitError(
                f"{self.model_id} and its reference {self.reference_id} tokenize differently; "
                "the implicit reward needs one tokenization"
            )
        self.policy = load_model(self.model_id, "AutoModelForCausalLM", self.opts)
        self.reference = load_model(self.reference_id, "AutoModelForCausalLM", ref_opts)
        self.ref_opts = ref_opts

    @property
    def pad_id(self) -> int:
        return int(self.tokenizer.pad_token_id)

    def texts(self, question: Question, country: Country) -> Rendering:
        response = fill(question.response, country)
        user = [{"role": "user", "content": question.question}]
        prompt = chat_text(self.tokenizer, user, add_generation_prompt=True)
        full = chat_text(self.tokenizer, user + [{"role": "assistant", "content": response}], False)
        return Rendering(response, full, prompt)

    def encode_prefix(self, prefix_ids: tuple[int, ...]) -> PrefixState:
        return PrefixState(
            len(prefix_ids),
            {
                "policy": prefix_kv(self.policy.base_model, prefix_ids),
                "reference": prefix_kv(self.reference.base_model, prefix_ids),
            },
        )

    def _sum_logp(self, name, model, input_ids, attention_mask, starts, prefix):
        dev = model_device(model)
        ids, mask, st = to_device(dev, input_ids, attention_mask, starts)
        kv, n = (prefix.kv[name], prefix.length) if prefix else (None, 0)
        logits = call_after_prefix(model, ids, mask, kv, n).logits
        lp = token_log_probs(logits, ids)
        return (lp * span_mask(mask, st)).sum(dim=1).cpu()

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        pol = self._sum_logp("policy", self.policy, input_ids, attention_mask, starts, prefix)
        ref = self._sum_logp("reference", self.reference, input_ids, attention_mask, starts, prefix)
        return (self.beta * (pol - ref)).double().numpy()

    def components(self) -> dict[str, Any]:
        return {
            **super().components(),
            "model": model_info(self.model_id, self.opts, self.policy),
            "reference": model_info(self.reference_id, self.ref_opts, self.reference),
            "beta": self.beta,
            "chat_template_hash": template_hash(self.tokenizer),
        }

    @classmethod
    def build(cls, model_id, opts, spec, request):
        ref = request.reference or (spec.reference_id if spec else None)
        beta = request.beta
        if beta is None:
            beta = spec.beta if spec and spec.beta else 0.1
        return cls(model_id, opts, reference_id=ref or "", beta=beta)
