"""Key/value-cache plumbing: run a model over a shared token prefix once, and continue every
sequence of a batch from that cache (``reuse_prefix``). Handles transformers 4.x and 5.x
cache layouts."""

from __future__ import annotations

from typing import Any

from auditkit.modeling import require_torch, require_transformers
from auditkit.probes.scorers.base import model_device


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


def prefix_kv(model, prefix_ids: tuple[int, ...]) -> list[tuple[Any, Any]]:
    """Run a model (or its base transformer) over a prefix once and keep its key/value cache."""
    torch = require_torch()
    dev = model_device(model)
    ids = torch.tensor([list(prefix_ids)], dtype=torch.long, device=dev)
    out = model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=True)
    return _cache_tensors(out.past_key_values)


def call_after_prefix(
    model, input_ids, attention_mask, kv: list[tuple[Any, Any]] | None, length: int = 0
):
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
