"""ProbeConfig: the CLI's limits as field metadata, records round-trip, old records still build."""

from __future__ import annotations

import dataclasses

import click
import pytest

from auditkit.config import ConfigError, from_record, to_record
from auditkit.probes.config import ProbeConfig


def test_limits_the_cli_declares_are_the_configs():
    from auditkit.cli.probe_rm import probe_rm

    fields = {f.name: f for f in dataclasses.fields(ProbeConfig)}
    checked = 0
    for param in probe_rm.params:
        if param.name not in fields:
            continue
        meta = fields[param.name].metadata
        if isinstance(param.type, click.Choice):
            assert tuple(meta["choices"]) == tuple(param.type.choices), param.name
            checked += 1
        elif isinstance(param.type, click.IntRange):
            assert meta["min"] == param.type.min and meta["max"] == param.type.max, param.name
            checked += 1
    assert checked >= 10  # scorer, lm_span, dtype, favourable, ties, batch/chunk sizes, ...


@pytest.mark.parametrize(
    "change, field",
    [
        (dict(question_chunk=0), "question_chunk"),
        (dict(batch_size=0), "batch_size"),
        (dict(scorer="nope"), "scorer"),
        (dict(dtype="float8"), "dtype"),
        (dict(ties="random"), "ties"),
        (dict(n_resamples=0), "n_resamples"),
        (dict(limit="5"), "limit"),
    ],
)
def test_out_of_range_values_name_the_field(change, field):
    with pytest.raises(ConfigError) as e:
        ProbeConfig(model="starling", **change)
    assert e.value.field == field


def test_record_round_trip_and_lists_become_tuples():
    cfg = ProbeConfig(model=["a", "b"], countries=["France", "Chad"], surveys=[], limit=3)
    assert cfg.model == ("a", "b") and cfg.model_list == ["a", "b"]
    record = to_record(cfg)
    assert record["model"] == ["a", "b"] and record["countries"] == ["France", "Chad"]
    assert from_record(ProbeConfig, record) == cfg


def test_a_record_written_before_the_config_still_builds():
    """Records of probe_rm(**locals()) hold the same keys, plus where the run went and the
    engine (runtime arguments now, recorded beside the config)."""
    old = {
        "model": None,
        "scores": ["starling.csv"],
        "out": "reports/probe-rm/starling",
        "probes": "default",
        "countries": "study-181",
        "engine": "local",
        "ray_address": None,
        "n_resamples": 100,
        "prompt_variants": ["native", "reference"],
    }
    cfg = from_record(ProbeConfig, old, ignore=frozenset({"out", "engine", "ray_address"}))
    assert cfg.scores == ("starling.csv",) and cfg.n_resamples == 100


def test_probe_rm_is_a_registered_run_kind_of_the_composition_layer():
    import auditkit.pipelines  # noqa: F401 - registers the kind
    from auditkit.runkinds import RUN_KINDS

    assert RUN_KINDS.get("probe-rm").configs == (ProbeConfig,)
