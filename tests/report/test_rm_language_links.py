"""Link kind rm-languages: a language-probe or --pairs run beside a lang run of the RM's
preference data (declared with --link), by hand-computed values."""

from __future__ import annotations

import json

import numpy as np
import pytest

from auditkit.errors import AuditkitError
from auditkit.report.api import report
from auditkit.report.links import finite_spearman as spearman

LANG = {
    "kind": "lang",
    "corpus": "prefs.jsonl",
    "low_resource_threshold": 100,
    "languages": [
        {"code": "en", "name": "English", "count": 900, "share": 0.9},
        {"code": "zh", "name": "Chinese", "count": 60, "share": 0.06},
        {"code": "sw", "name": "Swahili", "count": 30, "share": 0.03},
        {"code": "bn", "name": "Bangla", "count": 10, "share": 0.01},
    ],
}


def _lang_probe():
    rows = [  # code, mean_rank, ci_low, ci_high
        ("en", 1.5, 1.0, 2.0),
        ("zh", 2.0, 1.0, 3.0),
        ("sw", 3.2, 2.5, 4.0),  # CI above en's mean rank: disfavoured, and rare: flagged
        ("bn", 3.3, 1.2, 4.0),  # CI overlaps: not disfavoured
        ("te", 5.0, 4.5, 5.0),  # absent from the corpus: 0 utterances, rare, disfavoured
    ]
    return {
        "kind": "probe-rm",
        "probe": "languages",
        "model": "rm-x",
        "reference_language": "en",
        "languages": [
            {"code": c, "name": c, "mean_rank": m, "rank": i + 1, "ci_low": lo, "ci_high": hi,
             "win_rate_vs_reference": None, "n": 8}
            for i, (c, m, lo, hi) in enumerate(rows)
        ],
    }  # fmt: skip


def _pairs():
    return {
        "kind": "probe-rm",
        "probe": "pairs",
        "model": "rm-x",
        "pairwise_accuracy": {
            "reference_language": "en",
            "by_language": [
                {"code": "en", "name": "English", "n": 300, "accuracy": 0.7, "ci_low": 0.65, "ci_high": 0.75, "ties": 0},
                {"code": "sw", "name": "Swahili", "n": 50, "accuracy": 0.5, "ci_low": 0.37, "ci_high": 0.63, "ties": 1,
                 "gap_to_reference": -0.2, "p_holm": 0.01},
                {"code": "zh", "name": "Chinese", "n": 50, "accuracy": 0.66, "ci_low": 0.52, "ci_high": 0.78, "ties": 0,
                 "gap_to_reference": -0.04, "p_holm": 0.6},
            ],
        },
    }  # fmt: skip


def _write(root, name, summary):
    d = root / name
    d.mkdir()
    (d / "summary.json").write_text(json.dumps(summary))
    return d


def test_language_probe_beside_the_preference_data(tmp_path):
    lang = _write(tmp_path, "lang_prefs", LANG)
    probe = _write(tmp_path, "rm_langs", _lang_probe())
    data = report([lang, probe], links=["rm_langs=lang_prefs"])
    (link,) = data.links["rm-languages"]
    rows = {r["code"]: r for r in link["rows"]}
    assert link["value"] == "mean_rank" and link["reference_language"] == "en"
    assert rows["sw"]["share"] == 0.03 and rows["sw"]["count"] == 30
    assert rows["sw"]["disfavoured"] and rows["sw"]["flagged"]
    assert not rows["bn"]["disfavoured"] and rows["bn"]["rare"]
    assert rows["te"]["count"] == 0 and rows["te"]["flagged"]
    assert not rows["en"]["rare"] and not rows["zh"]["disfavoured"]
    assert link["flagged"] == ["sw", "te"]
    codes = ["en", "zh", "sw", "bn", "te"]
    share = {"en": 0.9, "zh": 0.06, "sw": 0.03, "bn": 0.01, "te": 0.0}
    mean = {"en": 1.5, "zh": 2.0, "sw": 3.2, "bn": 3.3, "te": 5.0}
    expected = spearman(np.array([share[c] for c in codes]), np.array([mean[c] for c in codes]))
    assert link["spearman"]["rho"] == pytest.approx(expected["rho"]) == pytest.approx(-1.0)
    assert link["spearman"]["n"] == 5
    texts = [f.text for f in data.findings]
    assert any("(sw, 30 utterances)" in t and "(te, 0 utterances)" in t for t in texts)


def test_pairs_run_beside_the_preference_data(tmp_path):
    lang = _write(tmp_path, "lang_prefs", LANG)
    pairs = _write(tmp_path, "rm_pairs", _pairs())
    data = report([lang, pairs], links=["rm_pairs=lang_prefs"])
    (link,) = data.links["rm-languages"]
    rows = {r["code"]: r for r in link["rows"]}
    assert link["value"] == "accuracy"
    assert rows["sw"]["flagged"] and not rows["zh"]["disfavoured"]
    assert rows["en"]["accuracy"] == 0.7 and rows["sw"]["n"] == 50
    assert any("Swahili (sw, 30 utterances)" in f.text for f in data.findings)


def test_only_declared_and_only_language_runs(tmp_path):
    lang = _write(tmp_path, "lang_prefs", LANG)
    probe = _write(tmp_path, "rm_langs", _lang_probe())
    data = report([lang, probe])
    assert data.links["rm-languages"] == []  # never without a declaration
    country = _write(tmp_path, "rm_countries", {"kind": "probe-rm", "model": "m", "countries": []})
    data = report([lang, country], links=["rm_countries=lang_prefs"])
    assert data.links["rm-languages"] == []
    with pytest.raises(AuditkitError):
        report([lang, probe], links=["lang_prefs=rm_langs"])  # no lang -> probe-rm kind
