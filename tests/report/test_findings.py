"""Findings first: computed from the summaries, ranked, each with its number, CI or p and
the run it comes from; at the top of the HTML, the terminal report and the Markdown."""

from __future__ import annotations

import json
import re

from auditkit.report.api import report
from auditkit.report.compliance import render_compliance
from tests.report.conftest import RUNS


def _significant_bengali_loss(root):
    f = root / "eval_tydiqa" / "summary.json"
    s = json.loads(f.read_text())
    for st in s["steps"]:
        if st["group"] == "bengali" and (st["from_stage"], st["to_stage"]) == ("base", "sft"):
            st["p_holm"] = 0.0004
    f.write_text(json.dumps(s))


def test_findings_come_first_in_the_html(tmp_path):
    html_path = tmp_path / "r.html"
    data = report([RUNS], html=html_path)
    html = html_path.read_text()
    main = html[html.index("<main>") :]
    assert main.startswith("<main><section class='card' id='findings'>")
    assert main.index("id='findings'") < main.index("<svg")
    items = re.findall(r"<li data-finding='[^']+'>(.*?)</li>", html)
    assert len(items) == len(data.findings) >= 4
    for text in items:  # each names its run and carries a number
        assert "— from " in text and re.search(r"\d", text)


def test_a_significant_loss_is_the_first_finding(runs_dir):
    data = report([runs_dir])
    assert not any("fell" in f.text for f in data.findings)  # no significant loss yet
    _significant_bengali_loss(runs_dir)
    data = report([runs_dir])
    first = data.findings[0]
    assert first.kind == "loss"
    assert first.text.startswith("tydiqa-goldp bengali fell 10.6 points (95 % CI -23.0 to +1.8")
    assert "Holm p < 0.001" in first.text and "llama-tulu base→sft" in first.text
    assert first.runs == ("tydiqa-goldp (eval_tydiqa)",)


def test_a_declared_link_gives_the_corpus_sentence(runs_dir):
    _significant_bengali_loss(runs_dir)
    data = report([runs_dir], links=["lang=llama-tulu:sft"])
    first = data.findings[0]
    assert first.kind == "linked-loss"
    assert first.text.startswith(
        "Bangla is 37 of 60,243 agreed utterances (0.06 %) of tulu-like-sft-sample; "
        "tydiqa-goldp Bangla fell 10.6 points (95 % CI -23.0 to +1.8, Holm p < 0.001) across "
        "meta-llama/Llama-2-7b-hf → allenai/tulu-2-7b (llama-tulu:sft), which trained on it"
    )
    assert "flagged rare & losing" in first.text
    # the same loss is not stated twice
    assert not any(f.kind == "loss" and "bengali" in f.text for f in data.findings)


def test_terminal_and_markdown_open_with_the_findings(capsys):
    from auditkit.cli import main

    try:
        main(["report", str(RUNS)])
    except SystemExit as e:
        assert not e.code
    out = capsys.readouterr().out
    assert out.lstrip().startswith("Findings\n  1. ")
    md = render_compliance(report([RUNS]))
    assert md.index("## Findings") < md.index("## 1. Linguistic")
    assert re.search(r"^1\. .+ \(from `", md, re.M)


def test_markdown_paths_are_relative_to_the_run_folder(runs_dir, tmp_path):
    corpus = runs_dir.parent / "corpus.jsonl"
    f = runs_dir / "lang" / "audit.json"
    a = json.loads(f.read_text())
    a["inputs"] = [{"path": str(corpus), "sha256": "ab" * 32}]
    f.write_text(json.dumps(a))
    md = render_compliance(report([runs_dir / "lang"]))
    assert str(tmp_path) not in md and str(runs_dir) not in md
    assert "`../../corpus.jsonl` sha256" in md
    assert "`lang` (lang)" in md  # run folders by name
