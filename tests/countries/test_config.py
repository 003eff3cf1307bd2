"""CountriesConfig: ratio_confidence is a plain field (outside the resume identity), the CLI's
limits hold, records of older runs still replay, the run kind is registered."""

from __future__ import annotations

import pytest

from auditkit.config import ConfigError, from_record, to_record
from auditkit.countries.config import CountriesConfig
from auditkit.rerun import run_kinds

# the config keys of a countries audit record written before CountriesConfig became a
# RunConfig (ratio_confidence was recorded beside the dataclass's fields)
RECORDED = {
    "source": "sample",
    "format": None,
    "split": None,
    "revision": None,
    "limit": None,
    "languages": "detect",
    "shard_size": 10000,
    "ratio_confidence": 0.95,
}


def test_records_keep_their_keys_and_replay():
    assert to_record(CountriesConfig()) == RECORDED
    assert from_record(CountriesConfig, {**RECORDED, "ratio_confidence": 0.9}) == (
        CountriesConfig(ratio_confidence=0.9)
    )


def test_ratio_confidence_is_no_part_of_the_identity():
    assert CountriesConfig(ratio_confidence=0.9).identity() == CountriesConfig().identity()
    assert "ratio_confidence" not in CountriesConfig().identity()


@pytest.mark.parametrize(
    "field, value",
    [("shard_size", 0), ("limit", 0), ("ratio_confidence", 0.4), ("ratio_confidence", 1.0)],
)
def test_the_cli_limits_hold_for_every_caller(field, value):
    with pytest.raises(ConfigError) as e:
        CountriesConfig(**{field: value})
    assert e.value.field == field


def test_countries_is_a_registered_run_kind():
    assert run_kinds().get("countries").configs == (CountriesConfig,)
