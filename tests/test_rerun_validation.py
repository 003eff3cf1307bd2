"""`auditkit rerun` validates the record it replays (issue #11 item 11): run from inside the run
folder it works; a tampered audit.json is a one-line error naming the key, never a TypeError
from deep inside the run nor a silently accepted impossible value."""

from __future__ import annotations

import json

import pytest

from tests.cli_run import assert_clean_exit, run_cli


def _md3_csv(path):
    path.write_text(
        "model,dialect,generated_correct_answer\n"
        + "".join(f"m,{d},{ok}\n" for d in ("en_us", "en_in") for ok in ("True", "False", "True"))
    )


@pytest.fixture
def eval_run(tmp_path):
    f = tmp_path / "outputs.csv"
    _md3_csv(f)
    run = tmp_path / "md3"
    res = run_cli("eval", "score", "md3-game", f, "--out", run, "--n-resamples", "20")
    assert res.code == 0, res.text
    return run


@pytest.fixture(scope="module")
def lang_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("lang")
    corpus = d / "c.jsonl"
    corpus.write_text(json.dumps({"text": "The weather is lovely today in the park."}) + "\n")
    run = d / "run"
    res = run_cli("lang", corpus, "--out", run, "--workers", "1", "--quiet")
    assert res.code == 0, res.text
    return run


@pytest.mark.parametrize("arg", ["audit.json", "."])
def test_rerun_from_inside_the_run_folder(eval_run, arg):
    res = run_cli("rerun", arg, cwd=eval_run)
    assert_clean_exit(res, (0,))
    assert "byte-identical" in res.err
    assert (eval_run.parent / "md3-rerun" / "summary.json").is_file()


def _tamper(run, tmp_path, edit):
    record = json.loads((run / "audit.json").read_text())
    edit(record)
    bad = tmp_path / "tampered" / "audit.json"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text(json.dumps(record))
    return bad


@pytest.mark.parametrize(
    "edit,field",
    [
        (lambda r: r["config"].update(bogus=1), "config"),
        (lambda r: r["config"].update(n_resamples="20"), "config.n_resamples"),
        (lambda r: r["config"].update(confidence="high"), "config.confidence"),
        (lambda r: r["config"].update(outputs="x.csv"), "config.outputs"),
        (lambda r: r["config"].update(mcnemar="approx"), "config.mcnemar"),
        (lambda r: r["config"].update(confidence=-5), "config.confidence"),
        (lambda r: r["config"].update(n_resamples=0), "config.n_resamples"),
        (lambda r: r["config"].update(out=5), "config.out"),
        (lambda r: r.update(config=[]), "config"),
        (lambda r: r.update(kind=3), "kind"),
        (lambda r: r.update(kind="nope"), "kind"),
        (lambda r: r.update(inputs={}), "inputs"),
        (lambda r: r.update(inputs=[5]), "inputs[0]"),
        (lambda r: r["inputs"][0].update(sha256=123), "inputs[0].sha256"),
        (lambda r: r["inputs"][0].update(sha256="zz"), "inputs[0].sha256"),
        (lambda r: r["inputs"][0].update(path=["a"]), "inputs[0].path"),
    ],
)
def test_tampered_eval_record_is_a_one_line_error(eval_run, tmp_path, edit, field):
    bad = _tamper(eval_run, tmp_path, edit)
    res = run_cli("rerun", bad, "--out", tmp_path / "again")
    assert_clean_exit(res, (2,))
    assert f"field '{field}'" in res.err
    assert not (tmp_path / "again").exists()


@pytest.mark.parametrize(
    "key,value",
    [
        ("shard_size", -5),
        ("shard_size", 0),
        ("shard_size", "10"),
        ("shard_size", 2.5),
        ("min_confidence", 1.5),
        ("limit", -1),
        ("strip_code", "yes"),
        ("langdetect_impl", "fastest"),
        ("unknown_option", True),
    ],
)
def test_tampered_lang_record_is_a_one_line_error(lang_run, tmp_path, key, value):
    bad = _tamper(lang_run, tmp_path, lambda r: r["config"].update({key: value}))
    res = run_cli("rerun", bad, "--out", tmp_path / "again")
    assert_clean_exit(res, (2,))
    assert "config" in res.err and (key in res.err)
    assert not (tmp_path / "again").exists()


@pytest.mark.parametrize(
    "content", [b"", b"{", b"[]", b"null", b"\xff\xfe{}", b"[" * 100000 + b"]" * 100000]
)
def test_unreadable_record_is_a_one_line_error(tmp_path, content):
    f = tmp_path / "audit.json"
    f.write_bytes(content)
    res = run_cli("rerun", f)
    assert_clean_exit(res, (2,))
