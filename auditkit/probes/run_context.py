"""One `probe-rm` run in progress: its config, where it writes, how it scores, what it measured.

Every kind of probe (country templates, slot templates, parallel text, preference pairs) takes
a ``ProbeRun`` instead of the config's thirty values one by one, scores its models through
``score_models`` (the local and the Ray engine behind one call) and writes its audit record
through ``write_run_record``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.audit import build_record, utc_now, write_record
from auditkit.config import to_record
from auditkit.modeling import LoadOptions
from auditkit.probes.config import ProbeConfig

# a fixed number of sequences per batch (--batch-size): the token budget no longer limits it
UNLIMITED_TOKENS = 1 << 40


@dataclass
class ProbeRun:
    """The config plus the runtime arguments that never change results."""

    config: ProbeConfig
    out: Path
    progress: bool = False
    engine: str = "local"
    ray_address: str | None = None
    language_labeller: Callable[[list[str]], list[str]] | None = None
    started: str = field(default_factory=utc_now)
    t0: float = field(default_factory=time.perf_counter)
    timings: dict[str, Any] = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        """The models to score: MODEL(s), else ``pretrained=`` of --model-args."""
        from auditkit.modeling import parse_model_args

        models = self.config.model_list
        pretrained = parse_model_args(self.config.model_args).get("pretrained")
        if pretrained and not models and not self.config.scores:
            return [pretrained]
        return models

    @property
    def token_budget(self) -> int | None:
        c = self.config
        return (c.token_budget or UNLIMITED_TOKENS) if c.batch_size is not None else c.token_budget

    @property
    def max_batch_size(self) -> int:
        c = self.config
        return c.batch_size if c.batch_size is not None else c.max_batch_size

    def load_options(self) -> LoadOptions:
        c = self.config
        return LoadOptions(
            dtype=c.dtype,
            device=c.device,
            revision=c.revision,
            load_in_8bit=c.load_in_8bit,
            load_in_4bit=c.load_in_4bit,
        ).with_model_args(c.model_args)

    def build_kwargs(self) -> dict[str, Any]:
        """``build_scorer``'s arguments except the model and the load options."""
        c = self.config
        return dict(
            scorer=c.scorer,
            reference=c.reference_model,
            beta=c.beta,
            base_model=c.base_model,
            use_chat_template=c.use_chat_template,
            lm_span=c.lm_span,
        )

    def engine_info(self, n_chunks: int, threads: int) -> dict[str, Any]:
        return {
            "name": self.engine,
            "question_chunk": self.config.question_chunk,
            "chunks": n_chunks,
            "torch_threads": threads,
        }


@dataclass
class ScoredModel:
    """One model's long scores and what produced them."""

    name: str  # the registry name, else the model id
    long: pd.DataFrame
    model_id: str
    components: dict[str, Any]
    ray: dict[str, Any]  # what the Ray engine ran (empty for the local engine)
    load_s: float
    score_s: float


def torch_threads() -> int:
    """Both engines run torch with this process's thread count (AUDITKIT_TORCH_THREADS, else
    all CPUs): CPU scores depend on it in their last bits."""
    from auditkit.modeling import require_torch

    return int(require_torch().get_num_threads())


def score_models(
    run: ProbeRun, chunks: Sequence[Sequence[Any]], items: Sequence[Any] | None, threads: int
) -> list[ScoredModel]:
    """Score the chunks with every model, one after another. ``items``: the countries or
    fillers of each question; None: the chunks hold conversation rows."""
    if run.engine == "ray":
        from auditkit.raytools import init_ray

        init_ray(run.ray_address, None)  # before any model loads: a missing Ray fails fast
    scored = [_score_model(run, name, chunks, items, threads) for name in run.models]
    run.timings["models"] = {s.name: {"load_s": s.load_s, "score_s": s.score_s} for s in scored}
    return scored


def _score_model(
    run: ProbeRun, name: str, chunks: Sequence[Sequence[Any]], items: Any, threads: int
) -> ScoredModel:
    import gc

    from auditkit.probes.scorers import KNOWN_MODELS, build_scorer

    t = time.perf_counter()
    kwargs = {**run.build_kwargs(), "model": name}
    budget, max_bs, reuse = run.token_budget, run.max_batch_size, run.config.reuse_prefix
    if run.engine == "ray":
        from auditkit.probes.ray_engine import score_on_ray

        long, info = score_on_ray(
            kwargs, run.load_options(), chunks, items, token_budget=budget,
            max_batch_size=max_bs, reuse_prefix=reuse, threads=threads, progress=run.progress,
        )  # fmt: skip
        model_id, components, loaded = (
            info.pop("model_id"),
            info.pop("components"),
            info.pop("load_s"),
        )
    else:
        sc = build_scorer(opts=run.load_options(), **kwargs)
        loaded = time.perf_counter() - t
        if items is None:
            from auditkit.probes.parallel import score_row_chunks

            long = score_row_chunks(sc, chunks, budget, max_bs, run.progress, reuse)
        else:
            from auditkit.probes.scoring import score_chunks

            long = score_chunks(sc, chunks, items, budget, max_bs, run.progress, reuse)
        model_id, components, info = sc.model_id, sc.components(), {}
        del sc
        gc.collect()
    scored_s = time.perf_counter() - t - loaded
    display = name if name in KNOWN_MODELS else model_id
    return ScoredModel(
        display, long, model_id, components, info, round(loaded, 3), round(scored_s, 3)
    )


def unique_names(names: Sequence[str]) -> list[str]:
    """Model names as folder names: numbered when two runs share one."""
    if len(set(names)) != len(names):
        return [f"{n}#{i + 1}" for i, n in enumerate(names)]
    return list(names)


def write_run_record(
    run: ProbeRun,
    inputs: list[dict[str, Any]],
    components: dict[str, Any],
    findings: dict[str, Any],
    *,
    engine: dict[str, Any] | None = None,
    subfolders: Sequence[Path] = (),
) -> None:
    """audit.json in the run folder (and in each model's subfolder: a run folder of its own)."""
    timings = {**run.timings, "total_s": round(time.perf_counter() - run.t0, 3)}
    extra: dict[str, Any] = {"timings": timings}
    if engine:
        extra["engine"] = engine
    record = build_record(
        "probe-rm", to_record(run.config), inputs, components, findings, run.started, extra=extra
    )
    write_record(run.out, record)
    for d in subfolders:
        write_record(d, record)
