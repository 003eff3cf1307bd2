"""The shared corpus engine (auditkit/corpus_pass.py) and where work runs (auditkit/workers.py):
shards never split an example, counts merge, other sides' steps come from a registry, and the
engine imports no side and no corpus reader."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest

from auditkit.corpus_pass import (
    LANGUAGE_LABELLERS,
    iter_shards,
    language_labeller_target,
    merge_counts,
    sorted_counts,
)
from auditkit.errors import AuditkitError
from auditkit.workers import InProcess, check_engine, make_workers

ROOT = Path(__file__).resolve().parents[1] / "auditkit"


def _utts(*example_ids: str) -> list:
    return [SimpleNamespace(example_id=e) for e in example_ids]


def test_shards_are_cut_between_examples_only():
    utts = _utts("a", "a", "b", "b", "b", "c", "d", "d")
    shards = list(iter_shards(iter(utts), shard_size=2, limit=None))
    assert [[u.example_id for u in s] for s in shards] == [
        ["a", "a"],
        ["b", "b", "b"],
        ["c", "d", "d"],
    ]
    assert sum(map(len, iter_shards(iter(utts), shard_size=2, limit=3))) == 3


def test_counts_merge_and_sort():
    total = merge_counts([{"rows": 2, "x": {"en": 1}}, {"rows": 1, "x": {"en": 2, "de": 2}}])
    assert total == {"rows": 3, "x": {"en": 3, "de": 2}}
    assert list(sorted_counts({"b": 2, "a": 2, "c": 5})) == ["c", "a", "b"]


def test_the_detect_labeller_is_registered_by_the_side_offering_it():
    import auditkit.langid  # noqa: F401  (registers it)

    assert language_labeller_target("detect") == "auditkit.langid.labels:LanguageLabeller"
    with pytest.raises(AuditkitError, match="no language labeller 'nope'.*known: detect"):
        language_labeller_target("nope")
    assert "nope" not in LANGUAGE_LABELLERS


@pytest.mark.parametrize("module", ["corpus_pass.py", "workers.py"])
def test_the_engine_imports_no_side_and_no_reader(module):
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    parts = {m.split(".")[1] for m in imported if m.startswith("auditkit.")}
    assert not parts & {"langid", "countries", "probes", "evals", "corpora", "report", "cli"}


class _Double:
    def warm(self) -> str:
        return "warm"

    def work(self, payload: int) -> int:
        return 2 * payload


def test_one_worker_runs_in_this_process():
    workers = make_workers(_Double(), "unused:factory", {}, workers=1)
    assert isinstance(workers, InProcess)
    handle = workers.submit(21)
    assert workers.done(handle) and workers.result(handle) == 42
    assert workers.result(workers.warm()[0]) == "warm"
    with pytest.raises(AuditkitError, match="unknown engine"):
        check_engine("spark")
