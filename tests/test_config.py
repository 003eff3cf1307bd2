"""auditkit.config: one frozen, checked config per command; records rebuild it exactly."""

import dataclasses
from typing import Literal

import pytest

from auditkit.config import ConfigError, RunConfig, from_record, setting, to_record
from auditkit.errors import InputError


@dataclasses.dataclass(frozen=True)
class ExampleConfig(RunConfig):
    source: str
    shard_size: int = setting(10_000, min=1)
    confidence: float = setting(0.95, min=0.5, max=0.999)
    engine: str = setting("local", choices=("local", "ray"))
    mode: Literal["a", "b"] = "a"
    groups: tuple[str, ...] = ()
    threshold: int = setting(100, identity=False)


def test_fields_are_checked_where_the_config_is_made():
    with pytest.raises(ConfigError, match="shard_size: 0 is below the minimum 1"):
        ExampleConfig("x", shard_size=0)
    with pytest.raises(ConfigError, match="confidence: 1.5 is above the maximum 0.999"):
        ExampleConfig("x", confidence=1.5)
    with pytest.raises(ConfigError, match="engine: 'spark' is not one of 'local', 'ray'"):
        ExampleConfig("x", engine="spark")
    with pytest.raises(ConfigError, match="shard_size: '5' is not of type int"):
        ExampleConfig("x", shard_size="5")
    with pytest.raises(ConfigError, match="mode"):
        ExampleConfig("x", mode="c")
    with pytest.raises(ConfigError, match="shard_size"):
        ExampleConfig("x", shard_size=True)  # a bool is not a count


def test_config_is_frozen_lists_become_tuples_and_identity_skips_analysis_options():
    cfg = ExampleConfig("x", groups=["a", "b"])
    assert cfg.groups == ("a", "b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.source = "y"  # type: ignore[misc]
    assert "threshold" not in cfg.identity() and cfg.identity()["groups"] == ["a", "b"]


def test_record_round_trip_and_one_line_errors_naming_the_key():
    cfg = ExampleConfig("x", shard_size=7, groups=("g",))
    record = to_record(cfg)
    assert record["groups"] == ["g"]
    assert from_record(ExampleConfig, record) == cfg
    with pytest.raises(InputError, match=r"field 'config.shard_size'.*below the minimum"):
        from_record(ExampleConfig, {**record, "shard_size": -1}, "audit.json")
    with pytest.raises(InputError, match="unknown config key.*'bogus'"):
        from_record(ExampleConfig, {**record, "bogus": 1}, "audit.json")
    with pytest.raises(InputError, match="missing config key.*'source'"):
        from_record(ExampleConfig, {"shard_size": 3}, "audit.json")
    # keys older records hold beside the config are ignored only when the caller says so
    assert from_record(ExampleConfig, {**record, "out": "x"}, ignore=frozenset({"out"})) == cfg
