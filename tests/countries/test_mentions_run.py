"""`auditkit countries` runs: preference sides, resume, language sources, engines, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import auditkit.langid  # noqa: F401  (registers the "detect" language labeller countries uses)
from auditkit.corpus_pass import DONE_DIR, SHARD_DIR
from auditkit.countries.mentions_run import read_mentions, run_countries
from auditkit.errors import AuditkitError
from tests.conftest import REPO_ROOT, require_shared


def write_pairs(path: Path, n: int = 40) -> Path:
    """ShareGPT-style DPO pairs: every chosen answer names Italy, every rejected one Nigeria;
    prompts name no country."""
    rows = []
    for i in range(n):
        rows.append(
            {
                "conversations": [
                    {"from": "human", "value": f"Where should I travel, friend {i}?"}
                ],
                "chosen": {"from": "gpt", "value": f"Italy is lovely in spring (tip {i})."},
                "rejected": {"from": "gpt", "value": f"Go to Nigeria, it is great (tip {i})."},
            }
        )
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _files(out: Path) -> dict[str, bytes]:
    files = {p.name: p.read_bytes() for p in sorted((out / SHARD_DIR).glob("part-*.parquet"))}
    files["summary.json"] = (out / "summary.json").read_bytes()
    return files


def test_italy_chosen_nigeria_rejected(tmp_path):
    corpus = write_pairs(tmp_path / "pairs.json")
    s = run_countries(str(corpus), tmp_path / "out", workers=1, languages="en", shard_size=25)
    by = {r["iso3"]: r for r in s["countries"]}
    assert set(by) == {"ITA", "NGA"}
    assert (by["ITA"]["mentions_chosen"], by["ITA"]["mentions_rejected"]) == (40, 0)
    assert (by["NGA"]["mentions_chosen"], by["NGA"]["mentions_rejected"]) == (0, 40)
    p = s["preference"]
    assert p["pairs"] == 40 and p["responses_chosen"] == 40 and p["responses_rejected"] == 40
    rows = {r["iso3"]: r for r in p["chosen_vs_rejected"]}
    assert rows["ITA"]["ratio"] is None and rows["NGA"]["ratio"] == 0.0  # all on one side
    assert rows["ITA"]["pairs_chosen_only"] == 40 and rows["NGA"]["pairs_rejected_only"] == 40
    assert p["more_in_chosen"] == ["ITA"] and p["more_in_rejected"] == ["NGA"]
    assert rows["ITA"]["p_holm"] < 1e-9
    assert s["by_side"]["prompt"]["mentions"] == 0
    assert len(s["study_never_mentioned"]) == 179
    df = read_mentions(tmp_path / "out")
    chosen = df[df.side == "chosen"].iloc[0]
    m = chosen["mentions"][0]
    assert (m["iso3"], m["text"], m["start"], m["end"]) == ("ITA", "Italy", 0, 5)
    assert list(chosen["countries"]) == ["ITA"]


@pytest.mark.slow
def test_resume_workers_and_shards_give_identical_outputs(tmp_path):
    corpus = write_pairs(tmp_path / "pairs.json", n=30)
    a = tmp_path / "a"
    run_countries(str(corpus), a, workers=1, languages="en", shard_size=20)
    first = _files(a)
    # a rerun resumes every shard (nothing recomputed) and writes the same bytes
    (a / "summary.json").unlink()
    run_countries(str(corpus), a, workers=1, languages="en", shard_size=20)
    assert _files(a) == first
    audit = json.loads((a / "audit.json").read_text())
    assert audit["resumed_utterances"] == 90
    # a lost shard is recomputed identically; two worker processes change nothing
    (a / DONE_DIR / "part-00001.done.json").unlink()
    run_countries(str(corpus), a, workers=2, languages="en", shard_size=20)
    assert _files(a) == first


def test_other_arguments_or_other_input_refuse_to_resume(tmp_path):
    corpus = write_pairs(tmp_path / "pairs.json", n=5)
    out = tmp_path / "out"
    run_countries(str(corpus), out, workers=1, languages="en")
    with pytest.raises(AuditkitError, match="other arguments"):
        run_countries(str(corpus), out, workers=1, languages="fr")
    write_pairs(corpus, n=6)
    with pytest.raises(AuditkitError, match="other input"):
        run_countries(str(corpus), out, workers=1, languages="en")


@pytest.mark.slow
def test_languages_detected_or_read_from_a_lang_run(tmp_path):
    rows = [
        {"messages": [{"role": "user", "content": t}, {"role": "assistant", "content": a}]}
        for t, a in [
            ("Ich habe lange in Frankreich gelebt und spreche gut Französisch.", "Schön!"),
            ("我去过美国和中国，也想去日本看看。", "好的。"),
            ("Я жил в России, а потом переехал во Францию.", "Хорошо."),
        ]
    ]
    corpus = tmp_path / "m.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    detected = run_countries(str(corpus), tmp_path / "d", workers=1)
    by = {r["iso3"]: r for r in detected["countries"]}
    assert by["FRA"]["by_language"] == {"de": 1, "ru": 1}
    assert set(by) == {"FRA", "USA", "CHN", "JPN", "RUS"}
    from auditkit.langid.lang_run import run_lang

    run_lang(str(corpus), tmp_path / "lang", workers=1)
    from_run = run_countries(
        str(corpus), tmp_path / "r", workers=1, languages=str(tmp_path / "lang")
    )
    assert from_run["countries"] == detected["countries"]
    other = tmp_path / "other.jsonl"
    other.write_text(corpus.read_text("utf-8").replace("Schön", "Gut"), "utf-8")
    with pytest.raises(AuditkitError, match="differs from the lang run"):
        run_countries(str(other), tmp_path / "x", workers=1, languages=str(tmp_path / "lang"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["hh_rlhf_harmless_base_test.jsonl", "llamafactory_dpo_en_demo_sharegpt.json"],
)
def test_shared_preference_samples_give_the_chosen_rejected_table(tmp_path, name):
    path = require_shared("preference", name)
    s = run_countries(str(path), tmp_path / "out", workers=2, languages="en")
    assert s["utterances_total"] > 1000 and s["skips"]["total"] == 0
    p = s["preference"]
    assert p["pairs"] > 100 and p["chosen_vs_rejected"]
    usa = next(r for r in p["chosen_vs_rejected"] if r["iso3"] == "USA")
    assert usa["mentions_chosen"] > 0 and usa["mentions_rejected"] > 0
    assert usa["ci_low"] < usa["ratio"] < usa["ci_high"]
    table = {r["iso3"]: r for r in s["countries"]}
    assert table["USA"]["mentions"] >= usa["mentions_chosen"] + usa["mentions_rejected"]
    assert sum(r["mentions"] for r in s["countries"]) == s["mentions_total"]


@pytest.mark.slow
def test_cli_prints_the_table_and_writes_json(tmp_path):
    corpus = write_pairs(tmp_path / "pairs.json", n=3)
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "countries", str(corpus), "--out", str(out)]
        + ["--languages", "en", "--workers", "1", "--json", "-"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["kind"] == "countries" and summary["mentions_total"] == 6
    bad = subprocess.run(
        [sys.executable, "-m", "auditkit.cli", "countries", str(corpus), "--out", str(out)]
        + ["--languages", "not a thing!"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert bad.returncode == 2 and "--languages" in bad.stderr and "Traceback" not in bad.stderr


def test_rerun_replays_a_countries_run(tmp_path):
    from auditkit.rerun import rerun

    corpus = write_pairs(tmp_path / "pairs.json", n=4)
    out = tmp_path / "out"
    run_countries(str(corpus), out, workers=1, languages="en", ratio_confidence=0.9)
    result = rerun(out / "audit.json", out=tmp_path / "again", workers=1)
    assert result.identical, result.differing
