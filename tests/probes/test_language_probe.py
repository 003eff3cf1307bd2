"""`probe-rm --probes languages`: the shipped UDHR set, user parallel sets, scoring (batched =
one at a time, prefix reuse, Ray = local byte for byte) and the per-language analysis."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditkit.cli import main
from auditkit.errors import AuditkitError, InputError
from auditkit.modeling import LoadOptions
from auditkit.probes.api import SCORES_FILE, probe_rm
from auditkit.probes.parallel import (
    builtin_parallel_set,
    expand_variants,
    load_parallel_file,
    row_chunks,
    score_rows,
)
from auditkit.probes.scorers import build_scorer
from auditkit.probes.slot_analysis import rank_fillers

CPU32 = LoadOptions(dtype="float32", device="cpu")
REQUIRED = ("en", "bn", "sw", "te", "zh", "ar")
FEW = ["en", "bn", "sw", "te", "zh", "ar", "fr", "ru", "hi", "am", "yo", "ja"]


def test_builtin_set_is_parallel_over_at_least_100_languages():
    ps = builtin_parallel_set()
    langs = ps.languages
    assert len(langs) >= 100
    assert set(REQUIRED) <= set(langs)
    # every language has every item (a parallel text) and one row per item
    items = ps.items
    assert len(items) >= 3
    per = pd.DataFrame(ps.rows).groupby("language")["item_id"].apply(sorted)
    assert all(v == sorted(items) for v in per)
    en = {r["item_id"]: r for r in ps.rows if r["language"] == "en"}
    assert en["udhr-article-03"]["response"].startswith("Everyone has the right to life")
    assert "Article 3" in en["udhr-article-03"]["prompt"]


def test_variants_native_and_reference_prompt():
    ps = builtin_parallel_set().subset(languages=["en", "bn", "zh"])
    rows, skips = expand_variants(ps, "en")
    assert skips.total == 0
    assert len(rows) == len(ps.rows) * 2
    bn = [r for r in rows if r.language == "bn" and r.item_id == "udhr-article-03"]
    native, ref = sorted(bn, key=lambda r: r.variant)
    assert native.variant == "native" and "Article" not in native.prompt
    assert ref.variant == "reference" and ref.prompt.endswith("Article 3")
    assert native.response == ref.response
    # chunks never split an (item, variant) group
    for chunk in row_chunks(rows, 2):
        groups = [r.group for r in chunk]
        assert len(set(groups)) <= 2
        assert groups == sorted(groups, key=groups.index)


def test_user_parallel_sets_csv_and_jsonl(tmp_path):
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text(
        "item_id,language,prompt,response\n"
        "greet,eng,Say hello,Hello\n"
        "greet,fra,Dis bonjour,Bonjour\n"
        "greet,arb_Arab,قل مرحبا,مرحبا\n",
        encoding="utf-8",
    )
    ps = load_parallel_file(csv_path)
    assert ps.languages == ["en", "fr", "ar"]
    jl = tmp_path / "mine.jsonl"
    jl.write_text(
        json.dumps({"item_id": "a", "language": "en", "prompt": "p", "response": "r"})
        + "\n"
        + json.dumps({"item_id": "a", "language": "en", "prompt": "p", "response": "x"})
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e:
        load_parallel_file(jl)
    assert "mine.jsonl:2" in str(e.value) and "language" in str(e.value)
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,language,prompt,response\nx,en,,r\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        load_parallel_file(bad)
    assert "bad.csv:2" in str(e.value) and "prompt" in str(e.value)
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("item_id,lang,prompt,response\nx,en,p,r\n", encoding="utf-8")
    with pytest.raises(InputError, match="language"):
        load_parallel_file(nocol)


def test_rank_fillers_by_hand():
    # rows: 3 rows x 3 fillers; higher = favourable
    values = np.array([[3.0, 2.0, 1.0], [1.0, 3.0, 2.0], [3.0, 1.0, 2.0]])
    fa = rank_fillers(
        values, ["en", "fr", "de"], ["E", "F", "D"], ["a", "a", "b"], "higher", "en", n_resamples=50
    )
    s = fa.stats.set_index("code")
    assert s.loc["en", "mean_rank"] == pytest.approx((1 + 3 + 1) / 3)
    assert s.loc["fr", "mean_rank"] == pytest.approx((2 + 1 + 3) / 3)
    assert s.loc["de", "mean_rank"] == pytest.approx((3 + 2 + 2) / 3)
    assert s.loc["fr", "win_rate_vs_reference"] == pytest.approx(1 / 3)
    assert s.loc["de", "win_rate_vs_reference"] == pytest.approx(1 / 3)
    assert np.isnan(s.loc["en", "win_rate_vs_reference"])
    assert s.loc["en", "category_mean_rank:a"] == pytest.approx(2.0)
    assert list(fa.stats["code"]) == ["en", "fr", "de"]
    assert fa.summary["reference_rank"] == 1


@pytest.fixture(scope="module")
def seq_cls(tiny_models):
    return build_scorer(str(tiny_models.seq_cls), opts=CPU32)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["seq-cls", "starling", "dpo", "lm"])
def test_batched_equals_one_at_a_time(tiny_models, kind):
    path = {
        "seq-cls": tiny_models.seq_cls,
        "starling": tiny_models.starling_like,
        "dpo": tiny_models.causal_lm,
        "lm": tiny_models.causal_lm,
    }[kind]
    sc = build_scorer(str(path), kind, opts=CPU32, reference=str(tiny_models.causal_lm_ref))
    ps = builtin_parallel_set().subset(limit=2, languages=FEW)
    rows, _ = expand_variants(ps, "en")
    from auditkit.probes.conversations import render_conversations

    single = sc.score_encoded(
        [x.encoded for x in render_conversations(sc, [(r.turns, r.response) for r in rows])]
    )
    lengths = {
        len(x.encoded) for x in render_conversations(sc, [(r.turns, r.response) for r in rows])
    }
    assert len(lengths) > 5  # padding really varies
    for reuse in (False, True):
        df = score_rows(sc, rows, token_budget=4 * max(lengths), reuse_prefix=reuse)
        np.testing.assert_allclose(df["score"].to_numpy(), single, atol=1e-4, rtol=0)
    assert np.ptp(single) > 0


@pytest.mark.slow
def test_probe_ranks_every_shipped_language(tiny_models, tmp_path):
    out = tmp_path / "run"
    s = probe_rm(
        str(tiny_models.seq_cls),
        probes="languages",
        out=out,
        dtype="float32",
        device="cpu",
        n_resamples=100,
    )
    codes = [e["code"] for e in s["languages"]]
    assert len(codes) >= 100 and set(REQUIRED) <= set(codes)
    assert s["reference_language"] == "en" and s["reference_found"]
    assert sorted(e["rank"] for e in s["languages"])[0] == 1
    en = next(e for e in s["languages"] if e["code"] == "en")
    assert en["mean_gap_to_reference"] == 0.0 and en["win_rate_vs_reference"] is None
    for e in s["languages"]:
        assert {
            "code",
            "name",
            "mean_rank",
            "rank",
            "ci_low",
            "ci_high",
            "win_rate_vs_reference",
            "n",
        } <= set(e)
        assert e["ci_low"] <= e["mean_rank"] <= e["ci_high"]
        assert e["n"] == s["n_rows"] == 2 * len(builtin_parallel_set().items)
    # the tiny byte-level tokenizer has no merges for Telugu: ~1 byte per token, flagged
    te = next(e for e in s["languages"] if e["code"] == "te")
    assert te["tokenization"]["bytes_per_token"] == pytest.approx(1.0)
    assert te["tokenization"]["flag"] == "byte_fallback"
    assert "te" in s["tokenization"]["flagged"]
    # gap recomputed from the written scores
    long = pd.read_parquet(out / SCORES_FILE)
    w = long.pivot_table(index=["item_id", "variant"], columns="language", values="score")
    bn = next(e for e in s["languages"] if e["code"] == "bn")
    assert bn["mean_gap_to_reference"] == pytest.approx(float((w["bn"] - w["en"]).mean()))
    assert (out / "language_stats.parquet").exists() and (out / "audit.json").exists()


@pytest.mark.slow
def test_cli_languages_and_json(tiny_models, tmp_path, capsys):
    main([
        "probe-rm", str(tiny_models.seq_cls), "--probes", "languages", "--languages", ",".join(FEW),
        "--dtype", "float32", "--device", "cpu", "--out", str(tmp_path / "o"), "--json", "-", "-q",
    ])  # fmt: skip
    s = json.loads(capsys.readouterr().out)
    assert sorted(x["code"] for x in s["languages"]) == sorted(FEW)


def test_unknown_reference_language_is_a_clear_error(tiny_models, tmp_path):
    with pytest.raises(AuditkitError, match="reference language"):
        probe_rm(
            str(tiny_models.seq_cls),
            probes="languages",
            languages=["fr", "de"],
            out=tmp_path,
            device="cpu",
        )


@pytest.mark.slow
def test_two_models_give_the_language_by_model_table(tiny_models, tmp_path):
    s = probe_rm(
        [str(tiny_models.seq_cls), str(tiny_models.starling_like)],
        probes="languages",
        languages=FEW,
        out=tmp_path,
        dtype="float32",
        device="cpu",
        n_resamples=50,
    )
    t = s["language_by_model"]
    assert t["value"] == "mean_rank" and len(t["models"]) == 2
    assert {r["code"] for r in t["rows"]} == set(FEW)
    rc = s["ranking_correlations"]
    assert rc["n_fillers"] == len(FEW)
    a, b = rc["models"]
    assert rc["spearman"][a][a] == pytest.approx(1.0)


def test_probes_side_never_imports_langid():
    root = Path(__file__).resolve().parents[2] / "auditkit" / "probes"
    for f in root.glob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for n in names:
                assert not n.startswith("auditkit.langid") or (
                    f.name == "ray_engine.py" and n == "auditkit.langid.ray_engine"
                ), f"{f.name} imports {n}"
