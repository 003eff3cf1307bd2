"""``seq-cls``: an ``AutoModelForSequenceClassification`` reward model with one logit; the
conversation is built with the tokenizer's chat template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.modeling import load_model, load_tokenizer, model_info, require_torch
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question, fill
from auditkit.probes.scorers.base import (
    SCORERS,
    PrefixState,
    Rendering,
    Scorer,
    chat_text,
    model_device,
    template_hash,
    to_device,
)
from auditkit.probes.scorers.kv_cache import call_after_prefix, prefix_kv


@SCORERS.register("seq-cls")
@dataclass
class SeqClsScorer(Scorer):
    kind: str = "seq-cls"
    favourable: str = "higher"
    score_name: str = "reward"
    add_special_tokens: bool = False  # the chat template writes the special tokens itself

    def __post_init__(self) -> None:
        self.tokenizer = load_tokenizer(self.model_id, self.opts)
        self.model = load_model(self.model_id, "AutoModelForSequenceClassification", self.opts)
        # Our own last-token pooling (and prefix reuse) needs the usual linear `score` head.
        self.supports_prefix = self._pools_itself()
        n = getattr(self.model.config, "num_labels", None)
        if n != 1:
            raise AuditkitError(
                f"{self.model_id} has {n} labels; a reward model has exactly one output logit"
            )

    @property
    def pad_id(self) -> int:
        return int(self.tokenizer.pad_token_id)

    def _pools_itself(self) -> bool:
        head = getattr(self.model, "score", None)
        torch = require_torch()
        return isinstance(head, torch.nn.Linear) and self.model.base_model is not self.model

    def texts(self, question: Question, country: Country) -> Rendering:
        response = fill(question.response, country)
        text = chat_text(
            self.tokenizer,
            [
                {"role": "user", "content": question.question},
                {"role": "assistant", "content": response},
            ],
            add_generation_prompt=False,
        )
        return Rendering(response, text)

    def encode_prefix(self, prefix_ids: tuple[int, ...]) -> PrefixState:
        if not self.supports_prefix:  # pragma: no cover - callers check supports_prefix
            raise AuditkitError(f"{self.model_id}: prefix reuse needs a linear `score` head")
        return PrefixState(len(prefix_ids), {"rm": prefix_kv(self.model.base_model, prefix_ids)})

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        torch = require_torch()
        dev = model_device(self.model)
        input_ids, attention_mask = to_device(dev, input_ids, attention_mask)
        last = attention_mask.sum(dim=1) - 1
        rows = torch.arange(input_ids.shape[0], device=dev)
        if self.supports_prefix:
            # Pool at the last attended token ourselves: the model's own pooling looks for the
            # pad id, which goes wrong when pad == eos and the template ends with eos.
            kv, n = (prefix.kv["rm"], prefix.length) if prefix else (None, 0)
            hidden = call_after_prefix(self.model.base_model, input_ids, attention_mask, kv, n)[0]
            return self.model.score(hidden[rows, last]).squeeze(-1).float().cpu().numpy()
        attended = input_ids.masked_fill(attention_mask == 0, -1)
        if (attended == self.pad_id).any():
            raise AuditkitError(
                f"{self.model_id}: the pad token occurs inside a sequence, so the model's own "
                "last-token pooling would be wrong; give the tokenizer a distinct pad token"
            )
        logits = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return logits[:, 0].float().cpu().numpy()

    def components(self) -> dict[str, Any]:
        return {
            **super().components(),
            "model": model_info(self.model_id, self.opts, self.model),
            "chat_template_hash": template_hash(self.tokenizer),
        }
