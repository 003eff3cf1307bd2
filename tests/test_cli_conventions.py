"""One convention across commands (issue #13 item 4), one CLI test per convention:
--json - is JSON on stdout and nothing else; multi-value flags take several values after one
flag; -q/--quiet everywhere, silencing library chatter; examples in every --help; a --chain or
--groups that matches nothing exits 2 naming what is available (tests/evals/test_interop.py);
the format hint says --format NAME; report has one output flag."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

# end-to-end: subprocesses, whole commands (run with -m slow)
pytestmark = pytest.mark.slow

PROBES = FIXTURES / "probes"
ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path | None = None, timeout: int = 300):
    return subprocess.run(
        [sys.executable, "-m", "auditkit.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


COMMANDS = [
    ["lang"],
    ["corpora"],
    ["probe-rm"],
    ["eval"],
    ["eval", "list"],
    ["eval", "run"],
    ["eval", "score"],
    ["report"],
    ["check"],
    ["rerun"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_help_has_examples(command):
    proc = cli(*command, "--help")
    assert proc.returncode == 0, proc.stderr
    examples = proc.stdout.split("Examples:", 1)
    assert len(examples) == 2, proc.stdout
    lines = [ln.strip() for ln in examples[1].splitlines() if ln.strip()]
    assert lines and all(ln.startswith("auditkit " + command[0]) for ln in lines)


@pytest.mark.parametrize("command", COMMANDS[:1] + COMMANDS[2:3] + COMMANDS[5:])
def test_quiet_is_accepted_everywhere(command):
    text = cli(*command, "--help").stdout
    assert "-q, --quiet" in text


def two_score_files(tmp_path: Path) -> list[Path]:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    src = (PROBES / "study_wide_small.csv").read_text()
    a.write_text(src)
    b.write_text(src.replace("toy/rm", "toy/rm2").replace("3.0,1.0,2.0,0.5", "1.0,3.0,2.0,0.5"))
    return [a, b]


def test_json_dash_is_json_on_stdout_and_nothing_else(tmp_path):
    files = two_score_files(tmp_path)
    cases = [
        ["lang", "sample", "--limit", "30", "--workers", "1", "--out", tmp_path / "l"],
        ["probe-rm", "--scores", files[0], "--countries", "all", "--out", tmp_path / "p"],
        ["check", "--policy", FIXTURES / "report" / "policy.yaml", FIXTURES / "report" / "runs"],
    ]
    for args in cases:
        proc = cli(*args, "--json", "-")
        assert proc.returncode in (0, 1), proc.stderr  # check may fail a rule: exit 1
        data = json.loads(proc.stdout)  # the whole of stdout is one JSON document
        assert isinstance(data, dict)
        assert not (tmp_path / "-").exists() and not Path("-").exists()


def test_several_values_after_one_flag(tmp_path):
    files = two_score_files(tmp_path)
    one_flag = cli("probe-rm", "--scores", *files, "--countries", "all", "-q", "--json", "-")
    assert one_flag.returncode == 0, one_flag.stderr
    repeated = cli(
        "probe-rm", "--scores", files[0], "--scores", files[1], "--countries", "all", "-q",
        "--json", "-",
    )  # fmt: skip
    assert json.loads(one_flag.stdout)["models"].keys() == {"toy/rm", "toy/rm2"}
    assert json.loads(one_flag.stdout) == json.loads(repeated.stdout)


def test_quiet_silences_tables_progress_and_library_chatter(tiny_models, tmp_path):
    proc = cli(
        "probe-rm", tiny_models.seq_cls, "--scorer", "seq-cls", "--probes", "where-from",
        "--countries", "all", "--out", tmp_path / "rm", "-q",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""  # no bars, warnings or tables
    loud = cli(
        "probe-rm", tiny_models.seq_cls, "--scorer", "seq-cls", "--probes", "where-from",
        "--countries", "all", "--out", tmp_path / "rm2",
    )  # fmt: skip
    assert loud.returncode == 0 and loud.stdout  # the table is there without -q


def test_eval_json_dash_is_stdout_not_a_file_named_dash(tiny_models, tmp_path):
    proc = cli(
        "eval", "run", "md3-game", "--model", tiny_models.causal_lm,
        "--data", FIXTURES / "evals" / "md3_game_items.csv", "--limit", "1",
        "--out", tmp_path / "e", "--json", "-",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["task"] == "md3-game"
    assert not (tmp_path / "-").exists()
    assert "Loading weights" not in proc.stderr and "it/s" not in proc.stderr


def test_format_hint_says_dash_dash_format(tmp_path):
    f = tmp_path / "odd.jsonl"
    f.write_text('{"foo": "bar"}\n')
    proc = cli("lang", f, "--out", tmp_path / "o", "--workers", "1")
    assert proc.returncode == 2
    assert "--format NAME" in proc.stderr and "format=NAME" not in proc.stderr


def test_report_has_one_output_flag(tmp_path):
    text = cli("report", "--help").stdout
    assert "--out " in text and "--output" not in text
    runs = tmp_path / "runs"
    shutil.copytree(FIXTURES / "report" / "runs", runs)
    proc = cli("report", runs, "--out", tmp_path / "rep", "-q")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and (tmp_path / "rep" / "compliance.md").is_file()


def test_check_failure_names_what_is_at_fault(tmp_path):
    policy = tmp_path / "p.yaml"
    policy.write_text("rules:\n  - dialect_disparity <= 0.001\n  - max_survey_spearman >= 0.99\n")
    proc = cli("check", "--policy", policy, FIXTURES / "report" / "runs")
    assert proc.returncode == 1, proc.stderr
    err = " ".join(proc.stderr.split())
    assert "FAIL dialect_disparity" in err and " at model " in err and " vs " in err
    assert "FAIL max_survey_spearman" in err and "at survey " in err
