"""The "eval" run kind: configs round-trip through audit records and replay through the
registry (auditkit.runkinds), with no side named by the replaying code."""

from __future__ import annotations

import pytest

import auditkit.evals  # noqa: F401  (registers the "eval" run kind)
from auditkit.config import ConfigError, from_record, to_record
from auditkit.evals.config import RunEvalConfig, ScoreConfig
from auditkit.io import read_json
from auditkit.runkinds import RUN_KINDS, RunSettings

LLAMA, CHAT = "meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"


def _md3_outputs(tmp_path):
    f = tmp_path / "m.csv"
    rows = [f"{m},{d},{v}" for m in (LLAMA, CHAT) for d in ("en_us", "en_in") for v in "10"]
    f.write_text("model,dialect,generated_correct_answer\n" + "\n".join(rows) + "\n")
    return f


def test_eval_kind_is_registered_with_both_configs():
    kind = RUN_KINDS.get("eval")
    assert kind.configs == (ScoreConfig, RunEvalConfig)
    assert kind.config_class({"task": "md3-game", "outputs": ["x.csv"]}) is ScoreConfig
    assert kind.config_class({"task": "md3-game", "model": "m"}) is RunEvalConfig


def test_a_score_record_replays_through_the_registry(tmp_path):
    from auditkit.evals.api import score_outputs

    score_outputs(
        "md3-game",
        [str(_md3_outputs(tmp_path))],
        n_resamples=50,
        out=str(tmp_path / "a"),
        json_path=str(tmp_path / "copy.json"),
    )
    record = read_json(tmp_path / "a" / "audit.json")
    # where the results went and the --json copy are no part of the config
    assert "out" not in record["config"] and "json_path" not in record["config"]
    kind = RUN_KINDS.get("eval")
    config = from_record(kind.config_class(record["config"]), record["config"])
    assert to_record(config) == record["config"]
    kind.run(config, tmp_path / "b", RunSettings())
    assert (tmp_path / "b" / "summary.json").read_bytes() == (
        tmp_path / "a" / "summary.json"
    ).read_bytes()


def test_records_written_before_the_configs_still_load():
    old = {
        "task": "md3-game",
        "outputs": ["preds.csv"],
        "chain": [],
        "metric": None,
        "groups": [],
        "data": None,
        "prompt_mode": "no_answers",
        "seed": None,
        "chat_template": False,
        "jsd_base": "e",
        "mcnemar": "exact",
        "confidence": 0.95,
        "n_resamples": 2000,
        "bootstrap_seed": 0,
        "out": "reports/eval/md3-game",
        "json_path": None,
    }
    config = from_record(ScoreConfig, old, ignore=frozenset({"out", "json_path"}))
    assert config.outputs == ("preds.csv",) and config.chain == ()
    run = RunEvalConfig(task="md3-game", model="m", groups=["en_us"], data="items.csv")
    assert from_record(RunEvalConfig, to_record(run)) == run


@pytest.mark.parametrize(
    ("cls", "changes", "field"),
    [
        (ScoreConfig, {"confidence": 1.0}, "confidence"),
        (ScoreConfig, {"n_resamples": 0}, "n_resamples"),
        (ScoreConfig, {"mcnemar": "approx"}, "mcnemar"),
        (RunEvalConfig, {"dtype": "int3"}, "dtype"),
        (RunEvalConfig, {"shots": -1}, "shots"),
        (RunEvalConfig, {"limit": 0}, "limit"),
    ],
)
def test_limits_the_cli_declares_are_in_the_configs(cls, changes, field):
    base = {"task": "md3-game", "outputs": ("x",)} if cls is ScoreConfig else {"task": "md3-game"}
    with pytest.raises(ConfigError) as e:
        cls(**base, **changes)
    assert e.value.field == field


def test_an_eval_run_record_of_an_earlier_version_replays():
    """Records of `eval run` before the configs held where the results went, the --json copy
    and the progress bar: all three are runtime settings now, and ignored on replay."""
    from pathlib import Path

    from auditkit.rerun import load_config

    old = dict(to_record(RunEvalConfig(task="md3-game", model="m")))
    old.update(out="reports/eval/md3-game", json_path=None, show_progress=True)
    config = load_config({"kind": "eval", "config": old}, Path("audit.json"))
    assert config == RunEvalConfig(task="md3-game", model="m")
