"""`auditkit rerun`: a run replayed from its audit.json gives a byte-identical summary.json."""

from __future__ import annotations

import json
import shutil

import pytest

from auditkit.cli import main
from auditkit.errors import AuditkitError, InputError
from auditkit.rerun import check_inputs, rerun, run_kinds
from tests.conftest import FIXTURES, require_shared


def _same_summary(res) -> None:
    assert res.identical is True, f"summary.json differs in {res.differing_keys}"
    original = (res.record_path.parent / "summary.json").read_bytes()
    assert (res.out / "summary.json").read_bytes() == original


def test_every_run_kind_has_a_rerunner():
    from auditkit.report.runs import KINDS

    assert set(run_kinds().names()) == set(KINDS) == {"lang", "probe-rm", "eval", "countries"}


@pytest.mark.slow
def test_rerun_lang_from_its_record(tmp_path):
    from auditkit.langid.lang_run import run_lang

    run_lang("sample", out=tmp_path / "lang", workers=1, low_resource_threshold=20)
    res = rerun(tmp_path / "lang" / "audit.json", workers=1)
    assert res.kind == "lang" and res.out == tmp_path / "lang-rerun"
    assert [c.status for c in res.inputs] == ["ok"]
    _same_summary(res)
    # the non-default threshold travelled through the record
    assert json.loads((res.out / "summary.json").read_text())["low_resource_threshold"] == 20


@pytest.mark.slow
def test_rerun_eval_score_outputs_from_its_record(tmp_path):
    from auditkit.evals.api import score_outputs

    preds = require_shared("global_representation", "md3_game", "md3_game_predictions.csv")
    score_outputs("md3-game", [str(preds)], n_resamples=200, out=str(tmp_path / "md3"))
    res = rerun(tmp_path / "md3" / "audit.json", out=tmp_path / "again")
    assert res.out == tmp_path / "again"
    _same_summary(res)


@pytest.mark.slow
def test_rerun_eval_of_a_model_from_its_record(tiny_models, tmp_path):
    from auditkit.evals.api import run_eval

    run_eval(
        "md3-game",
        str(tiny_models.causal_lm),
        data=str(FIXTURES / "evals" / "md3_game_items.csv"),
        limit=2,
        out=str(tmp_path / "tiny"),
        show_progress=False,
        n_resamples=50,
        device="cpu",
        dtype="float32",
    )
    _same_summary(rerun(tmp_path / "tiny"))  # the run folder works as well as its audit.json


@pytest.mark.slow
def test_rerun_probe_rm_from_its_record(tmp_path):
    from auditkit.probes.api import probe_rm

    scores = require_shared(
        "global_representation", "askreddit_scores", "starling-rm-7b-alpha-reformatted.csv"
    )
    probe_rm(scores=[str(scores)], out=tmp_path / "rm", n_resamples=100)
    _same_summary(rerun(tmp_path / "rm" / "audit.json"))


@pytest.mark.slow
def test_a_probe_rm_record_written_before_configs_were_dataclasses_replays(tmp_path):
    # such records held the runtime settings and the output folder beside the config
    from auditkit.probes.api import probe_rm

    scores = require_shared(
        "global_representation", "askreddit_scores", "starling-rm-7b-alpha-reformatted.csv"
    )
    probe_rm(scores=[str(scores)], out=tmp_path / "rm", n_resamples=100)
    record_path = tmp_path / "rm" / "audit.json"
    record = json.loads(record_path.read_text())
    record["config"].update(out=str(tmp_path / "rm"), engine="local", ray_address=None)
    record_path.write_text(json.dumps(record))
    _same_summary(rerun(record_path))


def test_changed_input_stops_the_rerun(tmp_path):
    from auditkit.langid.lang_run import run_lang

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        '{"messages": [{"role": "user", "content": "Where is the nearest train station?"}]}\n'
    )
    run_lang(str(corpus), out=tmp_path / "lang", workers=1)
    corpus.write_text(
        '{"messages": [{"role": "user", "content": "¿Dónde está la estación de tren?"}]}\n'
    )
    checks = check_inputs(json.loads((tmp_path / "lang" / "audit.json").read_text()))
    assert [c.status for c in checks] == ["changed"]
    with pytest.raises(InputError) as e:
        rerun(tmp_path / "lang" / "audit.json", workers=1)
    msg = str(e.value)
    assert str(corpus) in msg and "changed" in msg and "--allow-changed-inputs" in msg
    res = rerun(tmp_path / "lang" / "audit.json", allow_changed_inputs=True, workers=1)
    assert res.identical is False and "languages" in res.differing_keys


def test_bad_records_are_clean_errors(tmp_path):
    with pytest.raises(InputError, match="no such audit record"):
        rerun(tmp_path / "nope.json")
    bad = tmp_path / "audit.json"
    bad.write_text('{"kind": "lang"')
    with pytest.raises(InputError, match="not valid JSON"):
        rerun(bad)
    bad.write_text('{"kind": "nonsense", "config": {}}')
    with pytest.raises(AuditkitError, match="unknown run kind 'nonsense'"):
        rerun(bad)
    bad.write_text('{"kind": "lang"}')
    with pytest.raises(InputError, match="no config"):
        rerun(bad)


def test_rerun_refuses_to_overwrite_the_original(tmp_path):
    src = FIXTURES / "report" / "runs" / "lang"
    shutil.copytree(src, tmp_path / "lang")
    with pytest.raises(AuditkitError, match="original run folder"):
        rerun(tmp_path / "lang" / "audit.json", out=tmp_path / "lang", allow_changed_inputs=True)


@pytest.mark.slow
def test_cli_rerun_reports_identity_and_strict_mode(tmp_path, capsys):
    from auditkit.langid.lang_run import run_lang

    run_lang("sample", out=tmp_path / "lang", workers=1)
    main(
        [
            "rerun",
            str(tmp_path / "lang" / "audit.json"),
            "--out",
            str(tmp_path / "r1"),
            "--workers",
            "1",
        ]
    )
    err = " ".join(capsys.readouterr().err.split())
    assert "byte-identical to the original" in err and "input" in err and ": ok" in err
    # tamper with the original summary: the comparison notices, --strict exits 1
    s = tmp_path / "lang" / "summary.json"
    s.write_text(s.read_text().replace('"kind": "lang"', '"kind": "lang", "x": 1'))
    with pytest.raises(SystemExit) as e:
        main(
            [
                "rerun",
                str(tmp_path / "lang"),
                "--out",
                str(tmp_path / "r2"),
                "--strict",
                "--workers",
                "1",
            ]
        )
    assert e.value.code == 1
    assert "differs from the original in: x" in " ".join(capsys.readouterr().err.split())
