"""Skew -> gap links: Spearman against hand-computed values, code normalisation, flags."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from auditkit.report.links import (
    LinkOptions,
    compute_links,
    correlation_matrix,
    country_link,
    language_code,
    language_links,
)
from auditkit.report.links import finite_spearman as spearman
from auditkit.report.runs import load_run, load_runs
from tests.report.conftest import RUNS


def test_spearman_hand_computed():
    # ranks differ in one swapped pair: sum d^2 = 2, rho = 1 - 6*2 / (4*(16-1)) = 0.8
    s = spearman(np.array([1.0, 2, 3, 4]), np.array([10.0, 30, 20, 40]))
    assert s["rho"] == pytest.approx(0.8)
    assert s["n"] == 4
    assert 0 < s["p"] < 1


def test_spearman_drops_missing_pairs_and_refuses_degenerate_input():
    s = spearman(np.array([1.0, 2, np.nan, 3, 4]), np.array([1.0, 2, 5, np.nan, 3]))
    assert s["n"] == 3 and s["rho"] == pytest.approx(1.0)
    assert spearman(np.array([1.0, 2]), np.array([2.0, 1]))["rho"] is None  # n < 3
    const = spearman(np.array([1.0, 1, 1]), np.array([1.0, 2, 3]))
    assert const == {"rho": None, "p": None, "n": 3}


def test_correlation_matrix_uses_shared_items_only():
    labels, rho, ns = correlation_matrix(
        {
            "a": {"x": 1, "y": 2, "z": 3, "w": 4},
            "b": {"x": 1, "y": 2, "z": 3},
            "c": {"x": 3, "y": 2, "z": 1},
        }
    )
    assert labels == ["a", "b", "c"]
    assert ns[0][1] == 3 and ns[0][0] == 4
    assert rho[0][1] == pytest.approx(1.0) and rho[1][2] == pytest.approx(-1.0)
    assert rho[0][2] == rho[2][0]


@pytest.mark.parametrize(
    "label,code",
    [
        ("bengali", "bn"),
        ("Bengali", "bn"),
        ("bn", "bn"),
        ("ben_Beng", "bn"),
        ("arb_Arab", "ar"),
        ("swahili", "sw"),
        ("swh_Latn", "sw"),
        ("english", "en"),
        ("zh-cn", "zh"),
        ("indonesian", "id"),
        ("telugu", "te"),
    ],
)
def test_language_code_normalises_eval_groups(label, code):
    assert language_code(label) == code


def test_language_code_unknown_is_none():
    assert language_code("") is None
    assert language_code("not a language 123") is None
    assert language_code("???") is None


def _tydiqa_link(step=("llama-tulu", "sft"), **opts):
    lang = load_run(RUNS / "lang")
    ev = load_run(RUNS / "eval_tydiqa")
    (link,) = language_links(lang, ev, step, LinkOptions(**opts))
    return lang, ev, link


def test_language_link_joins_shares_and_sft_deltas():
    lang, ev, link = _tydiqa_link(min_loss_points=0.0)
    assert (link["from_stage"], link["to_stage"]) == ("base", "sft")
    assert link["chain"] == "llama-tulu"
    rows = {r["code"]: r for r in link["rows"]}
    assert set(rows) == {"ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te"}
    # joined values come from the two summaries
    bn_step = next(
        s for s in ev.summary["steps"] if s["group"] == "bengali" and s["to_stage"] == "sft"
    )
    assert rows["bn"]["count"] == 37
    assert rows["bn"]["delta_points"] == pytest.approx(100 * bn_step["delta"])
    assert rows["bn"]["share"] == pytest.approx(37 / lang.summary["utterances_agreed"])
    # rare (< 100 utterances, the lang run's threshold) and losing (--min-loss 0: any drop):
    # Bengali and Telugu
    assert link["rare_below"] == 100
    assert link["flagged"] == ["bengali", "telugu"]
    assert not rows["sw"]["flagged"]  # rare but gains
    # Spearman recomputed independently from ranks
    shares = np.array([r["share"] for r in link["rows"]])
    deltas = np.array([r["delta_points"] for r in link["rows"]])
    rs = np.argsort(np.argsort(shares))
    rd = np.argsort(np.argsort(deltas))
    d2 = float(((rs - rd) ** 2).sum())
    assert link["spearman"]["rho"] == pytest.approx(1 - 6 * d2 / (9 * 80))
    assert link["spearman"]["n"] == 9


def test_language_link_thresholds_are_configurable():
    _, _, link = _tydiqa_link(rare_below=10, min_loss_points=0.0)
    assert link["flagged"] == ["telugu"]  # 9 utterances; Bengali's 37 is no longer rare
    _, _, link = _tydiqa_link(min_loss_points=5.0)
    assert link["flagged"] == ["bengali"]  # Telugu's -3 points is not a loss beyond 5
    assert link["loss_rule"] == "a drop of more than 5 points (--min-loss)"
    _, _, link = _tydiqa_link(step=("llama-tulu", "pt"))
    assert (link["from_stage"], link["to_stage"]) == ("sft", "pt")


def test_rare_and_losing_needs_holm_significance_by_default():
    """Bengali -10.6 points (Holm p 0.28) and Telugu -3.0 (Holm p 0.45) are rare and fall,
    but neither change is significant after Holm: by default neither is flagged."""
    _, _, link = _tydiqa_link()
    rows = {r["code"]: r for r in link["rows"]}
    assert rows["bn"]["delta_points"] < 0 and rows["bn"]["p_holm"] > 0.05
    assert link["flagged"] == []
    assert link["loss_rule"] == "a loss significant after Holm correction (p_holm < 0.05)"
    # the same drops, significant: flagged
    _, _, link = _tydiqa_link(alpha=0.5)
    assert link["flagged"] == ["bengali", "telugu"]


def test_language_absent_from_corpus_counts_as_zero(tmp_path):
    lang = load_run(RUNS / "lang")
    lang.summary = copy.deepcopy(lang.summary)
    lang.summary["languages"] = [r for r in lang.summary["languages"] if r["code"] != "bn"]
    ev = load_run(RUNS / "eval_tydiqa")
    (link,) = language_links(lang, ev, ("llama-tulu", "sft"), LinkOptions(min_loss_points=0))
    bn = next(r for r in link["rows"] if r["code"] == "bn")
    assert bn["count"] == 0 and bn["share"] == 0.0 and bn["flagged"]


def test_country_link_pairs_rm_with_lm():
    runs = load_runs([RUNS])
    links = compute_links(runs)
    (c,) = links["countries"]
    assert c["rm_scorer"] == "rm" and c["lm_scorer"] == "lm"
    rm = load_run(RUNS / "probe_rm")
    lm = load_run(RUNS / "probe_lm")
    assert c["spearman"]["n"] == len(rm.summary["countries"]) == len(lm.summary["countries"])
    rm_rank = {r["iso3"]: r["mean_rank"] for r in rm.summary["countries"]}
    lm_rank = {r["iso3"]: r["mean_rank"] for r in lm.summary["countries"]}
    keys = sorted(rm_rank)
    from scipy.stats import spearmanr

    ref = spearmanr([rm_rank[k] for k in keys], [lm_rank[k] for k in keys]).statistic
    assert c["spearman"]["rho"] == pytest.approx(ref)
    # nothing declares the fixture corpus's training step: no language link
    assert links["languages"] == []


def test_country_link_counts_countries_in_only_one_run():
    rm = load_run(RUNS / "probe_rm")
    lm = load_run(RUNS / "probe_lm")
    lm.summary = copy.deepcopy(lm.summary)
    lm.summary["countries"] = lm.summary["countries"][:50]
    c = country_link(rm, lm)
    assert c["spearman"]["n"] == 50
    assert c["only_in_rm"] == len(rm.summary["countries"]) - 50
    assert c["only_in_lm"] == 0
    assert all(r["rank_difference"] == r["lm_rank"] - r["rm_rank"] for r in c["rows"])
    assert not math.isnan(c["spearman"]["rho"])


# --- declarations ---------------------------------------------------------------------------

import json  # noqa: E402
import shutil  # noqa: E402

from auditkit.errors import AuditkitError  # noqa: E402
from auditkit.report.api import report  # noqa: E402
from auditkit.report.links import (  # noqa: E402
    LINK_KINDS,
    LinkKind,
    LinkSpec,
    declare_links,
    register_link_kind,
)


def _declare_training_data(root, hub_id="allenai/tulu-v2-sft-mixture", corpus_hub=None):
    """The eval summary names the SFT step's training data (as the built-in chains do); the
    lang run's audit record names the Hub dataset it read (corpus_hub)."""
    ev = root / "eval_tydiqa" / "summary.json"
    s = json.loads(ev.read_text())
    for st in s["steps"]:
        st["data"] = [hub_id] if (st["from_stage"], st["to_stage"]) == ("base", "sft") else []
    ev.write_text(json.dumps(s))
    if corpus_hub is not None:
        au = root / "lang" / "audit.json"
        a = json.loads(au.read_text())
        a["inputs"] = [{"hub_id": corpus_hub, "revision": "abc123"}]
        au.write_text(json.dumps(a))


def test_a_corpus_of_the_declared_training_data_links_by_itself(runs_dir):
    _declare_training_data(runs_dir, corpus_hub="allenai/tulu-v2-sft-mixture")
    links = compute_links(load_runs([runs_dir]))
    (link,) = links["languages"]
    assert link["data_link"] == "lang→llama-tulu:sft"
    assert link["trained_on"] == ["allenai/tulu-v2-sft-mixture"]
    assert "trained on allenai/tulu-v2-sft-mixture" in link["declared_by"]
    assert (link["from_stage"], link["to_stage"]) == ("base", "sft")


def test_a_corpus_of_other_data_is_not_linked_and_the_report_says_how(runs_dir, tmp_path):
    # the step trained on Tulu's mixture; the corpus is UltraChat: no link
    _declare_training_data(runs_dir, corpus_hub="HuggingFaceH4/ultrachat_200k")
    data = report([runs_dir], html=tmp_path / "r.html")
    assert data.links["languages"] == []
    html = (tmp_path / "r.html").read_text()
    assert "data-link='lang" not in html
    assert "--link lang=llama-tulu:sft" in html and "id='link-hint'" in html
    # a local corpus file names no dataset: no link either
    _declare_training_data(runs_dir, corpus_hub=None)
    assert (
        compute_links(load_runs([runs_dir / "lang", runs_dir / "eval_tydiqa"]))["languages"] == []
    )


def test_link_flag_declares_one_pair_by_folder_path_or_name(runs_dir):
    runs = load_runs([runs_dir])
    for source in (str(runs_dir / "lang"), "lang", "tulu-like-sft-sample"):
        (d,) = [
            d
            for d in declare_links(runs, [LinkSpec(source, "llama-tulu:sft")])
            if d.kind.name == "languages"
        ]
        assert d.name == "lang→llama-tulu:sft" and d.chain_step == ("llama-tulu", "sft")
        assert d.target.path.name == "eval_tydiqa"  # the md3 dialect eval is not a language eval
    # declared twice (by data and by --link): one link
    _declare_training_data(runs_dir, corpus_hub="allenai/tulu-v2-sft-mixture")
    links = compute_links(load_runs([runs_dir]), specs=[LinkSpec.parse("lang=llama-tulu:sft")])
    assert len(links["languages"]) == 1


@pytest.mark.parametrize(
    "spec,message",
    [
        ("lang", "expected SOURCE_RUN=TARGET"),
        ("nope=llama-tulu:sft", "no run named 'nope'"),
        (
            "lang=llama-tulu:rlhf",
            "no run has the chain step 'llama-tulu:rlhf'; steps present: llama-tulu:sft, llama-tulu:pt",
        ),
        ("lang=probe_rm", "no link kind joins a lang run to a probe-rm run"),
        ("lang=whatever", "is neither a run"),
    ],
)
def test_link_flag_errors_are_one_clear_line(spec, message, capsys):
    from auditkit.cli import main

    with pytest.raises(SystemExit) as e:
        main(["report", str(RUNS), "--link", spec])
    assert e.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err


def test_other_sides_register_link_kinds_and_get_a_generic_block(tmp_path):
    """The mechanism other analyses join through: a link kind keyed by the two runs' kinds;
    without a renderer of its own its links are drawn as an escaped table."""

    def build(src, tgt, step, opts):
        return [{"rows": [{"country": "<b>Chad</b>", "value": 0.5}], "n": 1}]

    # the pair is taken by the rm-languages kind: stand in for it during this test
    saved = LINK_KINDS.pop(("probe-rm", "lang"), None)
    kind = register_link_kind(
        LinkKind("probe-to-corpus", "probe-rm", "lang", "a probe beside a corpus", build)
    )
    try:
        data = report(
            [RUNS / "probe_rm", RUNS / "lang"],
            html=tmp_path / "r.html",
            links=["probe_rm=lang"],
        )
        (link,) = data.links["probe-to-corpus"]
        assert link["data_link"] == "probe_rm→lang"
        html = (tmp_path / "r.html").read_text()
        assert html.count("data-link='probe_rm→lang'") == 1
        assert "&lt;b&gt;Chad&lt;/b&gt;" in html and "<b>Chad" not in html
        with pytest.raises(ValueError):
            register_link_kind(LinkKind("again", "probe-rm", "lang", "", build))
    finally:
        del LINK_KINDS[(kind.source_kind, kind.target_kind)]
        if saved is not None:
            LINK_KINDS[(saved.source_kind, saved.target_kind)] = saved


def test_unknown_scorers_are_not_paired_without_a_declaration(runs_dir):
    for name in ("probe_rm", "probe_lm"):
        f = runs_dir / name / "summary.json"
        s = json.loads(f.read_text())
        s["scorer"] = s["score"] = "custom"
        f.write_text(json.dumps(s))
    runs = load_runs([runs_dir / "probe_rm", runs_dir / "probe_lm"])
    assert compute_links(runs)["countries"] == []
    (c,) = compute_links(runs, specs=[LinkSpec.parse("probe_rm=probe_lm")])["countries"]
    assert c["declared_by"] == "--link probe_rm=probe_lm"


def test_link_spec_parse_rejects_garbage():
    with pytest.raises(AuditkitError):
        LinkSpec.parse("=x")
    assert LinkSpec.parse(" a = b:c ") == LinkSpec("a", "b:c")


# --- one run, one appearance ------------------------------------------------------------------


def test_a_run_reached_twice_appears_once(tmp_path):
    """Passed twice, under another path, as a *-rerun copy, or inside a comparison folder:
    the summary's content hash identifies the run."""
    root = tmp_path / "r"
    shutil.copytree(RUNS, root)
    shutil.copytree(root / "lang", root / "lang-rerun")
    cmp_dir = root / "cmp"
    shutil.copytree(root / "probe_rm", cmp_dir / "rm")
    (cmp_dir / "summary.json").write_text(
        json.dumps(
            {
                "kind": "probe-rm",
                "models": {"berkeley-nest/Starling-RM-7B-alpha": {"folder": "rm"}},
            }
        )
    )
    runs = load_runs([root, root / "lang", root / "probe_rm", str(root / "lang") + "/"])
    names = sorted(r.path.name for r in runs)
    assert names == ["cmp", "eval_md3", "eval_tydiqa", "lang", "probe_lm", "rm"]
    lang = next(r for r in runs if r.kind == "lang")
    assert [c.name for c in lang.copies] == ["lang-rerun"]
    rm = next(r for r in runs if r.label == "berkeley-nest/Starling-RM-7B-alpha")
    assert rm.path.name == "rm" and [c.name for c in rm.copies] == ["probe_rm"]
    # and a link named by a copy's folder still finds the run
    links = compute_links(runs, specs=[LinkSpec.parse("lang-rerun=llama-tulu:sft")])
    assert len(links["languages"]) == 1


def test_the_same_folder_with_a_changed_summary_is_a_different_run(tmp_path):
    root = tmp_path / "r"
    shutil.copytree(RUNS / "lang", root / "a")
    shutil.copytree(RUNS / "lang", root / "b")
    f = root / "b" / "summary.json"
    s = json.loads(f.read_text())
    s["utterances_total"] += 1
    f.write_text(json.dumps(s))
    assert len(load_runs([root])) == 2
