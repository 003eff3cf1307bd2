"""LangConfig: the CLI's limits in the config, the summary-only option outside the resume
identity, records of older runs still replayable, the run kind registered."""

from __future__ import annotations

import pytest

from auditkit.config import ConfigError, from_record, to_record
from auditkit.langid.config import LangConfig
from auditkit.rerun import run_kinds

# the config keys of a lang audit record written before LangConfig became a RunConfig
RECORDED = {
    "source": "sample",
    "format": None,
    "split": None,
    "revision": None,
    "strip_code": False,
    "min_confidence": 0.0,
    "limit": None,
    "low_resource_threshold": 100,
    "fasttext_model": None,
    "langdetect_impl": "auto",
    "shard_size": 10000,
    "keep_text": False,
    "text_field": None,
    "messages_field": None,
}


def test_records_keep_their_keys_and_replay():
    assert to_record(LangConfig()) == RECORDED
    assert from_record(LangConfig, RECORDED) == LangConfig()


def test_the_low_resource_threshold_is_no_part_of_the_identity():
    identity = LangConfig(low_resource_threshold=5).identity()
    assert "low_resource_threshold" not in identity
    assert identity == LangConfig().identity()
    assert set(identity) == set(RECORDED) - {"low_resource_threshold"}


@pytest.mark.parametrize(
    "field, value",
    [
        ("shard_size", 0),
        ("limit", 0),
        ("min_confidence", 1.5),
        ("min_confidence", -0.1),
        ("langdetect_impl", "numpy"),
        ("strip_code", "yes"),
    ],
)
def test_the_cli_limits_hold_for_every_caller(field, value):
    with pytest.raises(ConfigError) as e:
        LangConfig(**{field: value})
    assert e.value.field == field


def test_lang_is_a_registered_run_kind():
    kind = run_kinds().get("lang")
    assert kind.configs == (LangConfig,)
    assert kind.config_class(RECORDED) is LangConfig
