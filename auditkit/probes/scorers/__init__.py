"""Scorers: one interface over four ways of scoring a country-filled answer.

1. ``starling`` (starling.py): a reward model whose LM head is replaced by a value head from a
   separate checkpoint (checkpoint surgery in starling_checkpoint.py).
2. ``seq-cls`` (seq_cls.py): an ``AutoModelForSequenceClassification`` reward model.
3. ``dpo`` (dpo.py): the implicit reward of a DPO policy against its reference.
4. ``lm`` (lm.py): the study's "perplexity" ranking, the mean NLL of the country mention.

Each registers its class in ``SCORERS`` (base.py) under its kind; ``KNOWN_MODELS`` (models.py)
names each known model's scorer class and quirks; kv_cache.py holds the prefix-reuse plumbing.
``build_scorer`` picks the scorer: the one asked for, else the model table's, else the one the
model's files call for (``detect_scorer``). Every model file comes through auditkit.hub.
"""

from __future__ import annotations

from pathlib import Path

from auditkit import hub
from auditkit.errors import AuditkitError
from auditkit.modeling import LoadOptions
from auditkit.probes.scorers.base import (
    SCORERS,
    PrefixState,
    Rendering,
    ScoredText,
    Scorer,
    ScorerRequest,
)
from auditkit.probes.scorers.dpo import DPOScorer
from auditkit.probes.scorers.lm import LMScorer
from auditkit.probes.scorers.models import KNOWN_MODELS, LLAMA2_CHAT_FORMAT, ModelSpec
from auditkit.probes.scorers.seq_cls import SeqClsScorer
from auditkit.probes.scorers.starling import STARLING_MAX_LENGTH, STARLING_PROMPT, StarlingScorer
from auditkit.probes.scorers.starling_checkpoint import (
    CHECKPOINT_SUFFIXES,
    find_checkpoint,
    map_starling_state,
)

__all__ = [
    "KNOWN_MODELS",
    "LLAMA2_CHAT_FORMAT",
    "SCORERS",
    "STARLING_MAX_LENGTH",
    "STARLING_PROMPT",
    "DPOScorer",
    "LMScorer",
    "ModelSpec",
    "PrefixState",
    "Rendering",
    "ScoredText",
    "Scorer",
    "ScorerRequest",
    "SeqClsScorer",
    "StarlingScorer",
    "build_scorer",
    "detect_scorer",
    "find_checkpoint",
    "map_starling_state",
]


def detect_scorer(model: str, revision: str | None = None, reference: str | None = None) -> str:
    """Which scorer a model id or local path needs, from its files or config architectures."""
    p = Path(model)
    if p.is_dir():
        if (p / "base").is_dir() and any(
            f.name.endswith(CHECKPOINT_SUFFIXES) for f in p.iterdir() if f.is_file()
        ):
            return "starling"
        if not (p / "config.json").exists():
            raise AuditkitError(f"{p} has no config.json and is not a Starling-style folder")
    config = hub.from_pretrained("AutoConfig", model, revision=revision, what="model config")
    archs = list(getattr(config, "architectures", None) or [])
    if any(a.endswith("ForSequenceClassification") for a in archs):
        return "seq-cls"
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        return "dpo" if reference else "lm"
    raise AuditkitError(
        f"cannot tell how to score {model!r} (architectures: {archs or 'none'}); "
        f"pass --scorer ({', '.join(SCORERS.names())})"
    )


def build_scorer(
    model: str,
    scorer: str | None = None,
    opts: LoadOptions = LoadOptions(),
    reference: str | None = None,
    beta: float | None = None,
    base_model: str | None = None,
    use_chat_template: bool | None = None,
    lm_span: str = "country",
) -> Scorer:
    """A scorer for a registry name (``starling``), a Hub id or a local path."""
    spec: ModelSpec | None = KNOWN_MODELS.get(model) if model in KNOWN_MODELS else None
    model_id = spec.model_id if spec else model
    for name, what in ((model_id, "model"), (reference, "reference model"), (base_model, "base")):
        if name:
            hub.require_existing(name, what)
    kind = scorer or (
        spec.scorer.kind if spec else detect_scorer(model_id, opts.revision, reference)
    )
    request = ScorerRequest(reference, beta, base_model, use_chat_template, lm_span)
    return SCORERS.get(kind).build(model_id, opts, spec, request)
