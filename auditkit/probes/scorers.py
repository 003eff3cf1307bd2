"""Scorers: one interface over four ways of scoring a country-filled answer.

1. ``starling``: a Starling-RM-style reward model: a Llama transformer whose LM head is replaced
   by a linear value head loaded from a separate checkpoint; the reward is the value at the last
   non-padding token of ``<s>[INST] {question} </s> [/INST] {response}</s>``.
2. ``seq-cls``: an ``AutoModelForSequenceClassification`` reward model with one logit; the
   conversation is built with the tokenizer's chat template.
3. ``dpo``: the implicit reward of a DPO policy, beta * (log pi(y|x) - log pi_ref(y|x)).
4. ``lm``: the study's "perplexity" ranking: the mean negative log-likelihood a causal LM gives
   the country mention after the question and the response prefix. Lower = more likely.

Every scorer turns (question, country) into an ``Encoded`` token sequence and scores padded
batches; ``favourable`` says which way a better score points ("higher" or "lower").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.modeling import (
    LoadOptions,
    load_model,
    load_tokenizer,
    model_info,
    quantization_config,
    require_torch,
    require_transformers,
    resolve_device,
    resolve_dtype,
)
from auditkit.probes.batching import Encoded
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question, fill, response_prefix
from auditkit.registry import Registry

STARLING_PROMPT = "<s>[INST] {question} </s> [/INST] {response}</s>"
STARLING_MAX_LENGTH = 2048
CHECKPOINT_SUFFIXES = (".pt", "model.bin", "model.safetensors")


@dataclass(frozen=True)
class ModelSpec:
    """A known model: which scorer, which weights, and the quirks that scorer needs."""

    scorer: str  # starling | seq-cls | dpo | lm
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
        "starling",
        "berkeley-nest/Starling-RM-7B-alpha",
        base_id="meta-llama/Llama-2-7b-chat-hf",
        note="value head on Llama-2-7b-chat; the study's reward model",
    ),
    aliases=("starling-rm-7b-alpha", "berkeley-nest/Starling-RM-7B-alpha"),
)
KNOWN_MODELS.register(
    "tulu-2-dpo-7b",
    ModelSpec(
        "dpo",
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
        "dpo",
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
            "lm",
            _id,
            use_chat_template=_chat,
            prompt_format=_fmt,
            note="the study's perplexity ranking",
        ),
        aliases=(_id,),
    )


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


# --- helpers -----------------------------------------------------------------------------------


def _token_log_probs(logits, input_ids):
    """log p(token_t | tokens_<t) for t >= 1, in float32; shape [batch, seq-1]."""
    torch = require_torch()
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    return logp.gather(-1, input_ids[:, 1:].unsqueeze(-1)).squeeze(-1)


def _span_mask(attention_mask, starts):
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


def _cache_tensors(cache) -> list[tuple[Any, Any]]:
    """Per-layer (keys, values) of a transformers cache (5.x layers; 4.x key_cache lists)."""
    if hasattr(cache, "layers"):
        return [(layer.keys, layer.values) for layer in cache.layers]
    if hasattr(cache, "key_cache"):  # pragma: no cover - transformers 4.x
        return list(zip(cache.key_cache, cache.value_cache))
    return [(k, v) for k, v in cache]  # pragma: no cover - legacy tuples


def _expanded_cache(kv: list[tuple[Any, Any]], batch: int):
    """A fresh DynamicCache holding the prefix once per sequence of the batch (views, no copy)."""
    transformers = require_transformers()
    layers = [(k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1)) for k, v in kv]
    try:
        return transformers.DynamicCache(ddp_cache_data=layers)
    except TypeError:  # pragma: no cover - transformers 4.x
        return transformers.DynamicCache.from_legacy_cache(tuple(layers))


def _prefix_kv(model, prefix_ids: tuple[int, ...]) -> list[tuple[Any, Any]]:
    """Run a model (or its base transformer) over a prefix once and keep its key/value cache."""
    torch = require_torch()
    dev = _model_device(model)
    ids = torch.tensor([list(prefix_ids)], dtype=torch.long, device=dev)
    out = model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=True)
    return _cache_tensors(out.past_key_values)


def _call(model, input_ids, attention_mask, kv: list[tuple[Any, Any]] | None, length: int = 0):
    """model(input_ids, attention_mask), continuing after a cached prefix when given."""
    if kv is None:
        return model(input_ids=input_ids, attention_mask=attention_mask)
    torch = require_torch()
    b = input_ids.shape[0]
    mask = torch.cat([attention_mask.new_ones(b, length), attention_mask], dim=1)
    return model(
        input_ids=input_ids,
        attention_mask=mask,
        past_key_values=_expanded_cache(kv, b),
        use_cache=True,
    )


def _chat_text(tokenizer, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
    if not getattr(tokenizer, "chat_template", None):
        raise AuditkitError(
            f"tokenizer of {getattr(tokenizer, 'name_or_path', '?')} has no chat template; "
            "this scorer builds the conversation with it (use a chat model's tokenizer)"
        )
    return tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )


def _to_device(device: str, *tensors):
    return [t.to(device) for t in tensors]


def _model_device(model) -> str:
    try:
        return str(next(model.parameters()).device)
    except StopIteration:  # pragma: no cover
        return "cpu"


# --- 1. Starling-style reward model ---------------------------------------------------------


def find_checkpoint(directory: Path) -> Path:
    """The value-head checkpoint in a Starling-style folder (the model card's rule: the first
    file ending in .pt or model.bin, in sorted order; .safetensors also accepted)."""
    files = sorted(
        p for p in directory.iterdir() if p.is_file() and p.name.endswith(CHECKPOINT_SUFFIXES)
    )
    if not files:
        raise AuditkitError(
            f"no reward-model checkpoint (*.pt, *model.bin, *model.safetensors) in {directory}"
        )
    return files[0]


def _no_init_weights():
    """transformers' context that skips random weight initialisation (a no-op if absent)."""
    import contextlib

    try:
        from transformers.initialization import no_init_weights
    except ImportError:  # pragma: no cover - transformers 4.x
        try:
            from transformers.modeling_utils import no_init_weights
        except ImportError:
            return contextlib.nullcontext()
    return no_init_weights()


def _load_state(path: Path) -> dict[str, Any]:
    torch = require_torch()
    if path.name.endswith(".safetensors"):
        from safetensors.torch import load_file

        return load_file(str(path))
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise AuditkitError(f"could not read checkpoint {path}: {e}") from e


def map_starling_state(
    state: dict[str, Any], expected: dict[str, tuple[int, ...]], hidden_size: int
) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    """Split a Starling checkpoint into transformer weights and the value head, strictly.

    Accepted layouts: ``transformer.*`` (the reward model's own module names) and
    ``model.model.*`` (the same weights reached through the wrapped causal LM; both may be
    present and must then be identical), plus ``v_head.weight`` [1, hidden]. ``model.lm_head.*``
    is the LM head the value head replaces: dropped, and reported. Any other key, a missing
    transformer weight or a shape mismatch raises: nothing is loaded with ``strict=False``.
    """
    torch = require_torch()
    base: dict[str, Any] = {}
    dropped: list[str] = []
    unexpected: list[str] = []
    v_head = None
    for key, tensor in state.items():
        if key == "v_head.weight":
            v_head = tensor
        elif key.startswith("transformer."):
            name = key[len("transformer.") :]
            if name in base and not torch.equal(base[name], tensor):
                raise AuditkitError(f"checkpoint has two different tensors for {name!r}")
            base[name] = tensor
        elif key.startswith("model.model."):
            name = key[len("model.model.") :]
            if name in base and not torch.equal(base[name], tensor):
                raise AuditkitError(
                    f"checkpoint keys transformer.{name} and model.model.{name} differ"
                )
            base[name] = tensor
        elif key.startswith("model.lm_head."):
            dropped.append(key)
        else:
            unexpected.append(key)
    problems = []
    if unexpected:
        problems.append(
            f"unexpected keys: {', '.join(sorted(unexpected)[:10])}"
            + (f" (+{len(unexpected) - 10} more)" if len(unexpected) > 10 else "")
        )
    missing = sorted(set(expected) - set(base))
    extra = sorted(set(base) - set(expected))
    if missing:
        problems.append(
            f"missing transformer weights: {', '.join(missing[:10])}"
            + (f" (+{len(missing) - 10} more)" if len(missing) > 10 else "")
        )
    if extra:
        problems.append(f"weights the transformer does not have: {', '.join(extra[:10])}")
    if v_head is None:
        problems.append("missing value head v_head.weight")
    elif tuple(v_head.shape) != (1, hidden_size):
        problems.append(
            f"v_head.weight has shape {tuple(v_head.shape)}, expected (1, {hidden_size})"
        )
    for name in sorted(set(expected) & set(base)):
        if tuple(base[name].shape) != tuple(expected[name]):
            problems.append(
                f"{name} has shape {tuple(base[name].shape)}, expected {tuple(expected[name])}"
            )
    if problems:
        raise AuditkitError("Starling checkpoint does not match the model: " + "; ".join(problems))
    return base, v_head, {"dropped_keys": sorted(dropped), "loaded_tensors": len(base) + 1}


@dataclass
class StarlingScorer(Scorer):
    """Starling-RM-7B-alpha layout: ``base`` gives config + tokenizer, the checkpoint all weights."""

    base_id: str | None = None
    kind: str = "starling"
    favourable: str = "higher"
    score_name: str = "reward"
    # As in the study: the tokenizer's BOS precedes the literal <s>; left truncation at 2048.
    add_special_tokens: bool = True
    max_length: int | None = STARLING_MAX_LENGTH

    def __post_init__(self) -> None:
        torch = require_torch()
        transformers = require_transformers()
        rm_dir, base = self._locate()
        self.checkpoint = find_checkpoint(rm_dir)
        self.base_id = base
        device = self.device
        quantization_config(self.opts, device)  # clear error for 8/4-bit on CPU, before loading
        # --revision pins the reward-model repo; the base repo only supplies config + tokenizer.
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(base)
        # The study (and the model card) pad with <unk>, pad on the right, truncate on the left.
        self.tokenizer.pad_token = self.tokenizer.unk_token or self.tokenizer.eos_token
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"
        config = transformers.AutoConfig.from_pretrained(base)
        dtype = resolve_dtype(self.opts.dtype, device)
        quantize = self.opts.load_in_8bit or self.opts.load_in_4bit
        # Every weight comes from the checkpoint: build the transformer where it will run, in
        # its final dtype, without random initialisation (minutes for 7B on CPU).
        with torch.device("cpu" if quantize else device), _no_init_weights():
            transformer = transformers.AutoModel.from_config(
                config, dtype=torch.float16 if quantize else dtype
            )
        expected = {k: tuple(v.shape) for k, v in transformer.state_dict().items()}
        state = _load_state(self.checkpoint)
        weights, v_head_w, self.load_report = map_starling_state(
            state, expected, config.hidden_size
        )
        result = transformer.load_state_dict(weights, strict=True)
        assert (
            not result.missing_keys and not result.unexpected_keys
        )  # strict=True raised otherwise
        del state, weights
        self.v_head = torch.nn.Linear(config.hidden_size, 1, bias=False)
        self.v_head.load_state_dict({"weight": v_head_w}, strict=True)
        if quantize:
            transformer = self._quantized(transformer)
        self.transformer = transformer.eval()
        self.v_head = self.v_head.to(device=_model_device(self.transformer), dtype=dtype).eval()
        self.v_head.requires_grad_(False)

    def _locate(self) -> tuple[Path, str]:
        """Local folder (checkpoint, with the base model in ``base/`` or the registry's base),
        or a Hub repo downloaded with the model card's file rule."""
        local = Path(self.model_id)
        if local.is_dir():
            base = self.base_id or (str(local / "base") if (local / "base").is_dir() else None)
            if base is None:
                raise AuditkitError(
                    f"{local}: a Starling-style folder needs its base model in {local / 'base'} "
                    "or --base-model"
                )
            return local, base
        from huggingface_hub import snapshot_download

        try:
            d = snapshot_download(
                self.model_id,
                revision=self.opts.revision,
                allow_patterns=["*.pt", "*model.bin", "*model.safetensors", "*.json"],
            )
        except Exception as e:
            raise AuditkitError(f"could not download {self.model_id}: {e}") from e
        base = self.base_id or "meta-llama/Llama-2-7b-chat-hf"
        return Path(d), base

    def _quantized(self, transformer):
        """bitsandbytes quantizes at load time: write the strictly loaded transformer once to a
        cache folder, then load it back through from_pretrained with the quantization config."""
        import hashlib
        import os

        st = self.checkpoint.stat()
        key = hashlib.sha256(f"{self.checkpoint.resolve()}:{st.st_size}:{st.st_mtime_ns}".encode())
        cache = Path(os.environ.get("AUDITKIT_CACHE", Path.home() / ".cache" / "auditkit"))
        folder = cache / "starling" / key.hexdigest()[:16]
        if not (folder / "config.json").exists():
            transformer.save_pretrained(folder)
        return load_model(str(folder), "AutoModel", self.opts)

    @property
    def pad_id(self) -> int:
        return int(self.tokenizer.pad_token_id)

    def texts(self, question: Question, country: Country) -> Rendering:
        response = fill(question.response, country)
        return Rendering(
            response, STARLING_PROMPT.format(question=question.question, response=response)
        )

    def encode_prefix(self, prefix_ids: tuple[int, ...]) -> PrefixState:
        return PrefixState(len(prefix_ids), {"rm": _prefix_kv(self.transformer, prefix_ids)})

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        torch = require_torch()
        dev = _model_device(self.transformer)
        input_ids, attention_mask = _to_device(dev, input_ids, attention_mask)
        kv, n = (prefix.kv["rm"], prefix.length) if prefix else (None, 0)
        hidden = _call(self.transformer, input_ids, attention_mask, kv, n)[0]
        last = attention_mask.sum(dim=1) - 1
        h = hidden[torch.arange(hidden.shape[0], device=dev), last]
        return self.v_head(h.to(self.v_head.weight.dtype)).squeeze(-1).float().cpu().numpy()

    def components(self) -> dict[str, Any]:
        from auditkit.io import sha256_file

        return {
            **super().components(),
            "model": model_info(self.model_id, self.opts),
            "base_model": self.base_id,
            "checkpoint": self.checkpoint.name,
            "checkpoint_sha256": sha256_file(self.checkpoint),
            "prompt_format": STARLING_PROMPT,
            "add_special_tokens": True,
            "max_length": STARLING_MAX_LENGTH,
            "load_report": self.load_report,
        }


# --- 2. sequence-classification reward model ------------------------------------------------


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
        text = _chat_text(
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
        return PrefixState(len(prefix_ids), {"rm": _prefix_kv(self.model.base_model, prefix_ids)})

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        torch = require_torch()
        dev = _model_device(self.model)
        input_ids, attention_mask = _to_device(dev, input_ids, attention_mask)
        last = attention_mask.sum(dim=1) - 1
        rows = torch.arange(input_ids.shape[0], device=dev)
        if self.supports_prefix:
            # Pool at the last attended token ourselves: the model's own pooling looks for the
            # pad id, which goes wrong when pad == eos and the template ends with eos.
            kv, n = (prefix.kv["rm"], prefix.length) if prefix else (None, 0)
            hidden = _call(self.model.base_model, input_ids, attention_mask, kv, n)[0]
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
            "chat_template_hash": _template_hash(self.tokenizer),
        }


def _template_hash(tokenizer) -> str | None:
    from auditkit.io import text_hash

    t = getattr(tokenizer, "chat_template", None)
    return text_hash(t) if isinstance(t, str) else None


# --- 3. DPO implicit reward -----------------------------------------------------------------


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
        ref_opts = LoadOptions(**{**self.opts.as_dict(), "revision": None})
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
        prompt = _chat_text(self.tokenizer, user, add_generation_prompt=True)
        full = _chat_text(
            self.tokenizer, user + [{"role": "assistant", "content": response}], False
        )
        return Rendering(response, full, prompt)

    def encode_prefix(self, prefix_ids: tuple[int, ...]) -> PrefixState:
        return PrefixState(
            len(prefix_ids),
            {
                "policy": _prefix_kv(self.policy.base_model, prefix_ids),
                "reference": _prefix_kv(self.reference.base_model, prefix_ids),
            },
        )

    def _sum_logp(self, name, model, input_ids, attention_mask, starts, prefix):
        dev = _model_device(model)
        ids, mask, st = _to_device(dev, input_ids, attention_mask, starts)
        kv, n = (prefix.kv[name], prefix.length) if prefix else (None, 0)
        logits = _call(model, ids, mask, kv, n).logits
        lp = _token_log_probs(logits, ids)
        return (lp * _span_mask(mask, st)).sum(dim=1).cpu()

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
            "chat_template_hash": _template_hash(self.tokenizer),
        }


# --- 4. LM likelihood (the study's "perplexity") -----------------------------------------


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
            q = _chat_text(self.tokenizer, [{"role": "user", "content": q}], True)
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
        return PrefixState(len(prefix_ids), {"lm": _prefix_kv(self.model.base_model, prefix_ids)})

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        dev = _model_device(self.model)
        ids, mask, st = _to_device(dev, input_ids, attention_mask, starts)
        kv, n = (prefix.kv["lm"], prefix.length) if prefix else (None, 0)
        logits = _call(self.model, ids, mask, kv, n).logits
        lp = _token_log_probs(logits, ids)
        m = _span_mask(mask, st)
        return (-(lp * m).sum(dim=1) / m.sum(dim=1)).double().cpu().numpy()

    def components(self) -> dict[str, Any]:
        return {
            **super().components(),
            "model": model_info(self.model_id, self.opts, self.model),
            "use_chat_template": self.use_chat_template,
            "prompt_format": self.prompt_format,
            "span": self.span,
            "chat_template_hash": _template_hash(self.tokenizer)
            if self.use_chat_template
            else None,
        }


SCORERS = {"starling": StarlingScorer, "seq-cls": SeqClsScorer, "dpo": DPOScorer, "lm": LMScorer}


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
    transformers = require_transformers()
    try:
        config = transformers.AutoConfig.from_pretrained(model, revision=revision)
    except OSError as e:
        raise AuditkitError(f"could not read the config of {model!r}: {e}") from e
    archs = list(getattr(config, "architectures", None) or [])
    if any(a.endswith("ForSequenceClassification") for a in archs):
        return "seq-cls"
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        return "dpo" if reference else "lm"
    raise AuditkitError(
        f"cannot tell how to score {model!r} (architectures: {archs or 'none'}); "
        f"pass --scorer ({', '.join(SCORERS)})"
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
    kind = scorer or (spec.scorer if spec else detect_scorer(model_id, opts.revision, reference))
    if kind not in SCORERS:
        raise AuditkitError(f"unknown scorer {kind!r}; known: {', '.join(SCORERS)}")
    if kind == "starling":
        return StarlingScorer(
            model_id, opts, base_id=base_model or (spec.base_id if spec else None)
        )
    if kind == "seq-cls":
        return SeqClsScorer(model_id, opts)
    if kind == "dpo":
        ref = reference or (spec.reference_id if spec else None)
        b = beta if beta is not None else (spec.beta if spec and spec.beta else 0.1)
        return DPOScorer(model_id, opts, reference_id=ref or "", beta=b)
    chat = (
        use_chat_template
        if use_chat_template is not None
        else (spec.use_chat_template if spec else True)
    )
    return LMScorer(
        model_id,
        opts,
        use_chat_template=chat,
        span=lm_span,
        prompt_format=spec.prompt_format if spec and use_chat_template is None else None,
    )
