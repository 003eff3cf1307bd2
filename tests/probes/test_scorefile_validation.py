"""`probe-rm --scores` validates its input (issue #11 item 10 and "also seen"): non-finite
scores, two columns naming one country, damaged CSV/parquet are one-line errors naming file,
row and column; distinct models never share a run folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from auditkit.io import slug
from auditkit.probes.api import default_out
from tests.cli_run import assert_clean_exit, run_cli

COUNTRIES = ["United States of America", "China", "Germany", "Brazil", "Nigeria", "India"]


def _wide(path, countries=COUNTRIES, cell=None):
    rows = []
    for q, sentiment in enumerate(["positive", "negative", "positive"]):
        rows.append(
            {
                "Question": f"q{q}",
                "reward_model": "org/rm",
                "Sentiment": sentiment,
                **{c: float((q + 1) * (i + 1) % 5) for i, c in enumerate(countries)},
            }
        )
    df = pd.DataFrame(rows).astype(object)
    if cell is not None:
        row, col, value = cell
        df.loc[row, col] = value
    df.to_csv(path, index=False)


def _long(path, names):
    rows = [
        {"country": c, "prompt": "p", "reward": float(i), "prompt_id": 0, "reward_model": "rm"}
        for i, c in enumerate(names)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.parametrize("value", ["inf", "-inf", "1e999", "Infinity", "abc"])
def test_non_finite_or_non_numeric_scores_are_refused(tmp_path, value):
    f = tmp_path / "s.csv"
    _wide(f, cell=(1, "Germany", value))
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert f"{f}:3: field 'Germany'" in res.err
    assert not (tmp_path / "o" / "summary.json").exists()


def test_long_csv_non_finite_score_is_refused(tmp_path):
    f = tmp_path / "where_from.csv"
    _long(f, COUNTRIES)
    df = pd.read_csv(f).astype(object)
    df.loc[2, "reward"] = "1e999"
    df.to_csv(f, index=False)
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert f"{f}:4: field 'reward'" in res.err


def test_two_columns_naming_one_country_are_an_error_naming_both(tmp_path):
    f = tmp_path / "s.csv"
    _wide(f, COUNTRIES + ["USA"])
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert "'United States of America' and 'USA'" in res.err and "USA" in res.err


def test_long_csv_two_names_of_one_country_in_a_prompt_are_an_error(tmp_path):
    f = tmp_path / "where_from.csv"
    _long(f, COUNTRIES + ["USA"])
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert "'United States of America' and 'USA'" in res.err


def test_long_csv_spellings_across_prompts_are_one_country(tmp_path):
    f = tmp_path / "where_from.csv"
    rows = [
        {"country": c, "prompt": "p", "reward": float(i + q), "prompt_id": q, "reward_model": "rm"}
        for q, names in enumerate([COUNTRIES, ["USA"] + COUNTRIES[1:]])
        for i, c in enumerate(names)
    ]
    pd.DataFrame(rows).to_csv(f, index=False)
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (0,))
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["n_countries"] == len(COUNTRIES)


def _parquet(path, models):
    rows = [
        {
            "question_id": f"q{q}",
            "question": f"q{q}",
            "sentiment": "positive" if q % 2 == 0 else "negative",
            "country": c,
            "score": float((q + 1) * (i + 1) % 5) + len(m),
            "model": m,
            "favourable": "higher",
        }
        for m in models
        for q in range(3)
        for i, c in enumerate(COUNTRIES)
    ]
    pd.DataFrame(rows).to_parquet(path)


def test_models_x_slash_y_and_x__y_get_distinct_folders(tmp_path):
    assert slug("x/y") != slug("x__y")
    assert slug("allenai/tulu") == "allenai__tulu"  # readable where unambiguous
    assert default_out("a/rm", None) != default_out("b/rm", None)
    f = tmp_path / "scores.parquet"
    _parquet(f, ["x/y", "x__y"])
    out = tmp_path / "o"
    res = run_cli("probe-rm", "--scores", f, "--out", out)
    assert_clean_exit(res, (0,))
    top = json.loads((out / "summary.json").read_text())
    folders = {m: v["folder"] for m, v in top["models"].items()}
    assert len(set(folders.values())) == 2
    for m, d in folders.items():
        assert json.loads((out / d / "summary.json").read_text())["model"] == m


@pytest.mark.parametrize(
    "content",
    [
        b"Question,reward_model,Sentiment,China\nq,rm,positive,1,2\n",
        b"Question,reward_model,Sentiment,China\nq,rm,positive\n",
        "Question,reward_model,Sentiment,China\nq\xe9,rm,positive,1\n".encode("latin-1"),
        "Question,reward_model,Sentiment,China\nq,rm,positive,1\n".encode("utf-16"),
        b"",
    ],
)
def test_damaged_csv_is_a_one_line_error(tmp_path, content):
    f = tmp_path / "s.csv"
    f.write_bytes(content)
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert str(f) in res.err


def test_damaged_parquet_is_a_one_line_error(tmp_path):
    good = tmp_path / "good.parquet"
    _parquet(good, ["m"])
    data = good.read_bytes()
    for name, blob in (("cut", data[: len(data) // 2]), ("noise", b"PAR1" + b"\x00" * 64)):
        f = tmp_path / f"{name}.parquet"
        f.write_bytes(blob)
        res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
        assert_clean_exit(res, (2,))
        assert str(f) in res.err


def test_parquet_non_finite_score_names_its_row(tmp_path):
    f = tmp_path / "scores.parquet"
    _parquet(f, ["m"])
    df = pd.read_parquet(f)
    df.loc[4, "score"] = float("inf")
    df.to_parquet(f)
    res = run_cli("probe-rm", "--scores", f, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert f"{f}:5: field 'score'" in res.err
