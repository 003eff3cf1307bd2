"""Loading Hugging Face models and tokenizers the same way for probes and evals.

torch and transformers are imported lazily so `auditkit lang` never pays for them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from auditkit.errors import AuditkitError, MissingDependency

# Weight precisions every model-loading command accepts (auto: float32 on CPU, bfloat16 on GPU)
DTYPES = ("auto", "float32", "float16", "bfloat16")

MODELS_PIP_HINT = "'auditkit[models]' (install torch==2.13.0 first for the CPU build)"


def require_torch() -> Any:
    try:
        import torch
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise MissingDependency("torch", MODELS_PIP_HINT, "model scoring") from e
    # On small shared CPUs torch's default thread pool oversubscribes and tiny ops crawl.
    if not getattr(require_torch, "_threads_set", False):
        n = int(os.environ.get("AUDITKIT_TORCH_THREADS", "0")) or max(1, (os.cpu_count() or 1))
        torch.set_num_threads(n)
        require_torch._threads_set = True  # type: ignore[attr-defined]
    return torch


def require_transformers() -> Any:
    try:
        import transformers
    except ImportError as e:  # pragma: no cover
        raise MissingDependency("transformers", MODELS_PIP_HINT, "model scoring") from e
    return transformers


@dataclass(frozen=True)
class LoadOptions:
    """How to load a model: recorded verbatim in every output."""

    dtype: str = "auto"  # auto | float32 | float16 | bfloat16
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    revision: str | None = None
    load_in_8bit: bool = False
    load_in_4bit: bool = False
    trust_remote_code: bool = False
    # lm-evaluation-harness --model_args spellings (None: transformers' default)
    device_map: str | None = None
    peft: str | None = None  # a PEFT adapter (local folder or Hub id) applied on top
    attn_implementation: str | None = None  # eager | sdpa | flash_attention_2
    tokenizer: str | None = None  # a tokenizer other than the model's own

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    def with_model_args(self, model_args: str | dict[str, Any] | None) -> LoadOptions:
        """These options overridden by ``--model-args 'k=v,...'`` (see parse_model_args)."""
        args = parse_model_args(model_args)
        args.pop("pretrained", None)
        return replace(self, **args)


# lm-eval's HFLM argument name -> LoadOptions field
MODEL_ARG_NAMES = {
    "revision": "revision",
    "trust_remote_code": "trust_remote_code",
    "dtype": "dtype",
    "torch_dtype": "dtype",
    "device": "device",
    "device_map": "device_map",
    "peft": "peft",
    "attn_implementation": "attn_implementation",
    "load_in_8bit": "load_in_8bit",
    "load_in_4bit": "load_in_4bit",
    "tokenizer": "tokenizer",
    "pretrained": "pretrained",
}
_BOOL_ARGS = {"trust_remote_code", "load_in_8bit", "load_in_4bit"}


def parse_model_args(model_args: str | dict[str, Any] | None) -> dict[str, Any]:
    """lm-evaluation-harness's ``--model_args`` string ('pretrained=ID,revision=R,dtype=
    bfloat16,peft=ADAPTER,trust_remote_code=True') as LoadOptions field values."""
    if not model_args:
        return {}
    if isinstance(model_args, dict):
        pairs = [(str(k), v) for k, v in model_args.items()]
    else:
        pairs = []
        for part in str(model_args).split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise AuditkitError(
                    f"--model-args: {part.strip()!r} is not key=value "
                    "(e.g. 'revision=main,dtype=bfloat16,trust_remote_code=True')"
                )
            k, v = part.split("=", 1)
            pairs.append((k.strip(), v.strip()))
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k not in MODEL_ARG_NAMES:
            raise AuditkitError(
                f"--model-args: unknown key {k!r}; known: {', '.join(sorted(MODEL_ARG_NAMES))}"
            )
        field = MODEL_ARG_NAMES[k]
        if field in _BOOL_ARGS:
            if isinstance(v, str):
                if v.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise AuditkitError(f"--model-args: {k} must be True or False, not {v!r}")
                v = v.lower() in ("true", "1", "yes")
            v = bool(v)
        elif field == "dtype" and v not in DTYPES:
            raise AuditkitError(
                f"--model-args: unknown dtype {v!r}; use auto, float32, float16 or bfloat16"
            )
        out[field] = v
    return out


def resolve_device(device: str = "auto") -> str:
    torch = require_torch()
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise AuditkitError(f"--device {device} requested but CUDA is not available here")
    return device


def resolve_dtype(dtype: str, device: str) -> Any:
    torch = require_torch()
    if dtype == "auto":
        # float32 on CPU: half precision matmuls are slow or unsupported there.
        return torch.float32 if device == "cpu" else torch.bfloat16
    try:
        return {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}[
            dtype
        ]
    except KeyError:
        raise AuditkitError(
            f"unknown --dtype {dtype!r}; use auto, float32, float16 or bfloat16"
        ) from None


def quantization_config(opts: LoadOptions, device: str) -> Any:
    """BitsAndBytesConfig for --load-in-8bit/4bit, or None. bitsandbytes needs CUDA."""
    if not (opts.load_in_8bit or opts.load_in_4bit):
        return None
    if opts.load_in_8bit and opts.load_in_4bit:
        raise AuditkitError("choose one of --load-in-8bit and --load-in-4bit")
    if not device.startswith("cuda"):
        flag = "--load-in-8bit" if opts.load_in_8bit else "--load-in-4bit"
        raise AuditkitError(
            f"{flag} needs a CUDA GPU (bitsandbytes); this run is on {device}. "
            "Drop the flag to load in --dtype float32 on CPU."
        )
    try:
        import bitsandbytes  # noqa: F401
    except ImportError as e:
        raise MissingDependency("bitsandbytes", "bitsandbytes", "8-bit/4-bit loading") from e
    transformers = require_transformers()
    if opts.load_in_8bit:
        return transformers.BitsAndBytesConfig(load_in_8bit=True)
    return transformers.BitsAndBytesConfig(load_in_4bit=True)


def load_tokenizer(model_id: str, opts: LoadOptions = LoadOptions(), padding_side: str = "right"):
    from auditkit import hub

    name = opts.tokenizer or model_id
    tok = hub.from_pretrained(
        "AutoTokenizer",
        name,
        revision=opts.revision if name == model_id else None,
        trust_remote_code=opts.trust_remote_code,
    )
    tok.padding_side = padding_side
    if tok.pad_token is None:
        # Padding positions are masked out; any existing token id will do.
        tok.pad_token = tok.eos_token if tok.eos_token is not None else tok.unk_token
    return tok


def load_model(
    model_id: str, auto_class: str = "AutoModelForCausalLM", opts: LoadOptions = LoadOptions()
):
    """Load a transformers model in eval mode on the resolved device and dtype."""
    from auditkit import hub

    torch = require_torch()
    device = resolve_device(opts.device)
    qconf = quantization_config(opts, device)
    kwargs: dict[str, Any] = {"trust_remote_code": opts.trust_remote_code}
    if opts.attn_implementation:
        kwargs["attn_implementation"] = opts.attn_implementation
    if qconf is not None:
        kwargs["quantization_config"] = qconf
        kwargs["device_map"] = opts.device_map or (device if device != "cuda" else "auto")
    else:
        kwargs["dtype"] = resolve_dtype(opts.dtype, device)
        if opts.device_map:
            kwargs["device_map"] = opts.device_map
    model = hub.from_pretrained(auto_class, model_id, revision=opts.revision, **kwargs)
    if qconf is None and not opts.device_map:
        model.to(device)
    if opts.peft:
        model = hub.load_peft(model, opts.peft)
    model.eval()
    torch.set_grad_enabled(False)
    return model


def model_info(model_id: str, opts: LoadOptions, model: Any = None) -> dict[str, Any]:
    """What every output records about a model: id, revision (resolved when known), options."""
    from auditkit import hub

    info: dict[str, Any] = {"model_id": model_id, **opts.as_dict()}
    commit = getattr(getattr(model, "config", None), "_commit_hash", None)
    if commit:
        info["resolved_revision"] = commit
    # Content hashes of the weights, so `auditkit rerun` notices a changed checkpoint.
    info["weights_sha256"] = hub.weights_sha256(model_id, commit or opts.revision)
    if opts.peft:
        info["peft_weights_sha256"] = hub.weights_sha256(opts.peft)
    return info
