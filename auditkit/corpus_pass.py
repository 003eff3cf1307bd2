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
actors) is an auditkit.workers ``Workers`` object, one small class per engine. This module knows no side and no
corpus reader (an utterance is anything with an ``example_id``). Sides never import each other:
a step that needs another side's per-utterance work gets it through ``language_labeller``
below, from a registry the offering side fills in its package ``__init__``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from auditkit.audit import AUDIT_FILE, SUMMARY_FILE
from auditkit.errors import AuditkitError, InputError
from auditkit.io import atomic_write_bytes, dumps_json, read_json, write_json, write_parquet
from auditkit.registry import Registry
from auditkit.skips import SkipLog
from auditkit.workers import check_engine, load_object, make_workers

SHARD_DIR = "utterances"
# Done markers live outside utterances/, so pandas and DuckDB read that folder as one dataset.
DONE_DIR = "done"

# The columns every per-utterance table of a corpus pass starts with: where the utterance sits
# in the corpus and its size. lang's and countries' tables share them, so the two join on
# (corpus, example_id, role, turn, side, rank) or utt_index.
UTTERANCE_KEY_FIELDS = (
    pa.field("utt_index", pa.int64()),
    pa.field("corpus", pa.string()),
    pa.field("example_id", pa.string()),
    pa.field("source", pa.string()),
    pa.field("role", pa.string()),
    pa.field("turn", pa.int32()),
    pa.field("side", pa.string()),
    pa.field("rank", pa.int32()),
    pa.field("text_hash", pa.string()),
    pa.field("n_chars", pa.int64()),
)
RUN_FILE = "run.json"

# Per-utterance steps of one side that another side's step may use, by name: "module:attr" of
# a zero-argument factory returning a callable texts -> language codes. The offering side
# registers it in its package __init__ (auditkit.langid: "detect"); whoever composes the two
# sides (the CLI, rerun) imports both. The factory's module is imported only where it runs.
LANGUAGE_LABELLERS: Registry[str] = Registry("language labeller")

Utterance = Any  # a corpus reader's record (auditkit.corpora.Utterance): example_id is used


def language_labeller_target(name: str = "detect") -> str:
    """The registered factory of a language labeller ("module:attr"), for a step to load in
    its workers: each text's agreed language code (lang's rule), or 'und'/'empty'."""
    if name not in LANGUAGE_LABELLERS:
        raise AuditkitError(
            f"no language labeller {name!r} is registered (known: "
            f"{', '.join(LANGUAGE_LABELLERS.names()) or 'none'}); the side offering it "
            "registers it when imported ('detect': import auditkit.langid)"
        )
    return LANGUAGE_LABELLERS.get(name)


def language_labeller(target: str) -> Callable[[list[str]], list[str]]:
    """A labeller from its registered factory (see language_labeller_target)."""
    return load_object(target)()


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


def add_count(tree: dict[str, Any], *keys_and_n: Any) -> None:
    """``add_count(c, "by_language", iso3, lang, 1)``: add n at the path of keys in a count
    tree (the per-shard counts ``merge_counts`` sums)."""
    *keys, last, n = keys_and_n
    for k in keys:
        tree = tree.setdefault(k, {})
    tree[last] = tree.get(last, 0) + n


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


class _Pass:
    """The state of one pass: shards in flight, counts and skips gathered so far."""

    def __init__(self, folder: RunFolder, processor: ShardProcessor, advance: Callable) -> None:
        self.folder, self.processor, self.advance = folder, processor, advance
        self.result = PassResult()
        self.skips = SkipLog()
        self.pending: list[Shard] = []
        self.start = 0  # utt_index of the next shard's first row
        self.index = -1  # the last shard seen

    def add(self, index: int, utts: list[Utterance]) -> None:
        """A shard of the corpus: resumed from its done marker, or started and pipelined."""
        self.index = index
        marker = self.folder.finished(index, len(utts), self.start)
        if marker is not None:
            self.result.counts.append(marker["counts"])
            self.skips.merge(SkipLog.from_dict(marker.get("skips")))
            self.result.resumed_utterances += len(utts)
            self.advance(len(utts))
            self.start += len(utts)
            return
        shard = Shard(index, self.start, utts)
        self.start += len(utts)
        self.processor.start(shard)
        self.pending.append(shard)
        self.finish_ready(final=False)

    def finish_ready(self, final: bool) -> None:
        """Finish (write rows and done marker of) the leading shards the processor has done."""
        if not self.pending:
            return
        for _ in range(self.processor.ready(self.pending, final=final)):
            shard = self.pending.pop(0)
            table, counts, shard_skips = self.processor.finish(shard, self.advance)
            self.folder.write_shard(shard, table, counts, shard_skips)
            self.result.counts.append(counts)
            self.skips.merge(SkipLog.from_dict(shard_skips))

    def done(self) -> PassResult:
        self.folder.drop_beyond(self.index)
        self.result.shards = self.index + 1
        self.result.utterances = self.start
        self.result.skips = self.skips.as_dict()
        return self.result


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

    bar = make_progress("utt", disable=not progress)
    task = bar.add_task(label, total=count_utterances(corpus, limit) if progress else limit)
    state = _Pass(folder, processor, lambda n: bar.advance(task, n))
    try:
        with bar:
            for index, utts in enumerate(iter_shards(corpus.iter_utterances(), shard_size, limit)):
                state.add(index, utts)
            state.finish_ready(final=True)
            assert not state.pending, "a processor must finish every shard when final"
            bar.update(task, total=state.start, completed=state.start)
    except KeyboardInterrupt as e:
        processor.close(cancel=True)
        what = "terminated" if type(e).__name__ == "Terminated" else "interrupted"
        err_console.print(
            f"[yellow]{what}.[/] {len(state.result.counts)} shard(s) are saved in "
            f"{esc(folder.out)}; run the same command again to resume where it stopped."
        )
        raise
    except InputError:
        # The input broke off (a truncated .gz, an array cut short): the shards already
        # submitted are finished and kept, so a fixed input resumes after them.
        if finish_on_input_error:
            try:
                state.finish_ready(final=True)
            except Exception:
                pass
        processor.close(cancel=True)
        raise
    except BaseException:
        processor.close(cancel=True)
        raise
    check_inputs_unchanged(corpus.inputs)
    return state.done()


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
