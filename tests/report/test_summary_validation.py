"""`report` and `check` validate the summary.json files and the policy they read ("also
seen" of issue #11): a damaged or tampered file is a one-line error naming the file and the key,
never a KeyError/TypeError/ValueError traceback in the middle of rendering."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.cli_run import assert_clean_exit, run_cli
from tests.conftest import FIXTURES

RUNS = FIXTURES / "report" / "runs"
POLICY = FIXTURES / "report" / "policy.yaml"


def _copy(tmp_path, name, edit=None, raw: bytes | None = None):
    dst = tmp_path / name
    shutil.copytree(RUNS / name, dst)
    if raw is not None:
        (dst / "summary.json").write_bytes(raw)
    elif edit is not None:
        s = json.loads((dst / "summary.json").read_text())
        edit(s)
        (dst / "summary.json").write_text(json.dumps(s))
    return dst


def _set(*path, value):
    def edit(s):
        cur = s
        for p in path[:-1]:
            cur = cur[p]
        cur[path[-1]] = value

    return edit


CASES = [
    ("eval_md3", _set("models", "meta-llama/Llama-2-7b-hf", "en_in", "value", value="x"), "value"),
    ("eval_md3", _set("models", "meta-llama/Llama-2-7b-hf", "en_ng", value="[2J"), "en_ng"),
    (
        "eval_md3",
        _set("models", "allenai/tulu-2-dpo-7b", "en_us", "ci_high", value=1e308),
        "ci_high",
    ),
    ("eval_md3", _set("disparities", value=7.5), "disparities"),
    ("eval_tydiqa", _set("chains", 0, value=None), "chains.0"),
    ("lang", _set("study_languages", "fi", value=None), "study_languages.fi"),
    ("lang", _set("study_languages", "id", value={}), "study_languages.id"),
    ("lang", _set("languages", 0, value=0), "languages.0"),
    ("lang", _set("languages", 2, "share", value=-3), "languages.2.share"),
    ("probe_lm", _set("share_ranked_below_reference", value=""), "share_ranked_below_reference"),
    ("probe_lm", _set("correlations", value=-1e308), "correlations"),
]


@pytest.mark.parametrize("name,edit,field", CASES)
@pytest.mark.parametrize("command", ["report", "report-html", "check"])
def test_tampered_summary_is_a_one_line_error_naming_the_key(tmp_path, name, edit, field, command):
    run = _copy(tmp_path, name, edit)
    if command == "check":
        res = run_cli("check", run, "--policy", POLICY)
    elif command == "report-html":
        res = run_cli("report", run, "--html", tmp_path / "r.html")
    else:
        res = run_cli("report", run)
    assert_clean_exit(res, (2,))
    assert f"{field}': expected" in res.err and "summary.json: field '" in res.err


@pytest.mark.parametrize(
    "raw",
    [
        json.dumps({"kind": "lang"}).encode("utf-16"),
        b'{"kind": "lang", "non_english_share": NaN}',
        b'{"kind": "lang", "non_english_share": Infinity}',
        b"[" * 50000 + b"]" * 50000,
        b'{"kind": "lang", "corpus": "\xff"}',
    ],
)
def test_undecodable_summary_is_a_one_line_error(tmp_path, raw):
    run = _copy(tmp_path, "lang", raw=raw)
    for args in (["report", run], ["check", run, "--policy", POLICY]):
        res = run_cli(*args)
        assert_clean_exit(res, (2,))
        assert "summary.json" in res.err


@pytest.mark.slow  # the deeply nested policy takes seconds to refuse
@pytest.mark.parametrize(
    "raw",
    [
        b"rules: " + b"[" * 30000,
        b"rules:\n  - non_english_share >= 0.05 \xff\n",
        "rules:\n  - non_english_share >= 0.05\n".encode("utf-16"),
    ],
)
def test_unreadable_policy_is_a_one_line_error(tmp_path, raw):
    policy = tmp_path / "p.yaml"
    policy.write_bytes(raw)
    res = run_cli("check", RUNS / "lang", "--policy", policy)
    assert_clean_exit(res, (2,))
    assert "p.yaml" in res.err


def test_shipped_fixtures_still_validate():
    res = run_cli("report", *sorted(RUNS.iterdir()))
    assert_clean_exit(res, (0,))
