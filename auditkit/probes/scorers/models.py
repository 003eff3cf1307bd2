"""The model table: each known model's scorer class and the quirks that scorer needs (cf.
reward-bench's models/__init__.py: one table hides each reward model's quirks)."""

from __future__ import annotations

from dataclasses import dataclass

from auditkit.probes.scorers.base import Scorer
from auditkit.probes.scorers.dpo import DPOScorer
from auditkit.probes.scorers.lm import LMScorer
from auditkit.probes.scorers.starling import StarlingScorer
from auditkit.registry import Registry


@dataclass(frozen=True)
class ModelSpec:
    """A known model: which scorer, which weights, and the quirks that scorer needs."""

    scorer: type[Scorer]
    model_id: str
    base_id: str | None = None  # starling: config + tokenizer of the transformer
    reference_id: str | None = None  # dpo: the reference policy
    beta: float | None = None  # dpo: the beta the model was trained with
    use_chat_template: bool = True  # lm: wrap the question in the chat template
    prompt_format: str | None = None  # lm: a fixed "{question}" format instead of the template
    note: str = ""


# The one table that hides each known model's quirks (cf. reward-bench's models/__init__.py).
KNOWN_MODELS: Registry[ModelSpec] = Registry("model")
KNOWN_MODELS.register(
    "starling",
    ModelSpec(
        StarlingScorer,
        "berkeley-nest/Starling-RM-7B-alpha",
        base_id="meta-llama/Llama-2-7b-chat-hf",
        note="value head on Llama-2-7b-chat; the study's reward model",
    ),
    aliases=("starling-rm-7b-alpha", "berkeley-nest/Starling-RM-7B-alpha"),
)
KNOWN_MODELS.register(
    "tulu-2-dpo-7b",
    ModelSpec(
        DPOScorer,
        "allenai/tulu-2-dpo-7b",
        reference_id="allenai/tulu-2-7b",
        beta=0.1,
        note="Tulu 2 DPO (beta 0.1) against its SFT model",
    ),
    aliases=("allenai/tulu-2-dpo-7b",),
)
KNOWN_MODELS.register(
    "zephyr-7b-beta",
    ModelSpec(
        DPOScorer,
        "HuggingFaceH4/zephyr-7b-beta",
        reference_id="HuggingFaceH4/mistral-7b-sft-beta",
        beta=0.01,
        note="Zephyr-7B-beta (DPO, beta 0.01) against Mistral-7B-SFT-beta",
    ),
    aliases=("HuggingFaceH4/zephyr-7b-beta",),
)
# The study's perplexity models, with the prompt each released score file shows in its
# "Full Prompt" column: the Llama-2 chat format for both Llama models, the bare question for
# Mistral-7B (use_chat_template=0).
LLAMA2_CHAT_FORMAT = "<s>[INST] {question} [/INST]"
for _name, _id, _fmt, _chat in (
    ("llama-2-7b", "meta-llama/Llama-2-7b-hf", LLAMA2_CHAT_FORMAT, True),
    ("llama-2-7b-chat", "meta-llama/Llama-2-7b-chat-hf", LLAMA2_CHAT_FORMAT, True),
    ("mistral-7b", "mistralai/Mistral-7B-v0.1", None, False),
):
    KNOWN_MODELS.register(
        _name,
        ModelSpec(
            LMScorer,
            _id,
            use_chat_template=_chat,
            prompt_format=_fmt,
            note="the study's perplexity ranking",
        ),
        aliases=(_id,),
    )
