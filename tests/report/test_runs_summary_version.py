"""audit.json records the summary's version; the report refuses a summary newer than it reads."""

import json

import pytest

from auditkit.errors import InputError
from auditkit.report.runs import load_run
from auditkit.summaries import SUMMARY_VERSIONS
from tests.cli_run import run_cli


def test_a_run_records_its_summary_version_and_a_newer_one_is_refused(tmp_path):
    outputs = tmp_path / "outputs.csv"
    outputs.write_text(
        "model,dialect,generated_correct_answer\n"
        + "".join(f"m,{d},{ok}\n" for d in ("en_us", "en_in") for ok in ("True", "False"))
    )
    run = tmp_path / "md3"
    res = run_cli("eval", "score", "md3-game", outputs, "--out", run, "--n-resamples", "20", "-q")
    assert res.code == 0, res.text
    record = json.loads((run / "audit.json").read_text())
    assert record["summary_version"] == SUMMARY_VERSIONS["eval"]
    assert load_run(run).kind == "eval"

    record["summary_version"] = SUMMARY_VERSIONS["eval"] + 1
    (run / "audit.json").write_text(json.dumps(record))
    with pytest.raises(InputError, match=r"summary_version.*upgrade auditkit"):
        load_run(run)
