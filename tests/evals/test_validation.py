"""`eval score` never drops or corrupts a row silently (issue #11 item 4 and "also seen").

Every row of an output file is scored or counted as a skip with its reason and location
(rows.read = rows.scored + rows.skipped); a value outside a metric's domain, a ragged row and
an undecodable file are one-line errors naming the file, row and column.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.cli_run import assert_clean_exit, run_cli
from tests.conftest import require_shared

LLAMA = "meta-llama/Llama-2-7b-hf"


@pytest.fixture
def md3_llama(tmp_path):
    """One model's rows of the study's released MD3 predictions (216 en_in rows)."""
    src = require_shared("global_representation", "md3_game", "md3_game_predictions.csv")
    df = pd.read_csv(src, dtype=str, keep_default_na=False)
    return df[df["model"] == LLAMA].reset_index(drop=True)


def _score(tmp_path, f, *extra):
    out = tmp_path / "run"
    res = run_cli("eval", "score", "md3-game", str(f), "--out", out, "--n-resamples", "50", *extra)
    return res, out


def _summary(out):
    return json.loads((out / "summary.json").read_text())


def _assert_rows_add_up(s):
    rows = s["rows"]
    assert rows["read"] == rows["scored"] + rows["skipped"], rows
    assert (
        rows["skipped"]
        == s["skips"]["total"]
        - s["skips"]["by_reason"].get("file has no rows after filtering", {"count": 0})["count"]
    )
    n = sum(g["n"] for m in s["models"].values() for g in m.values())
    assert n == rows["scored"], (n, rows)


def test_empty_metric_cells_are_counted_skips_with_their_rows(tmp_path, md3_llama):
    df = md3_llama.copy()
    en_in = df.index[df["dialect"] == "en_in"]
    assert len(en_in) == 216
    blank = en_in[::4][:51]
    df.loc[blank, "generated_correct_answer_num"] = ""
    f = tmp_path / "Llama-2-7b-hf_8bit-no-answers.csv"
    df.to_csv(f, index=False)
    res, out = _score(tmp_path, f)
    assert_clean_exit(res, (0,))
    s = _summary(out)
    assert s["models"][LLAMA]["en_in"]["n"] == 165
    reason = s["skips"]["by_reason"]["empty generated_correct_answer_num cell"]
    assert reason["count"] == 51
    # location: file, spreadsheet row (header = row 1) and column
    assert reason["examples"][0] == f"{f}:{blank[0] + 2}: field 'generated_correct_answer_num'"
    assert s["rows"] == {"read": len(df), "scored": len(df) - 51, "skipped": 51}
    _assert_rows_add_up(s)


def test_unknown_dialect_is_a_counted_skip(tmp_path, md3_llama):
    df = md3_llama.copy()
    df.loc[3, "dialect"] = "en_xx"
    f = tmp_path / "m.csv"
    df.to_csv(f, index=False)
    res, out = _score(tmp_path, f)
    assert_clean_exit(res, (0,))
    s = _summary(out)
    reason = s["skips"]["by_reason"]["unknown dialect"]
    assert reason["count"] == 1 and reason["examples"] == [f"{f}:5: field 'dialect': en_xx"]
    _assert_rows_add_up(s)


@pytest.mark.parametrize(
    "column,value",
    [
        ("generated_correct_answer_num", "7"),
        ("generated_correct_answer_num", "-1"),
        ("generated_correct_answer_num", "0.5"),
        ("generated_correct_answer_num", "inf"),
        ("generated_correct_answer_num", "yes"),
        ("chose_correct_answer_num", "2"),
    ],
)
def test_value_outside_the_metric_domain_is_an_error_naming_file_row_column(
    tmp_path, md3_llama, column, value
):
    df = md3_llama.copy()
    df.loc[10, column] = value
    f = tmp_path / "m.csv"
    df.to_csv(f, index=False)
    res, out = _score(tmp_path, f)
    assert_clean_exit(res, (2,))
    assert f"{f}:12: field '{column}'" in res.err
    assert not (out / "summary.json").exists()


def test_md3_text_flags_outside_true_false_are_errors(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text(
        f"model,dialect,generated_correct_answer\n{LLAMA},en_us,True\n{LLAMA},en_us,maybe\n"
    )
    res, _ = _score(tmp_path, f)
    assert_clean_exit(res, (2,))
    assert f"{f}:3: field 'generated_correct_answer': 'maybe' is not a number" in res.err


def _belebele_csv(path, langs):
    mid = "mistralai/Mistral-7B-v0.1"
    rows = [
        {
            "model": "Mistral-7B-v0.1_8bit",
            "language_code": lang,
            "link": "u",
            "question_num": k,
            "correct_answer_num": 1,
            f"{mid}_is_correct": k % 2,
            **{f"{mid}_prob_{x}": 0.25 for x in "ABCD"},
        }
        for lang in langs
        for k in range(4)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)


def test_belebele_language_outside_the_defaults_is_counted_or_kept(tmp_path):
    f = tmp_path / "belebele.csv"
    _belebele_csv(f, ["eng_Latn", "deu_Latn"])
    res = run_cli("eval", "score", "belebele", f, "--out", tmp_path / "a", "--n-resamples", "50")
    assert_clean_exit(res, (0,))
    s = _summary(tmp_path / "a")
    assert s["skips"]["by_reason"]["language not selected (choose it with --groups)"]["count"] == 4
    _assert_rows_add_up(s)
    res = run_cli(
        "eval",
        "score",
        "belebele",
        f,
        "--groups",
        "eng_Latn,deu_Latn",
        "--out",
        tmp_path / "b",
        "--n-resamples",
        "50",
    )
    assert_clean_exit(res, (0,))
    s = _summary(tmp_path / "b")
    assert s["models"]["mistralai/Mistral-7B-v0.1"]["deu_Latn"]["n"] == 4
    assert s["skips"]["total"] == 0
    _assert_rows_add_up(s)


def test_belebele_empty_and_bad_cells(tmp_path):
    f = tmp_path / "belebele.csv"
    _belebele_csv(f, ["eng_Latn"])
    df = pd.read_csv(f)
    df.loc[1, "mistralai/Mistral-7B-v0.1_is_correct"] = None
    df.to_csv(f, index=False)
    res = run_cli("eval", "score", "belebele", f, "--out", tmp_path / "a", "--n-resamples", "50")
    assert_clean_exit(res, (0,))
    s = _summary(tmp_path / "a")
    assert s["skips"]["by_reason"]["empty mistralai/Mistral-7B-v0.1_is_correct cell"]["count"] == 1
    _assert_rows_add_up(s)
    col = "mistralai/Mistral-7B-v0.1_prob_C"
    df[col] = df[col].astype(object)
    df.loc[2, col] = "abc"
    df.to_csv(f, index=False)
    res = run_cli("eval", "score", "belebele", f, "--out", tmp_path / "b")
    assert_clean_exit(res, (2,))
    assert f"{f}:4: field 'mistralai/Mistral-7B-v0.1_prob_C'" in res.err


def test_goqa_similarity_outside_0_1_is_an_error(tmp_path):
    f = tmp_path / "g.jsonl"
    rows = [
        {
            "model_id": "zephyr-7b-beta",
            "row_index": i,
            "probs": [0.5, 0.5],
            "similarity_1_minus_jsd": {"United States": 1.5 if i == 1 else 0.5},
        }
        for i in range(3)
    ]
    f.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = run_cli(
        "eval", "score", "globalopinionsqa", f, "--groups", "United States", "--out", tmp_path / "o"
    )
    assert_clean_exit(res, (2,))
    assert f"{f}:2: field 'similarity'" in res.err


@pytest.mark.parametrize(
    "name,content",
    [
        ("ragged_more.csv", b"model,dialect,generated_correct_answer\nm,en_us,True,extra\n"),
        ("ragged_fewer.csv", b"model,dialect,generated_correct_answer\nm,en_us\n"),
        (
            "latin1.csv",
            "model,dialect,generated_correct_answer\nm\xe9,en_us,True\n".encode("latin-1"),
        ),
        ("utf16.csv", "model,dialect,generated_correct_answer\nm,en_us,True\n".encode("utf-16")),
    ],
)
def test_damaged_csv_is_a_one_line_error(tmp_path, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    res, _ = _score(tmp_path, f)
    assert_clean_exit(res, (2,))
    assert str(f) in res.err


def test_damaged_parquet_is_a_one_line_error(tmp_path):
    good = tmp_path / "outputs.parquet"
    pd.DataFrame(
        {
            "task": ["md3-game"],
            "model": ["m"],
            "item_id": ["0"],
            "group": ["en_us"],
            "correct": [1.0],
        }
    ).to_parquet(good)
    data = good.read_bytes()
    bad = tmp_path / "cut" / "outputs.parquet"
    bad.parent.mkdir()
    bad.write_bytes(data[: len(data) // 2] + data[-8:])
    res = run_cli("eval", "score", "md3-game", bad, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert "outputs.parquet" in res.err


@pytest.mark.parametrize(
    "option,value", [("--confidence", "-5"), ("--confidence", "1"), ("--n-resamples", "0")]
)
def test_statistics_options_out_of_range_are_usage_errors(tmp_path, option, value):
    f = tmp_path / "m.csv"
    f.write_text(f"model,dialect,generated_correct_answer\n{LLAMA},en_us,True\n")
    res = run_cli("eval", "score", "md3-game", f, option, value, "--out", tmp_path / "o")
    assert_clean_exit(res, (2,))
    assert option in res.err


def test_statistics_out_of_range_through_the_python_api(tmp_path):
    from auditkit.errors import AuditkitError
    from auditkit.evals.api import score_outputs

    f = tmp_path / "m.csv"
    f.write_text(f"model,dialect,generated_correct_answer\n{LLAMA},en_us,True\n")
    with pytest.raises(AuditkitError, match="confidence"):
        score_outputs("md3-game", [str(f)], confidence=-5, out=str(tmp_path / "o"))
