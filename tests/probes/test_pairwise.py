"""`probe-rm --pairs`: per-language accuracy of a reward model on preference pairs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.facts.languages import normalise_code
from auditkit.probes.pairwise import accuracy_by_language
from auditkit.stats import holm, wilson_ci
from tests.conftest import require_shared


def _outcomes(rows):
    df = pd.DataFrame(rows, columns=["language", "example_id", "margin"])
    df["correct"] = df["margin"] > 0
    df["tie"] = df["margin"] == 0
    df["language_from"] = "column"
    return df


def test_accuracy_wilson_ties_and_fisher_by_hand():
    rows = [("en", f"e{i}", m) for i, m in enumerate([1, 1, 1, -1, 0])] + [
        ("zh", f"z{i}", m) for i, m in enumerate([1, -1, -1, 0, 0, -1])
    ]
    pa = accuracy_by_language(_outcomes(rows), "en")
    by = {e["code"]: e for e in pa["by_language"]}
    assert by["en"]["n"] == 5 and by["en"]["accuracy"] == pytest.approx(3 / 5)
    assert by["en"]["ties"] == 1
    assert (by["en"]["ci_low"], by["en"]["ci_high"]) == pytest.approx(wilson_ci(3, 5))
    assert by["zh"]["n"] == 6 and by["zh"]["correct"] == 1 and by["zh"]["ties"] == 2
    from scipy.stats import fisher_exact

    assert by["zh"]["test"] == "fisher_exact"
    assert by["zh"]["p"] == pytest.approx(fisher_exact([[1, 5], [3, 2]]).pvalue)
    assert by["zh"]["gap_to_reference"] == pytest.approx(1 / 6 - 3 / 5)
    assert "p" not in by["en"]
    assert pa["overall"]["n"] == 11 and pa["overall"]["ties"] == 3


def test_parallel_pairs_use_mcnemar_and_holm():
    ids = [f"q{i}" for i in range(8)]
    en = [1, 1, 1, 1, 1, 1, 1, -1]
    ar = [1, -1, -1, -1, -1, -1, 1, 1]
    de = [1, 1, 1, 1, 1, 1, -1, -1]
    rows = [("en", i, m) for i, m in zip(ids, en)]
    rows += [("ar", i, m) for i, m in zip(ids, ar)] + [("de", i, m) for i, m in zip(ids, de)]
    pa = accuracy_by_language(_outcomes(rows), "en")
    by = {e["code"]: e for e in pa["by_language"]}
    from auditkit.stats import mcnemar_exact

    # en right / ar wrong on 5 ids, en wrong / ar right on 1
    assert by["ar"]["test"] == "mcnemar_exact" and by["ar"]["n_paired"] == 8
    assert by["ar"]["p"] == pytest.approx(mcnemar_exact(5, 1))
    assert by["de"]["p"] == pytest.approx(mcnemar_exact(1, 0))
    adj = holm(np.array([by["ar"]["p"], by["de"]["p"]]))
    assert [by["ar"]["p_holm"], by["de"]["p_holm"]] == pytest.approx(list(adj))


def test_flores_style_codes_fold_into_the_shared_space():
    assert normalise_code("arb_Arab") == "ar"
    assert normalise_code("zho_Hans") == "zh"
    assert normalise_code("swh") == "sw"


def _mrb_rows():
    """M-RewardBench's layout: id, prompt, chosen, rejected (strings), language (FLORES code)."""
    texts = {
        "eng_Latn": ("What is two plus two?", "Four.", "Five."),
        "arb_Arab": ("ما هو اثنان زائد اثنين؟", "أربعة.", "خمسة."),
        "zho_Hans": ("二加二等于几？", "四。", "五。"),
    }
    out = []
    for lang, (p, c, r) in texts.items():
        for i in range(3):
            out.append(
                {"id": i, "language": lang, "prompt": f"{p} ({i})", "chosen": c, "rejected": r,
                 "chosen_model": "a", "rejected_model": "b", "source": "math-prm", "category": "reasoning"}
            )  # fmt: skip
    return out


def test_m_rewardbench_layout_with_language_column(tiny_models, tmp_path):
    data = tmp_path / "mrb.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _mrb_rows()), "utf-8")
    out = tmp_path / "run"
    main([
        "probe-rm", str(tiny_models.seq_cls), "--pairs", str(data), "--dtype", "float32",
        "--device", "cpu", "--out", str(out), "-q",
    ])  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    by = {e["code"]: e for e in s["pairwise_accuracy"]["by_language"]}
    assert set(by) == {"en", "ar", "zh"}
    assert all(e["n"] == 3 and e["language_from"] == ["column"] for e in by.values())
    assert by["ar"]["test"] == "mcnemar_exact" and by["ar"]["n_paired"] == 3
    scores = pd.read_parquet(out / "scores.parquet")
    assert len(scores) == 18 and set(scores["side"]) == {"chosen", "rejected"}
    oc = pd.read_parquet(out / "pair_outcomes.parquet")
    assert (oc["correct"] == (oc["chosen"] > oc["rejected"])).all()
    for code, e in by.items():
        assert e["correct"] == int(oc[oc["language"] == code]["correct"].sum())


@pytest.mark.slow
def test_shared_dpo_demos_en_and_zh(tiny_models, tmp_path):
    en = require_shared("preference", "llamafactory_dpo_en_demo_sharegpt.json")
    zh = require_shared("preference", "llamafactory_dpo_zh_demo_sharegpt.json")
    n = {p: len(json.loads(p.read_text(encoding="utf-8"))) for p in (en, zh)}
    out = tmp_path / "run"
    main([
        "probe-rm", str(tiny_models.seq_cls), "--pairs", str(en), "--pairs", str(zh),
        "--pairs-language", "corpus", "--dtype", "float32", "--device", "cpu",
        "--out", str(out), "-q",
    ])  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    by = {e["code"]: e for e in s["pairwise_accuracy"]["by_language"]}
    assert set(by) == {"en", "zh"}
    assert by["en"]["n"] == n[en] and by["zh"]["n"] == n[zh]
    for e in by.values():
        assert 0 <= e["ci_low"] <= e["accuracy"] <= e["ci_high"] <= 1
    assert by["zh"]["test"] == "fisher_exact" and "p_holm" in by["zh"]
    # sequences beyond the tiny model's 512 positions are cut on the left, and counted
    assert by["en"]["truncated"] > 0
    # per-prompt language ID (the default) labels most prompts of each file with its language
    from auditkit.pipelines.rm_languages import LanguageLabeller

    texts = [r["conversations"][-1]["value"] for r in json.loads(zh.read_text(encoding="utf-8"))]
    labels = LanguageLabeller()(texts)
    assert labels.count("zh") > len(texts) / 2


@pytest.mark.slow
def test_pairs_with_language_id_rerun_identically(tiny_models, tmp_path):
    """No language column: the CLI labels prompts with language ID; `auditkit rerun` replays
    the run (config without the labeller) to the same summary."""
    from auditkit.rerun import rerun

    rows = [
        {"prompt": f"Could you please explain how photosynthesis works in plants? ({i})",
         "chosen": "Plants turn light into sugar.", "rejected": "No."}
        for i in range(3)
    ] + [
        {"prompt": f"Pourriez-vous m'expliquer comment fonctionne la photosynthèse chez les plantes ? ({i})",
         "chosen": "Les plantes transforment la lumière en sucre.", "rejected": "Non."}
        for i in range(3)
    ]  # fmt: skip
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    out = tmp_path / "run"
    main([
        "probe-rm", str(tiny_models.seq_cls), "--pairs", str(data), "--dtype", "float32",
        "--device", "cpu", "--out", str(out), "-q",
    ])  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    by = {e["code"]: e for e in s["pairwise_accuracy"]["by_language"]}
    assert by["en"]["n"] == 3 and by["fr"]["n"] == 3
    assert by["fr"]["language_from"] == ["langid"]
    rerun(out, tmp_path / "again")
    assert (tmp_path / "again" / "summary.json").read_bytes() == (out / "summary.json").read_bytes()
