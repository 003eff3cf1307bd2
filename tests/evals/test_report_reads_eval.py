"""The report reads what eval score writes: the percent scale and the USA-minus-country gaps."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from auditkit.cli import cli
from auditkit.evals.api import score_outputs
from auditkit.evals.tasks.goqa import STUDY_COUNTRIES
from auditkit.report.runs import eval_scale


def _goqa_file(path, model: str, usa: float, other: float) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for q in range(4):
            sims = {c: other + 0.01 * q for c in STUDY_COUNTRIES}
            sims["United States"] = usa + 0.01 * q
            f.write(
                json.dumps(
                    {
                        "model_id": model,
                        "row_index": q,
                        "probs": [0.5, 0.5],
                        "similarity_1_minus_jsd": sims,
                    }
                )
                + "\n"
            )


@pytest.mark.slow
def test_report_prints_the_gap_changes_of_an_opinion_run(tmp_path):
    _goqa_file(tmp_path / "a.jsonl", "Llama-2-7b-hf", 0.80, 0.79)
    _goqa_file(tmp_path / "b.jsonl", "Llama-2-7b-chat-hf", 0.85, 0.80)
    run = tmp_path / "run"
    s = score_outputs(
        "globalopinionsqa",
        [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl")],
        out=str(run),
        n_resamples=50,
    )
    assert [c["name"] for c in s["chains"]] == ["llama-chat"]
    assert eval_scale(s) == 1.0 and eval_scale({"percent": True, "metric": "cfm"}) == 100.0
    r = next(x for x in s["reference_gap_steps"] if x["group"] == "Jordan")
    assert (round(100 * r["from_value"], 6), round(100 * r["to_value"], 6)) == (1.0, 5.0)
    res = CliRunner().invoke(cli, ["report", str(run)], terminal_width=160)
    assert res.exit_code == 0, res.output
    assert "United States minus each country" in res.output
    assert res.output.count("+1.0 →") == 6 and res.output.count("+5.0") >= 6
