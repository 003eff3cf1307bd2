"""End to end on the shared study data: real `lang`, `eval score` and `probe-rm` run folders,
one `auditkit report` command, and the HTML rendered offline in Chromium.

The corpus is LIMA (part of the Tulu-v2 SFT mixture the study analysed); the evaluation is
the study's released TyDiQA generations along Llama-2 -> Tulu-2 -> Tulu-2-DPO; the probes
are the study's Starling-RM rewards and Llama-2 likelihoods for the AskReddit templates.
"""

from __future__ import annotations

import json

import pytest

from auditkit.cli import main
from tests.conftest import require_shared
from tests.report.browser import load_page, require_chromium
from tests.report.test_browser import _save_screenshot, check_layout
from tests.report.test_html import CHART_KINDS

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def study_runs(tmp_path_factory):
    from auditkit.evals.api import score_outputs
    from auditkit.langid.lang_run import run_lang
    from auditkit.probes.api import probe_rm

    sft = require_shared("sft_chat", "llamafactory_lima.json")
    outs = require_shared("global_representation", "tydiqa_outputs")
    gold = require_shared("global_representation", "tydiqa_goldp_dev")
    scores = require_shared("global_representation", "askreddit_scores")
    root = tmp_path_factory.mktemp("study")
    run_lang(str(sft), out=root / "lang", workers=2)
    score_outputs(
        "tydiqa-goldp",
        [str(outs / m) for m in ("Llama-2-7b-hf_8bit", "Tulu-2-SFT_8bit", "Tulu-2-DPO_8bit")],
        data=str(gold),
        n_resamples=200,
        out=str(root / "tydiqa"),
    )
    probe_rm(
        scores=[
            str(scores / "starling-rm-7b-alpha-reformatted.csv"),
            str(scores / "perplexity_Llama-2-7b-hf-reformatted.csv"),
        ],
        out=root / "probes",
        n_resamples=100,
    )
    # the released Starling-RM scores alone (the acceptance case of the findings/link checks)
    probe_rm(
        scores=[str(scores / "starling-rm-7b-alpha-reformatted.csv")],
        out=root.parent / f"{root.name}-starling",
        n_resamples=100,
    )
    return root


def test_one_command_reports_the_study_outputs(study_runs, tmp_path):
    html = tmp_path / "study.html"
    try:
        main(
            [
                "report",
                str(study_runs),
                "--html",
                str(html),
                "--format",
                "json",
                "--output",
                str(tmp_path / "links.json"),
                "--link",
                str(study_runs / "lang") + "=llama-tulu:sft",
            ]
        )
    except SystemExit as e:
        pytest.fail(f"auditkit report exited {e.code}")
    links = json.loads((tmp_path / "links.json").read_text())
    kinds = sorted(r["kind"] for r in links["runs"])
    # lang + tydiqa + the probe comparison and its two per-model folders
    assert kinds == ["eval", "lang", "probe-rm", "probe-rm", "probe-rm"]

    (lang_link,) = links["languages"]
    assert lang_link["chain"] == "llama-tulu" and lang_link["to_stage"] == "sft"
    rows = {r["code"]: r for r in lang_link["rows"]}
    assert set(rows) == {"ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te"}
    # The study's Bengali case: Llama-2 -> Tulu-2 SFT loses 8.86 CFMatch points on the
    # released outputs (74.34 -> 65.48, the study's metric), and LIMA has no Bengali at all.
    assert rows["bn"]["n_items"] == 113
    assert rows["bn"]["delta_points"] == pytest.approx(-8.86, abs=0.005)
    # flagged "rare & losing" only when the drop is also significant after Holm correction
    assert rows["bn"]["count"] == 0
    assert ("bengali" in lang_link["flagged"]) == (rows["bn"]["p_holm"] < 0.05)
    assert rows["en"]["share"] > 0.9
    assert lang_link["spearman"]["n"] == 9

    (country,) = links["countries"]
    assert country["rm"] == "berkeley-nest/Starling-RM-7B-alpha"
    assert country["lm"] == "meta-llama/Llama-2-7b-hf"
    assert country["spearman"]["n"] == 181
    assert 0.4 < country["spearman"]["rho"] < 0.8

    text = html.read_text("utf-8")
    for kind in CHART_KINDS:
        assert f'data-chart="{kind}"' in text, kind

    chromium = require_chromium()
    shot = tmp_path / "study.png"
    page = load_page(chromium, html, tmp_path / "chromium", screenshot=shot, window=(1280, 9000))
    assert page.page_requests == [] and page.console == []
    for kind in CHART_KINDS:
        assert f'data-chart="{kind}"' in page.dom
    _save_screenshot(shot, "report-shared-study.png")
    # real data at desktop and phone width: findings first, nothing overflows, no label
    # collides (181 countries, nine languages with CIs, long model names)
    check_layout(chromium, html, tmp_path / "layout", "report-shared-study")


def _links_in(html: str) -> list[str]:
    import re

    return re.findall(r"data-link='([^']*)'", html)


def test_findings_first_and_links_only_where_declared(study_runs, tmp_path):
    """A lang run of a local corpus (LIMA, a file: it names no Hub dataset), the released
    Starling-RM scores and the released TyDiQA outputs: findings first, no skew -> gap link;
    the same with --link <lang run>=llama-tulu:sft: exactly one."""
    runs = [
        str(study_runs / "lang"),
        str(study_runs.parent / f"{study_runs.name}-starling"),
        str(study_runs / "tydiqa"),
    ]
    plain, linked = tmp_path / "plain.html", tmp_path / "linked.html"
    for html, extra in ((plain, []), (linked, ["--link", runs[0] + "=llama-tulu:sft"])):
        try:
            main(["report", *runs, "--html", str(html), *extra])
        except SystemExit as e:
            pytest.fail(f"auditkit report exited {e.code}")
    for html in (plain, linked):
        text = html.read_text("utf-8")
        body = text[text.index("<main>") :]
        assert body.startswith("<main><section class='card' id='findings'>")
        assert body.index("id='findings'") < body.index("<svg")
        findings = body[: body.index("</section>")]
        assert "Starling-RM-7B-alpha ranks United States of America" in findings
        assert "tydiqa-goldp" in findings
    assert _links_in(plain.read_text("utf-8")) == []
    # the Starling scores alone and inside the comparison folder are one run
    from auditkit.report.runs import load_runs

    both = load_runs([study_runs, runs[1]])
    starling = [r for r in both if r.label == "berkeley-nest/Starling-RM-7B-alpha"]
    assert len(starling) == 1 and [c.name for c in starling[0].copies] == [
        f"{study_runs.name}-starling"
    ]
    assert "--link lang=llama-tulu:sft" in plain.read_text("utf-8")  # says how to declare one
    assert _links_in(linked.read_text("utf-8")) == ["lang→llama-tulu:sft"]
    text = linked.read_text("utf-8")
    findings = text[text.index("id='findings'") :]
    findings = findings[: findings.index("</section>")]
    # the Bengali sentence of the study, from the released outputs
    assert "Bangla is 0 of" in findings and "Bangla fell 8.9 points (95 % CI" in findings
