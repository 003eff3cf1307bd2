"""Starling checkpoint surgery: find the value-head checkpoint of a Starling-style reward
model and split its state dict, strictly, into transformer weights and the value head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.errors import AuditkitError
from auditkit.modeling import require_torch

CHECKPOINT_SUFFIXES = (".pt", "model.bin", "model.safetensors")


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


def no_init_weights():
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


def load_state(path: Path) -> dict[str, Any]:
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
