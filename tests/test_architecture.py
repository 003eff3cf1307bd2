"""The layering of ARCHITECTURE.md, checked by reading every module's imports.

A rule broken here is a design decision to make in ARCHITECTURE.md first, not an entry to add
to an allow-list: there is none.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# top-level parts of auditkit, by layer (ARCHITECTURE.md "Parts and who may use whom")
FOUNDATION = {
    "auditkit",  # the root package: __version__, the lazily imported public API names
    "errors",
    "io",
    "registry",
    "console",
    "stats",
    "tabular",
    "skips",
    "audit",
    "config",
    "runkinds",
    "hub",
    "modeling",
    "batching",
    "raytools",
    "corpus_pass",
    "workers",  # where a step's work runs: this process, worker processes, Ray actors
    "facts",
    "summaries",
}
SIDES = {"langid", "countries", "probes", "evals"}
READERS = {"corpora"}
TOP = {"api", "cli", "rerun", "pipelines", "report"}
MAX_MODULE_LINES = 700


def _arch_map():
    spec = importlib.util.spec_from_file_location("arch_map", ROOT / "tools" / "arch_map.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def modules():
    return _arch_map().scan()


def _part(module: str) -> str:
    bits = module.split(".")
    return bits[1] if len(bits) > 1 else "auditkit"


def _imports_of(modules, parts):
    for name, info in sorted(modules.items()):
        if _part(name) in parts:
            for target in info["imports"]:
                yield name, target, _part(target)


def test_every_part_has_a_layer(modules):
    known = FOUNDATION | SIDES | READERS | TOP
    assert {_part(n) for n in modules} <= known


def test_foundation_imports_only_foundation(modules):
    bad = [
        (n, t) for n, t, p in _imports_of(modules, FOUNDATION - {"auditkit"}) if p not in FOUNDATION
    ]
    assert bad == []


def test_corpus_readers_know_nothing_of_detection_or_sides(modules):
    bad = [(n, t) for n, t, p in _imports_of(modules, READERS) if p not in FOUNDATION | READERS]
    assert bad == []


def test_sides_never_import_each_other_the_report_the_cli_or_the_api(modules):
    bad = [
        (n, t)
        for n, t, p in _imports_of(modules, SIDES)
        if p not in FOUNDATION | READERS and p != _part(n)
    ]
    assert bad == []


def test_report_reads_result_files_only(modules):
    # no side (their run APIs load models), no pipeline, no API, no CLI
    bad = [
        (n, t) for n, t, p in _imports_of(modules, {"report"}) if p not in FOUNDATION | {"report"}
    ]
    assert bad == []


def test_only_the_cli_imports_the_cli(modules):
    everything_else = FOUNDATION | SIDES | READERS | TOP - {"cli"}
    bad = [(n, t) for n, t, p in _imports_of(modules, everything_else) if p == "cli"]
    assert bad == []


def test_no_module_over_the_size_limit(modules):
    big = {n: i["lines"] for n, i in modules.items() if i["lines"] > MAX_MODULE_LINES}
    assert big == {}
