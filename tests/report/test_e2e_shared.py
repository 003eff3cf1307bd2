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
from tests.report.test_browser import _save_screenshot
from tests.report.test_html import CHART_KINDS

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def study_runs(tmp_path_factory):
    from auditkit.evals.api import score_outputs
    from auditkit.langid.runner import run_lang
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
    assert rows["bn"]["count"] == 0 and "bengali" in lang_link["flagged"]
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
