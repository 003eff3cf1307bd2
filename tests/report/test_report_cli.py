"""`auditkit report`: terminal summary, files written, compliance Markdown and clean errors."""

from __future__ import annotations

import json
import re

from auditkit.cli import main
from auditkit.report.api import report
from auditkit.report.compliance import render_compliance
from tests.report.conftest import REPORT_FIXTURES, RUNS

REPORT_POLICY = REPORT_FIXTURES / "policy.yaml"


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


def test_terminal_report_summarises_each_kind_and_the_links(capsys):
    assert _run(["report", str(RUNS), "--link", "lang=llama-tulu:sft", "--min-loss", "0"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("Findings 1. ")
    assert "[lang] tulu-like-sft-sample: language mix" in out
    assert "non-English 13.7%" in out
    assert "[probe-rm] berkeley-nest/Starling-RM-7B-alpha (reward model)" in out
    assert "gallup_2017 ρ=0.910" in out
    assert "[eval] tydiqa-goldp" in out and "-10.6" in out
    assert "skew → gap" in out and "rare & losing" in out and "n = 9 languages" in out
    assert "countries:" in out and "n = 132 countries" in out


def test_report_writes_html_compliance_and_links(tmp_path, capsys):
    html = tmp_path / "r.html"
    md = tmp_path / "c.md"
    code = _run(
        [
            "report",
            str(RUNS),
            "--html",
            str(html),
            "--format",
            "compliance",
            "--output",
            str(md),
            "--out",
            str(tmp_path / "folder"),
            "--rare-below",
            "40",
            "--link",
            "lang=llama-tulu:sft",
            "--min-loss",
            "0",
        ]
    )
    assert code == 0
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert md.read_text().startswith("# auditkit report: compliance record")
    links = json.loads((tmp_path / "folder" / "links.json").read_text())
    (lang_link,) = links["languages"]
    # --rare-below 40: Bengali (37) and Telugu (9) are rare; both lose across SFT
    assert lang_link["rare_below"] == 40 and lang_link["flagged"] == ["bengali", "telugu"]
    assert (tmp_path / "folder" / "report.html").read_bytes() == html.read_bytes()
    assert oct(html.stat().st_mode & 0o777) != "0o600"  # shareable, not the temp file's mode
    err = " ".join(capsys.readouterr().err.split())
    assert f"wrote HTML report: {html}" in err


def test_json_format_prints_the_links(capsys):
    assert (
        _run(
            [
                "report",
                str(RUNS / "lang"),
                str(RUNS / "eval_tydiqa"),
                "--format",
                "json",
                "--link",
                "lang=llama-tulu:pt",
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    (link,) = data["languages"]
    assert (link["from_stage"], link["to_stage"]) == ("sft", "pt")
    assert link["data_link"] == "lang→llama-tulu:pt"
    assert link["declared_by"] == "--link lang=llama-tulu:pt"
    assert data["countries"] == []
    assert data["options"]["link"] == ["lang=llama-tulu:pt"]


def test_report_errors_name_the_file(tmp_path, capsys):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "summary.json").write_text('{"kind": "lang", ')
    assert _run(["report", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    # rich folds a long tmp path across lines wherever it likes: compare without whitespace
    assert "summary.json:1:" in "".join(err.split())
    assert "not valid JSON" in " ".join(err.split()) and "Traceback" not in err
    (tmp_path / "bad" / "summary.json").write_text('{"kind": "speech"}')
    assert _run(["report", str(tmp_path / "bad")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "field 'kind': unknown run kind 'speech'" in err
    assert _run(["report", str(tmp_path / "missing")]) == 2


def test_help_shows_defaults(capsys):
    assert _run(["report", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "[default: 30; x>=1]" in out and "--rare-below" in out
    assert "--link SOURCE_RUN=TARGET" in out and "significant after Holm" in out
    assert _run(["check", "--help"]) == 0
    assert "Exit status: 0" in " ".join(capsys.readouterr().out.split())


def test_compliance_markdown_sections_and_croissant_rai():
    md = render_compliance(report([RUNS], links=["lang=llama-tulu:sft"], min_loss_points=0))
    assert md.index("## Findings") < md.index("## 1. Linguistic")
    for heading in (
        "## 1. Linguistic characteristics of the training content",
        "### Languages",
        "### Bias, Risks, and Limitations",
        "## 3. Croissant RAI",
    ):
        assert heading in md
    assert "section 1.3" in md
    assert "40 languages were identified in 60,243 of 64,643 text utterances (93.2%)" in md
    assert "English (en) 86.3%" in md
    block = re.search(r"```json\n(.*?)\n```", md, re.S).group(1)
    rai = json.loads(block)
    assert rai["@context"]["rai"] == "http://mlcommons.org/croissant/RAI/"
    assert rai["dct:conformsTo"] == "http://mlcommons.org/croissant/RAI/1.0"
    assert rai["inLanguage"][:3] == ["en", "zh", "es"] and len(rai["inLanguage"]) == 40
    biases = " ".join(rai["rai:dataBiases"])
    assert "Bangla has 37 utterances" in biases and "-10.6 points" in biases
    assert "Spearman ρ = 0.91" in biases
    limits = " ".join(rai["rai:dataLimitations"])
    assert "4,100 of 64,643" in limits and "rests on 9 languages" in limits
    yaml_block = re.search(r"```yaml\nlanguage:\n(.*?)```", md, re.S).group(1)
    assert yaml_block.splitlines()[:2] == ["- en", "- zh"]


def test_compliance_without_a_lang_run_says_so():
    md = render_compliance(report([RUNS / "probe_rm"]))
    assert "No `lang` run was given" in md
    assert "_Not measured._" in md


def test_probe_comparison_folder_brings_its_model_folders(tmp_path, capsys):
    """`auditkit probe-rm` with several models writes a comparison summary whose per-model
    run folders are subfolders; giving the top folder loads them all."""
    import shutil

    from auditkit.report.policy import check_policy
    from auditkit.report.runs import load_runs

    cmp_dir = tmp_path / "cmp"
    shutil.copytree(RUNS / "probe_rm", cmp_dir / "rm")
    shutil.copytree(RUNS / "probe_lm", cmp_dir / "lm")
    names = ["berkeley-nest/Starling-RM-7B-alpha", "meta-llama/Llama-2-7b-hf"]
    summary = {
        "kind": "probe-rm",
        "models": {names[0]: {"folder": "rm"}, names[1]: {"folder": "lm"}},
        "ranking_correlations": {
            "models": names,
            "n_countries": 132,
            "spearman": {
                names[0]: {names[0]: 1.0, names[1]: 0.6},
                names[1]: {names[0]: 0.6, names[1]: 1.0},
            },
        },
    }
    (cmp_dir / "summary.json").write_text(json.dumps(summary))
    runs = load_runs([cmp_dir])
    assert [r.is_comparison for r in runs] == [True, False, False]
    assert {r.label for r in runs[1:]} == set(names)
    assert _run(["report", str(cmp_dir)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Spearman between the models' country rankings" in out and "0.60" in out
    # the comparison is not ranked twice by a policy: only the two model folders are
    res = check_policy(REPORT_POLICY, runs)
    probe_results = [r for r in res.results if r.rule.metric == "max_survey_spearman"]
    assert sorted(r.run for r in probe_results) == sorted(names)
