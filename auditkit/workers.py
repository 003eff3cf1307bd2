"""Where a step's work runs: this process, worker processes, or Ray actors.

A *step* is an object with ``work(payload) -> result`` (pure: any worker gives the same result)
and optionally ``warm()`` (load models or tables once per worker). ``make_workers`` picks the
engine; the three ``Workers`` classes share one small interface (submit / done / result / warm /
close), so code that pipelines work (auditkit.corpus_pass, lang's labelling) never names an
engine. Worker processes end with their parent however it ends, ignore the signals the parent
handles, and are spawned (forked only for an unguarded script, see ``pool_context``).
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import re
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from auditkit.errors import AuditkitError


def load_object(target: str) -> Any:
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def end_with_parent(parent: int, poll_s: float = 1.0) -> None:
    """Make this worker process end when ``parent`` does, however the parent ends (kill -9
    included): the kernel's parent-death signal on Linux, and a watcher thread everywhere
    (it also covers the race where the parent died before the signal was armed)."""
    import ctypes
    import threading
    import time

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            PR_SET_PDEATHSIG = 1
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(poll_s)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="auditkit-parent-watch", daemon=True).start()


def warm_step(step: Any) -> Any:
    warm = getattr(step, "warm", None)
    return warm() if warm is not None else None


_STEP: Any = None


def _init_step_worker(factory: str, kwargs: dict[str, Any], parent: int) -> None:
    global _STEP
    # Ctrl-C and SIGTERM are handled once, by the parent, which then stops the pool (a group
    # signal must not kill workers under it mid-task); they still end with the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    end_with_parent(parent)
    _STEP = load_object(factory)(**kwargs)


def _step_warm() -> Any:
    assert _STEP is not None
    return warm_step(_STEP)


def _step_work(payload: Any) -> Any:
    assert _STEP is not None
    return _STEP.work(payload)


_GUARD = re.compile(r"""__name__\s*==\s*['"]__main__['"]""")


def main_script_is_unguarded() -> bool:
    """Whether ``__main__`` is a script file without an ``if __name__ == "__main__":`` guard.
    A spawned worker re-imports such a script, which then runs the whole pipeline again in
    the worker and breaks the pool (BrokenProcessPool)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not str(path).endswith(".py"):
        return False  # interactive, `python -c`, notebooks: spawn imports nothing to re-run
    try:
        source = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return _GUARD.search(source) is None


def pool_context():
    """The multiprocessing context of a worker pool: spawn (no state inherited from the
    parent), except for an unguarded script, where fork avoids re-running the script in
    every worker (the parent holds no threads or locks yet when the pool starts); None where
    fork is unavailable too: such a script is processed in this process (same results)."""
    if not main_script_is_unguarded():
        return mp.get_context("spawn")
    if "fork" in mp.get_all_start_methods():
        return mp.get_context("fork")
    return None


class Workers(Protocol):
    """Where a step's work runs. submit() gives a handle; done(handle) whether its result is
    there; result(handle) the result (raising the work's error). The three engines below
    differ only in this, so a side's pipelining never names an engine."""

    def submit(self, payload: Any) -> Any: ...

    def done(self, handle: Any) -> bool: ...

    def result(self, handle: Any) -> Any: ...

    def warm(self) -> list[Any]:
        """Load the step in every worker now (while the corpus is counted): their handles."""

    def close(self, cancel: bool) -> None: ...


@dataclass
class Finished:
    """The handle of work done at submission."""

    value: Any


class InProcess:
    """The work done in this process, at once (one worker, or no usable pool context)."""

    def __init__(self, step: Any) -> None:
        self.step = step

    def submit(self, payload: Any) -> Finished:
        return Finished(self.step.work(payload))

    def done(self, handle: Finished) -> bool:
        return True

    def result(self, handle: Finished) -> Any:
        return handle.value

    def warm(self) -> list[Finished]:
        return [Finished(warm_step(self.step))]

    def close(self, cancel: bool) -> None:
        pass


class ProcessWorkers:
    """Worker processes, each holding its own instance of the step (made by ``factory``)."""

    def __init__(self, factory: str, kwargs: dict[str, Any], workers: int, context: Any) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_init_step_worker,
            initargs=(factory, kwargs, os.getpid()),
        )

    def submit(self, payload: Any) -> Future:
        assert self._pool is not None
        return self._pool.submit(_step_work, payload)

    def done(self, handle: Future) -> bool:
        return handle.done()

    def result(self, handle: Future) -> Any:
        return handle.result()

    def warm(self) -> list[Future]:
        assert self._pool is not None
        return [self._pool.submit(_step_warm) for _ in range(self.workers)]

    def close(self, cancel: bool) -> None:
        # cancel (an error or interrupt): queued work is dropped and nothing waits here; the
        # caller's final close(cancel=False) waits for the workers to exit.
        if self._pool is not None:
            self._pool.shutdown(wait=not cancel, cancel_futures=True)
            if not cancel:
                self._pool = None


class _RayStepActor:
    def __init__(self, factory: str, kwargs: dict[str, Any]) -> None:
        self.step = load_object(factory)(**kwargs)

    def warm(self) -> Any:
        return warm_step(self.step)

    def work(self, payload: Any) -> Any:
        return self.step.work(payload)


class RayActors:
    """Ray actors, each holding its own instance of the step; payloads go round-robin."""

    def __init__(self, factory: str, kwargs: dict[str, Any], workers: int, address: str | None):
        from auditkit.raytools import init_ray

        ray = init_ray(address, workers)
        actor = ray.remote(_RayStepActor)
        self._actors = [actor.remote(factory, kwargs) for _ in range(workers)]
        self._next = 0

    def submit(self, payload: Any) -> Any:
        actor = self._actors[self._next % len(self._actors)]
        self._next += 1
        return actor.work.remote(payload)

    def done(self, handle: Any) -> bool:
        import ray

        ready, _ = ray.wait([handle], timeout=0)
        return bool(ready)

    def result(self, handle: Any) -> Any:
        import ray

        return ray.get(handle)

    def warm(self) -> list[Any]:
        return [a.warm.remote() for a in self._actors]

    def close(self, cancel: bool) -> None:
        if self._actors:
            import ray

            for a in self._actors:
                ray.kill(a)
            self._actors = []


ENGINES = ("local", "ray")


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise AuditkitError(f"unknown engine {engine!r}: {' or '.join(ENGINES)}")


def make_workers(
    step: Any,
    factory: str,
    kwargs: dict[str, Any],
    *,
    workers: int,
    engine: str = "local",
    ray_address: str | None = None,
) -> Workers:
    """Ray actors (engine 'ray'), worker processes (several workers), else this process
    (running ``step``, the parent's instance)."""
    check_engine(engine)
    if engine == "ray":
        return RayActors(factory, kwargs, workers, ray_address)
    context = pool_context() if workers > 1 else None
    if context is not None:
        return ProcessWorkers(factory, kwargs, workers, context)
    return InProcess(step)
