"""``starling``: a Starling-RM-style reward model: a Llama transformer whose LM head is replaced
by a linear value head loaded from a separate checkpoint; the reward is the value at the last
non-padding token of ``<s>[INST] {question} </s> [/INST] {response}</s>``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from auditkit import hub
from auditkit.errors import AuditkitError
from auditkit.modeling import (
    load_model,
    model_info,
    quantization_config,
    require_torch,
    require_transformers,
    resolve_dtype,
)
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question, fill
from auditkit.probes.scorers.base import (
    SCORERS,
    PrefixState,
    Rendering,
    Scorer,
    model_device,
    to_device,
)
from auditkit.probes.scorers.kv_cache import call_after_prefix, prefix_kv
from auditkit.probes.scorers.starling_checkpoint import (
    find_checkpoint,
    load_state,
    map_starling_state,
    no_init_weights,
)

STARLING_PROMPT = "<s>[INST] {question} </s> [/INST] {response}</s>"
STARLING_MAX_LENGTH = 2048


@SCORERS.register("starling")
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
        self.tokenizer = hub.from_pretrained("AutoTokenizer", base, what="base tokenizer")
        # The study (and the model card) pad with <unk>, pad on the right, truncate on the left.
        self.tokenizer.pad_token = self.tokenizer.unk_token or self.tokenizer.eos_token
        self.tokenizer.padding_side = "right"
        self.tokenizer.truncation_side = "left"
        config = hub.from_pretrained("AutoConfig", base, what="base model config")
        dtype = resolve_dtype(self.opts.dtype, device)
        quantize = self.opts.load_in_8bit or self.opts.load_in_4bit
        # Every weight comes from the checkpoint: build the transformer where it will run, in
        # its final dtype, without random initialisation (minutes for 7B on CPU).
        with torch.device("cpu" if quantize else device), no_init_weights():
            transformer = transformers.AutoModel.from_config(
                config, dtype=torch.float16 if quantize else dtype
            )
        expected = {k: tuple(v.shape) for k, v in transformer.state_dict().items()}
        state = load_state(self.checkpoint)
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
        self.v_head = self.v_head.to(device=model_device(self.transformer), dtype=dtype).eval()
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
        d = hub.snapshot(
            self.model_id,
            revision=self.opts.revision,
            allow_patterns=["*.pt", "*model.bin", "*model.safetensors", "*.json"],
        )
        base = self.base_id or "meta-llama/Llama-2-7b-chat-hf"
        return d, base

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
        return PrefixState(len(prefix_ids), {"rm": prefix_kv(self.transformer, prefix_ids)})

    def forward(self, input_ids, attention_mask, starts, prefix=None) -> np.ndarray:
        torch = require_torch()
        dev = model_device(self.transformer)
        input_ids, attention_mask = to_device(dev, input_ids, attention_mask)
        kv, n = (prefix.kv["rm"], prefix.length) if prefix else (None, 0)
        hidden = call_after_prefix(self.transformer, input_ids, attention_mask, kv, n)[0]
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

    @classmethod
    def build(cls, model_id, opts, spec, request):
        return cls(model_id, opts, base_id=request.base_model or (spec.base_id if spec else None))
