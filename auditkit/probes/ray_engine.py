"""`auditkit probe-rm --engine ray`: scoring actors on a Ray cluster, same scores as local.

One actor per GPU of the cluster (or, on a CPU cluster, one per ``threads`` CPUs of a node)
builds the scorer once and scores whole question chunks with ``score_questions``. The driver
cuts the questions into the same fixed chunks as the local engine (``question_chunks``), hands
each free actor the next chunk, and reassembles the results in question order. Because a
chunk's batch plan depends only on the chunk, and every actor runs torch with the driver's
thread count, the long scores, and therefore summary.json, are identical to a local run's.

Ray is optional: `pip install 'auditkit[ray]'`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from auditkit.errors import AuditkitError
from auditkit.modeling import LoadOptions
from auditkit.probes.countries import Country
from auditkit.probes.probesets import Question
from auditkit.raytools import init_ray, require_ray

__all__ = ["ScoringActor", "init_ray", "plan_actors", "require_ray", "score_on_ray"]


class ScoringActor:
    """Ray actor body (wrapped with ``ray.remote`` at run time, since Ray is optional):
    the scorer is built once, then scores whole chunks."""

    def __init__(self, build_kwargs: dict[str, Any], threads: int) -> None:
        from auditkit.modeling import require_torch
        from auditkit.probes.scorers import build_scorer

        torch = require_torch()
        # Ray starts workers with OMP_NUM_THREADS=1 and require_torch would pick the node's
        # CPU count: both differ from the driver's, and CPU reductions (so the scores' last
        # bits) depend on the thread count.
        torch.set_num_threads(threads)
        t0 = time.perf_counter()
        self.error: str | None = None
        try:
            self.scorer = build_scorer(**build_kwargs)
        except AuditkitError as e:
            # Raised from describe() instead: an error in an actor's constructor reaches the
            # driver only as a traceback inside ActorDiedError, not as the user's message.
            self.error = str(e)
        self.load_s = time.perf_counter() - t0
        self.budget: int | None = None

    def describe(self) -> dict[str, Any]:
        import torch

        if self.error is not None:
            raise AuditkitError(self.error)
        return {
            "model_id": self.scorer.model_id,
            "components": self.scorer.components(),
            "torch_threads": torch.get_num_threads(),
            "load_s": self.load_s,
        }

    def score(
        self,
        index: int,
        questions: Sequence[Question],
        countries: Sequence[Country],
        token_budget: int | None,
        max_batch_size: int,
        reuse_prefix: bool,
    ) -> tuple[int, pd.DataFrame]:
        from auditkit.probes.scoring import score_questions

        try:
            df = score_questions(
                self.scorer,
                questions,
                countries,
                self.budget or token_budget,
                max_batch_size,
                False,
                reuse_prefix,
            )
        except AuditkitError as e:
            raise AuditkitError(str(e)) from None  # subclasses need not unpickle on the driver
        # Keep a budget that an out-of-memory back-off lowered, as the local engine does.
        self.budget = df.attrs.get("token_budget")
        return index, df

    def score_rows(
        self,
        index: int,
        rows: Sequence[Any],
        token_budget: int | None,
        max_batch_size: int,
        reuse_prefix: bool,
    ) -> tuple[int, pd.DataFrame]:
        """A chunk of conversation rows (language probe, preference pairs)."""
        from auditkit.probes.parallel import score_rows

        try:
            df = score_rows(
                self.scorer, rows, self.budget or token_budget, max_batch_size, False, reuse_prefix
            )
        except AuditkitError as e:
            raise AuditkitError(str(e)) from None
        self.budget = df.attrs.get("token_budget")
        return index, df


def plan_actors(
    ray: Any, threads: int, n_chunks: int, device: str
) -> tuple[int, dict[str, Any], str]:
    """How many scoring actors to start, the resources each reserves, and the device it uses.

    GPUs in the cluster (and a device that allows them): one actor per GPU, each seeing one GPU
    (Ray sets CUDA_VISIBLE_DEVICES, so any cuda:N becomes cuda). Otherwise one actor per
    ``threads`` CPUs of a node, so the actors' torch threads do not oversubscribe the CPUs.
    Never more actors than chunks.
    """
    gpus = int(ray.cluster_resources().get("GPU", 0))
    wants_gpu = device == "auto" or device.startswith("cuda")
    if gpus and wants_gpu:
        return max(1, min(gpus, n_chunks)), {"num_gpus": 1}, "cuda"
    if device.startswith("cuda"):
        raise AuditkitError(f"--device {device} asked, but the Ray cluster has no GPUs")
    per_node = [
        float(n.get("Resources", {}).get("CPU", 0)) for n in ray.nodes() if n.get("Alive", True)
    ]
    biggest = int(max(per_node, default=1))
    cpus = max(1, min(threads, biggest))
    slots = sum(int(c // cpus) for c in per_node)
    return max(1, min(slots, n_chunks)), {"num_cpus": cpus}, "cpu" if device == "auto" else device


def _unwrap(exc: BaseException) -> BaseException:
    """The user's error raised in an actor (its clean message, without Ray's traceback), or
    Ray's error itself."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, AuditkitError) else exc


def score_on_ray(
    build_kwargs: dict[str, Any],
    opts: LoadOptions,
    chunks: Sequence[Sequence[Question]],
    countries: Sequence[Country] | None,
    *,
    token_budget: int | None,
    max_batch_size: int,
    reuse_prefix: bool,
    threads: int,
    progress: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Score every chunk on a pool of Ray actors; the long scores in chunk order, and what ran.

    ``build_kwargs`` are ``build_scorer``'s arguments except ``opts``. ``countries=None``:
    the chunks hold conversation rows (``score_rows``) instead of questions. The returned info holds
    the scorer's model id and components (as the actors saw them), the actor count, the torch
    threads each actor runs with, how many chunks each scored, and the load time.
    """
    from auditkit.probes.scoring import concat_chunks

    ray = require_ray()
    n_actors, resources, device = plan_actors(ray, threads, len(chunks), opts.device)
    actor_opts = dataclasses.replace(opts, device=device)
    remote_cls = ray.remote(ScoringActor)
    t0 = time.perf_counter()
    actors = [
        remote_cls.options(**resources).remote({**build_kwargs, "opts": actor_opts}, threads)
        for _ in range(n_actors)
    ]
    try:
        described = _described(ray, actors, threads)
        load_s = time.perf_counter() - t0

        def call(actor: Any, i: int) -> Any:
            if countries is None:
                return actor.score_rows.remote(
                    i, list(chunks[i]), token_budget, max_batch_size, reuse_prefix
                )
            return actor.score.remote(
                i, list(chunks[i]), list(countries), token_budget, max_batch_size, reuse_prefix
            )

        total = sum(len(c) for c in chunks) * (len(countries) if countries is not None else 1)
        parts, per_actor = _run_chunks(ray, actors, len(chunks), call, total, progress)
    finally:
        for a in actors:  # free the GPUs before the next model is loaded
            ray.kill(a)
    first = described[0]
    info = {
        "model_id": first["model_id"],
        "components": first["components"],
        "actors": n_actors,
        "actor_resources": resources,
        "torch_threads": threads,
        "chunks": len(chunks),
        "chunks_per_actor": per_actor,
        "load_s": load_s,
    }
    return concat_chunks([p for p in parts if p is not None]), info


def _described(ray: Any, actors: list[Any], threads: int) -> list[dict[str, Any]]:
    """Every actor's description once it has loaded its scorer; they must all run torch with
    the driver's thread count (CPU scores depend on it)."""
    from ray.exceptions import RayError

    try:
        described = ray.get([a.describe.remote() for a in actors])
    except RayError as e:
        raise _unwrap(e) from None
    threads_seen = sorted({d["torch_threads"] for d in described})
    if threads_seen != [threads]:
        raise AuditkitError(
            f"Ray actors run torch with {threads_seen} threads, the driver with {threads}"
        )
    return described


def _run_chunks(
    ray: Any,
    actors: list[Any],
    n_chunks: int,
    call: Callable[[Any, int], Any],
    total: int,
    progress: bool,
) -> tuple[list[pd.DataFrame | None], list[int]]:
    """Chunks in order to whichever actor is free; each chunk's frame in its place, and how
    many chunks each actor scored."""
    from ray.exceptions import RayError

    from auditkit.console import make_progress

    parts: list[pd.DataFrame | None] = [None] * n_chunks
    per_actor = [0] * len(actors)
    todo = list(range(n_chunks))
    running: dict[Any, int] = {}

    def submit(k: int) -> None:
        running[call(actors[k], todo.pop(0))] = k

    with make_progress("seq", disable=not progress) as bar:
        task = bar.add_task(f"scoring on {len(actors)} Ray actors", total=total)
        for k in range(min(len(actors), len(todo))):
            submit(k)
        while running:
            ready, _ = ray.wait(list(running), num_returns=1)
            k = running.pop(ready[0])
            try:
                i, df = ray.get(ready[0])
            except RayError as e:
                raise _unwrap(e) from None
            parts[i] = df
            per_actor[k] += 1
            bar.advance(task, len(df))
            if todo:
                submit(k)
    return parts, per_actor
