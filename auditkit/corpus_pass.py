"""The generic corpus pass every per-utterance command runs on (`lang`, `countries`).

One pass streams a corpus's utterances, cuts them into shards (never splitting an example),
skips the shards a previous run of the same folder finished (done markers), hands the others to
a *processor* (the side's per-utterance step: in process, in worker processes, or on Ray),
writes each finished shard's rows as parquet and then its done marker (with the shard's partial
counts, so the summary is a merge of small dictionaries: memory stays flat in corpus size), and
finally drops shards left beyond the corpus end by an earlier, longer run.

Shape of a run folder:
    run.json                        configuration identity + input fingerprints (a resume must
                                    match both)
    utterances/part-00000.parquet   per-utterance rows of one shard
    utterances/part-00000.done.json done marker: rows, first utt_index, the shard's counts
    summary.json, audit.json        written by the side

A side supplies a ShardProcessor (see LangRun in auditkit/langid/lang_run.py) or, for a step
whose work is a pure function of a shard's payload, a ShardStep run by StepPool (see
auditkit/countries/mentions_run.py). Where work runs (this process, worker processes, Ray
actors) is a ``Workers`` object, one small class per engine. This module knows no side and no
corpus reader (an utterance is anything with an ``example_id``). Sides never import each other:
a step that needs another side's per-utterance work gets it through ``language_labeller``
below, from a registry the offering side fills in its package ``__init__``.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from auditkit.audit import AUDIT_FILE, SUMMARY_FILE
from auditkit.errors import AuditkitError, InputError
from auditkit.io import atomic_write_bytes, dumps_json, read_json, write_json, write_parquet
from auditkit.registry import Registry
from auditkit.skips import SkipLog

SHARD_DIR = "utterances"
# Done markers live outside utterances/, so pandas and DuckDB read that folder as one dataset.
DONE_DIR = "done"
RUN_FILE = "run.json"

# Per-utterance steps of one side that another side's step may use, by name: "module:attr" of
# a zero-argument factory returning a callable texts -> language codes. The offering side
# registers it in its package __init__ (langid: "detect"); the factory's module is imported only
# when used.
LANGUAGE_LABELLERS: Registry[str] = Registry("language labeller")

Utterance = Any  # a corpus reader's record (auditkit.corpora.Utterance): example_id is used


def load_object(target: str) -> Any:
    module, attr = target.split(":")
    return getattr(importlib.import_module(module), attr)


def language_labeller(name: str = "detect") -> Callable[[list[str]], list[str]]:
    """A callable giving each text its agreed language code (lang's rule), or 'und'/'empty'."""
    if name not in LANGUAGE_LABELLERS:
        from auditkit.runkinds import run_kinds

        run_kinds()  # imports every registering side, so its labellers are registered too
    return load_object(LANGUAGE_LABELLERS.get(name))()


# --- shards ---------------------------------------------------------------------------------
def iter_shards(
    utterances: Iterator[Utterance], shard_size: int, limit: int | None
) -> Iterator[list[Utterance]]:
    """Groups of about shard_size utterances, cut only between examples."""
    shard: list[Utterance] = []
    n = 0
    last_example = None
    for u in utterances:
        if limit is not None and n >= limit:
            break
        if len(shard) >= shard_size and u.example_id != last_example:
            yield shard
            shard = []
        shard.append(u)
        last_example = u.example_id
        n += 1
    if shard:
        yield shard


def merge_counts(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sum per-shard count trees (nested dicts of ints) into one: a run's summary is built from
    the merged partial counts of its shards, whether they were computed now or resumed."""
    total: dict[str, Any] = {}

    def add(dst: dict, src: dict) -> None:
        for k, v in src.items():
            if isinstance(v, dict):
                add(dst.setdefault(k, {}), v)
            else:
                dst[k] = dst.get(k, 0) + v

    for p in parts:
        add(total, p)
    return total


def sorted_counts(d: dict[str, int]) -> dict[str, int]:
    """Counts by count descending, then key: the order every summary table uses."""
    return dict(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class Shard:
    index: int
    start: int  # utt_index of the first row
    utterances: list[Utterance]
    state: Any = None  # the processor's own (submitted work, futures...)


# --- inputs ---------------------------------------------------------------------------------
def input_identity(inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The part of each input record that identifies its content: a local file by size and
    sha256 (its path, mtime and name may change with a copy), a Hub split by id, config,
    split, requested revision and the commit it resolved to (when it could be resolved)."""
    out = []
    for i in inputs:
        if "sha256" in i:
            out.append({"sha256": i["sha256"], "bytes": i.get("bytes")})
        else:
            out.append({k: i.get(k) for k in ("hub_id", "config", "split", "revision", "commit")})
    return out


def describe_input_change(old: Any, new: list[dict[str, Any]]) -> str:
    if not isinstance(old, list):
        return "the folder records no input fingerprint (made by an older auditkit)"
    if len(old) != len(new):
        return f"{len(old)} input file(s) then, {len(new)} now"
    for i, (a, b) in enumerate(zip(old, new)):
        if a != b:
            what = ", ".join(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)))
            return f"input #{i + 1} changed ({what})"
    return "the inputs differ"


def check_inputs_unchanged(inputs: list[dict[str, Any]]) -> None:
    """Refuse to publish results when a local input changed while it was read (the shards
    would mix two versions of it); the folder's run.json keeps the old fingerprint, so the
    next run refuses to resume and asks for --overwrite."""
    for i in inputs:
        if "mtime_ns" not in i:
            continue
        try:
            st = os.stat(i["path"])
        except OSError:
            st = None
        if st is None or st.st_size != i.get("bytes") or st.st_mtime_ns != i["mtime_ns"]:
            raise AuditkitError(
                f"{i['path']} changed while it was being read; no summary was written. "
                "Run again with --overwrite once the file is stable"
            )


# --- worker processes -----------------------------------------------------------------------
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


# --- the run folder -------------------------------------------------------------------------
class RunFolder:
    """Shards, done markers and the identity check of one output folder."""

    def __init__(self, out: str | Path, identity: dict[str, Any], overwrite: bool = False):
        self.out = Path(out)
        self.identity = identity
        self.overwrite = overwrite

    def prepare(self, inputs: list[dict[str, Any]]) -> None:
        """Check that the shards already in the folder were made from these arguments AND
        this input content, so a resumed run never mixes two corpora or two settings."""
        run_file = self.out / RUN_FILE
        identity = self.identity
        content = input_identity(inputs)
        if run_file.exists() and not self.overwrite:
            previous = read_json(run_file)
            old_config = previous.get("config", {})
            if old_config != identity:
                diff = sorted(
                    k
                    for k in set(old_config) | set(identity)
                    if old_config.get(k) != identity.get(k)
                )
                raise AuditkitError(
                    f"{self.out} holds a run made with other arguments (differs in: "
                    f"{', '.join(diff)}); use another --out, or --overwrite to start over"
                )
            old_content = previous.get("inputs")
            if old_content != content:
                raise AuditkitError(
                    f"{self.out} holds results computed on other input: "
                    f"{describe_input_change(old_content, content)}. Its shards cannot be "
                    "resumed; use --overwrite to start afresh, or another --out"
                )
        elif self.overwrite or not run_file.exists():
            shutil.rmtree(self.out / SHARD_DIR, ignore_errors=True)
            shutil.rmtree(self.out / DONE_DIR, ignore_errors=True)
            for name in (SUMMARY_FILE, AUDIT_FILE):
                (self.out / name).unlink(missing_ok=True)
        shard_dir = self.out / SHARD_DIR
        if shard_dir.is_symlink():
            raise AuditkitError(
                f"{shard_dir} is a symlink; auditkit never writes through one: remove it"
            )
        shard_dir.mkdir(parents=True, exist_ok=True)
        # Markers of folders made before they moved out of utterances/ move with a resume.
        (self.out / DONE_DIR).mkdir(exist_ok=True)
        for legacy in sorted(shard_dir.glob("part-*.done.json")):
            os.replace(legacy, self.out / DONE_DIR / legacy.name)
        write_json(run_file, {"config": identity, "inputs": content})

    def shard_path(self, i: int) -> Path:
        return self.out / SHARD_DIR / f"part-{i:05d}.parquet"

    def done_path(self, i: int) -> Path:
        return self.out / DONE_DIR / f"part-{i:05d}.done.json"

    def finished(self, index: int, rows: int, start: int) -> dict[str, Any] | None:
        """The done marker of shard `index` when a previous run finished exactly this shard:
        {rows, start, counts, skips}."""
        done = self.done_path(index)
        if done.exists() and self.shard_path(index).exists():
            marker = read_json(done)
            if marker.get("rows") == rows and marker.get("start") == start:
                return marker
        return None

    def write_shard(
        self, shard: Shard, table: Any, counts: dict[str, Any], skips: dict[str, Any]
    ) -> None:
        write_parquet(table, self.shard_path(shard.index))
        # The marker is written last: its presence means the parquet file is complete.
        atomic_write_bytes(
            self.done_path(shard.index),
            dumps_json(
                {
                    "rows": len(shard.utterances),
                    "start": shard.start,
                    "counts": counts,
                    "skips": skips,
                }
            ).encode(),
        )

    def drop_beyond(self, last_index: int) -> None:
        """Drop shards left by an earlier run of the same folder beyond the corpus end."""
        for stale in sorted((self.out / SHARD_DIR).glob("part-*.parquet")):
            i = int(stale.stem.split("-")[1])
            if i > last_index:
                stale.unlink()
                self.done_path(i).unlink(missing_ok=True)


# --- processors -----------------------------------------------------------------------------
class ShardProcessor(Protocol):
    """A side's per-utterance work on shards, pipelined by the pass."""

    def start(self, shard: Shard) -> None:
        """Begin the work of a shard (submit it, or do it at once)."""

    def ready(self, pending: list[Shard], final: bool) -> int:
        """How many leading pending shards can be finished now (all of them when final)."""

    def finish(self, shard: Shard, advance: Callable[[float], None]) -> tuple[Any, dict, dict]:
        """The shard's rows (a pyarrow Table), partial counts and skips (SkipLog.as_dict() of
        the utterances it counted and left out); calls advance(n utterances)."""

    def close(self, cancel: bool) -> None:
        """Stop workers (cancel: drop queued work)."""


@dataclass
class PassResult:
    counts: list[dict[str, Any]] = field(default_factory=list)
    skips: dict[str, Any] = field(default_factory=lambda: SkipLog().as_dict())
    shards: int = 0
    utterances: int = 0
    resumed_utterances: int = 0


def count_utterances(corpus: Any, limit: int | None) -> int | None:
    """Utterances to expect, for a progress bar's ETA. Local files are counted in a quick
    pass (reading is far faster than any step); a hub stream is not read twice."""
    if corpus.describe().get("hub_id"):
        return limit
    n = 0
    for _ in corpus.iter_utterances():
        n += 1
        if limit is not None and n >= limit:
            break
    return n


def run_pass(
    folder: RunFolder,
    corpus: Any,
    processor: ShardProcessor,
    *,
    shard_size: int,
    limit: int | None,
    progress: bool,
    label: str,
    finish_on_input_error: bool = True,
) -> PassResult:
    """Stream `corpus` through `processor` into `folder` (prepared by the caller). On an error
    or interrupt the processor is closed with cancel=True; otherwise the caller closes it."""
    from auditkit.console import err_console, esc, make_progress

    result = PassResult()
    skips = SkipLog()
    pending: list[Shard] = []
    bar = make_progress("utt", disable=not progress)
    task = bar.add_task(label, total=count_utterances(corpus, limit) if progress else limit)

    def advance(n: float) -> None:
        bar.advance(task, n)

    def finish_leading(k: int) -> None:
        for _ in range(k):
            shard = pending.pop(0)
            table, counts, shard_skips = processor.finish(shard, advance)
            folder.write_shard(shard, table, counts, shard_skips)
            result.counts.append(counts)
            skips.merge(SkipLog.from_dict(shard_skips))

    start = 0
    index = -1
    try:
        with bar:
            for index, utts in enumerate(iter_shards(corpus.iter_utterances(), shard_size, limit)):
                marker = folder.finished(index, len(utts), start)
                if marker is not None:
                    result.counts.append(marker["counts"])
                    skips.merge(SkipLog.from_dict(marker.get("skips")))
                    result.resumed_utterances += len(utts)
                    advance(len(utts))
                    start += len(utts)
                    continue
                shard = Shard(index, start, utts)
                start += len(utts)
                processor.start(shard)
                pending.append(shard)
                finish_leading(processor.ready(pending, final=False))
            if pending:
                finish_leading(processor.ready(pending, final=True))
            assert not pending, "a processor must finish every shard when final"
            bar.update(task, total=start, completed=start)
    except KeyboardInterrupt as e:
        processor.close(cancel=True)
        what = "terminated" if type(e).__name__ == "Terminated" else "interrupted"
        err_console.print(
            f"[yellow]{what}.[/] {len(result.counts)} shard(s) are saved in {esc(folder.out)}; "
            "run the same command again to resume where it stopped."
        )
        raise
    except InputError:
        # The input broke off (a truncated .gz, an array cut short): the shards already
        # submitted are finished and kept, so a fixed input resumes after them.
        if finish_on_input_error:
            try:
                finish_leading(processor.ready(pending, final=True))
            except Exception:
                pass
        processor.close(cancel=True)
        raise
    except BaseException:
        processor.close(cancel=True)
        raise
    check_inputs_unchanged(corpus.inputs)
    folder.drop_beyond(index)
    result.shards = index + 1
    result.utterances = start
    result.skips = skips.as_dict()
    return result


# --- a pure per-shard step, and where its work runs -------------------------------------------
class ShardStep(Protocol):
    """Work that is a pure function of a shard's payload (so any worker gives the same rows)."""

    def payload(self, shard: Shard) -> Any:
        """Parent side: the picklable input of the work."""

    def work(self, payload: Any) -> Any:
        """Worker side: the result (picklable). A step may also define warm(): load what work
        needs (its result, e.g. a description of the models, is returned by Workers.warm)."""

    def rows(self, shard: Shard, result: Any) -> tuple[Any, dict, dict]:
        """Parent side: the shard's rows (pyarrow Table), partial counts and skips."""


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


class StepPool:
    """A ShardProcessor running one ShardStep per shard on Workers; shards are finished in
    order, so every engine writes identical rows."""

    def __init__(
        self,
        factory: str,
        kwargs: dict[str, Any],
        *,
        workers: int = 1,
        engine: str = "local",
        ray_address: str | None = None,
    ) -> None:
        check_engine(engine)
        self.step = load_object(factory)(**kwargs)
        self.workers = max(1, workers)
        self.max_pending = self.workers + 1
        self.backend = make_workers(
            self.step,
            factory,
            kwargs,
            workers=self.workers,
            engine=engine,
            ray_address=ray_address,
        )
        # Workers load what the step needs (models, tables) while the corpus is counted.
        self.backend.warm()

    def start(self, shard: Shard) -> None:
        shard.state = self.backend.submit(self.step.payload(shard))

    def ready(self, pending: list[Shard], final: bool) -> int:
        if final:
            return len(pending)
        k = 0
        while k < len(pending) and (
            len(pending) - k >= self.max_pending or self.backend.done(pending[k].state)
        ):
            k += 1
        return k

    def finish(self, shard: Shard, advance: Callable[[float], None]) -> tuple[Any, dict, dict]:
        result = self.backend.result(shard.state)
        shard.state = None
        advance(len(shard.utterances))
        return self.step.rows(shard, result)

    def close(self, cancel: bool) -> None:
        self.backend.close(cancel)
