"""The Python API exported from `auditkit` (issue #13 item 6): typed results that read like
the summary dicts, in-memory inputs, and a plain script without a __main__ guard."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

import auditkit
from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent

CHATS = [
    {
        "id": f"c{i}",
        "messages": [{"role": "user", "content": t}, {"role": "assistant", "content": a}],
    }
    for i, (t, a) in enumerate(
        [
            ("Where is the railway station, please?", "It is two streets from here."),
            ("Wo ist bitte der Bahnhof?", "Er ist zwei Straßen von hier entfernt."),
            ("Habari za asubuhi, rafiki yangu?", "Nzuri sana, asante kwa kuuliza."),
            ("Où se trouve la gare, s'il vous plaît ?", "Elle est à deux rues d'ici."),
        ]
        * 3
    )
]


def test_lang_takes_a_list_a_dataframe_and_a_dataset_alike(tmp_path):
    datasets = pytest.importorskip("datasets")
    f = tmp_path / "chats.jsonl"
    f.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in CHATS))
    from_file = auditkit.lang(str(f), out=tmp_path / "file", workers=1)
    for name, obj in (
        ("list", CHATS),
        ("frame", pd.DataFrame(CHATS)),
        ("dataset", datasets.Dataset.from_list(CHATS)),
    ):
        res = auditkit.lang(obj, out=tmp_path / name, workers=1)
        assert isinstance(res, auditkit.LangResult)
        assert res["languages"] == from_file["languages"]  # dict-like access to the summary
        assert res.summary["utterances_total"] == 24
        assert list(res.languages.columns) == ["code", "name", "count", "share"]
        assert len(res.utterances()) == 24
        assert res.audit["inputs"][0]["path"].endswith("input.jsonl")


def test_probe_rm_and_eval_score_results(tmp_path):
    res = auditkit.probe_rm(
        scores=str(FIXTURES / "probes" / "study_wide_small.csv"),
        out=tmp_path / "p",
        countries="all",
        n_resamples=20,
    )
    assert isinstance(res, auditkit.ProbeResult) and res["kind"] == "probe-rm"
    assert list(res.countries["country"]) == [c["country"] for c in res["countries"]]
    rows = [
        {"model": m, "item_id": str(i), "group": g, "correct": int((i + k) % 3 == 0)}
        for k, m in enumerate(("base", "sft"))
        for g in ("en_us", "en_in", "en_ng")
        for i in range(20)
    ]
    ev = auditkit.eval_score(
        "md3-game", pd.DataFrame(rows), chain=["base=base,sft=sft"], out=tmp_path / "e",
        n_resamples=50,
    )  # fmt: skip
    assert isinstance(ev, auditkit.EvalResult) and ev["task"] == "md3-game"
    assert set(ev.groups["group"]) == {"en_us", "en_in", "en_ng"}
    assert len(ev.outputs()) == len(rows)
    assert ev["steps"] and ev.audit["inputs"][0]["path"].endswith("input.parquet")


def test_eval_run_on_a_tiny_model(tiny_models, tmp_path):
    res = auditkit.eval_run(
        "md3-game",
        str(tiny_models.causal_lm),
        data=str(FIXTURES / "evals" / "md3_game_items.csv"),
        out=tmp_path / "r",
        show_progress=False,
        n_resamples=50,
    )
    assert isinstance(res, auditkit.EvalResult) and res.out == tmp_path / "r"
    assert len(res.outputs()) == 6


def test_report_is_callable_even_after_the_subpackage_is_imported(tmp_path):
    import auditkit.report.api  # noqa: F401  (binds auditkit.report to the subpackage)

    res = auditkit.report(FIXTURES / "report" / "runs", out=tmp_path / "rep")
    assert isinstance(res, auditkit.ReportResult) and len(res.data.runs) == 5
    assert "runs" in res and (tmp_path / "rep" / "report.html").is_file()
    assert auditkit.check(FIXTURES / "report" / "policy.yaml", FIXTURES / "report" / "runs")


@pytest.mark.slow
def test_a_script_without_a_main_guard_runs(tmp_path):
    """The README's API example as a plain script: two detector processes, no guard."""
    script = tmp_path / "audit_script.py"
    script.write_text(
        textwrap.dedent(
            """
            import auditkit

            res = auditkit.lang("sample", out="out_lang", workers=2, limit=400)
            print("LANG", res["utterances_total"], res.languages["code"].iloc[0])
            ev = auditkit.eval_score(
                "md3-game", [{"model": "m", "item_id": "1", "group": "en_us", "correct": 1}],
                out="out_eval", n_resamples=10,
            )
            print("EVAL", ev["models"]["m"]["en_us"]["value"])
            print("REPORT", len(auditkit.report(["out_lang", "out_eval"]).data.runs))
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    assert "LANG 400 " in proc.stdout and "EVAL 1.0" in proc.stdout and "REPORT 2" in proc.stdout
    assert "BrokenProcessPool" not in proc.stderr


def test_unguarded_script_detection(tmp_path, monkeypatch):
    import types

    from auditkit import workers as runner

    for text, unguarded in (
        ("import auditkit\nauditkit.lang()\n", True),
        ("import auditkit\nif __name__ == '__main__':\n    auditkit.lang()\n", False),
    ):
        f = tmp_path / "s.py"
        f.write_text(text)
        fake = types.ModuleType("__main__")
        fake.__file__ = str(f)
        monkeypatch.setitem(sys.modules, "__main__", fake)
        assert runner.main_script_is_unguarded() is unguarded
        ctx = runner.pool_context()
        assert ctx.get_start_method() == ("fork" if unguarded else "spawn")
