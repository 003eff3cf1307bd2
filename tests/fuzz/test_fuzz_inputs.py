"""Fuzz: malformed variants of every input format of `eval score`, `probe-rm --scores`,
`report`, `check` and `rerun`, fed through the command as a user would run it.

Every variant must end with exit code 0, 1 or 2, print no traceback, and when it succeeds its
summary must account for every row of the input: rows read = rows scored + rows skipped (eval),
questions in the file = questions analysed + questions skipped (probe-rm). The generator is
seeded (tests/fuzz/mutate.py), so a failure replays exactly; AUDITKIT_FUZZ_N sets the number of
variants per format (default 20: the whole suite runs in about a minute).
"""

from __future__ import annotations

import collections
import csv
import io
import json
import os
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.cli_run import CliResult, run_cli
from tests.conftest import FIXTURES
from tests.fuzz.mutate import csv_variants, json_variants

# end-to-end: subprocesses, whole commands (run with -m slow)
pytestmark = pytest.mark.slow

N = int(os.environ.get("AUDITKIT_FUZZ_N", "20"))
TASK_OF = {
    "md3-study-csv": "md3-game",
    "belebele-study-csv": "belebele",
    "goqa-study-jsonl": "globalopinionsqa",
    "goqa-study-csv": "globalopinionsqa",
    "tydiqa-study-json": "tydiqa-goldp",
    "auditkit-parquet": "md3-game",
}
MD3_MODELS = ["meta-llama/Llama-2-7b-hf", "meta-llama/Llama-2-7b-chat-hf"]
COUNTRIES = ["United States", "China", "Germany"]


class Tally:
    """Exit codes seen per format, printed with -s for the figures of a fuzz run."""

    def __init__(self, what: str) -> None:
        self.what, self.codes = what, collections.Counter()

    def check(self, res: CliResult, desc: str) -> None:
        assert res.traceback is None, f"{self.what} {desc}:\n{res.traceback}"
        assert "Traceback (most recent call last)" not in res.text, f"{self.what} {desc}"
        assert res.code in (0, 1, 2), (self.what, desc, res.code, res.text)
        if res.code == 2:
            errors = sum(line.lower().startswith("error:") for line in res.err.splitlines())
            # `check` exits 2 also when a rule cannot be evaluated (its documented status)
            expected = (0, 1) if "could not be evaluated" in res.err else (1,)
            assert errors in expected, (desc, res.err)
        self.codes[res.code] += 1

    def report(self) -> None:
        print(
            f"\nfuzz {self.what}: {sum(self.codes.values())} variants, exit codes "
            f"{dict(sorted(self.codes.items()))}, tracebacks 0, rows lost uncounted 0"
        )


# --- base documents of each format ----------------------------------------------------------


def _csv_bytes(rows: list[dict]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode()


def md3_csv() -> bytes:
    rng = random.Random(1)
    rows = [
        {
            "source_file": f"outputs/md3-game/{m.split('/')[1]}-no-answers.csv",
            "model": m,
            "dialect": d,
            "prompt_mode": "no_answers",
            "seed": 221,
            "generated_answer": "word",
            "chose_correct_answer": "True",
            "chose_correct_answer_num": rng.randint(0, 1),
            "generated_correct_answer": "False",
            "generated_correct_answer_num": rng.randint(0, 1),
            "using_chat_template": "",
        }
        for m in MD3_MODELS
        for d in ("en_in", "en_ng", "en_us")
        for _ in range(6)
    ]
    return _csv_bytes(rows)


def belebele_csv() -> bytes:
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
        for lang in ("eng_Latn", "swh_Latn", "deu_Latn")
        for k in range(6)
    ]
    return _csv_bytes(rows)


def goqa_jsonl() -> bytes:
    return "".join(
        json.dumps(
            {
                "model_id": "zephyr-7b-beta",
                "row_index": i,
                "probs": [0.2, 0.8],
                "similarity_1_minus_jsd": {c: 0.1 * (i % 9) for c in COUNTRIES},
            }
        )
        + "\n"
        for i in range(12)
    ).encode()


def goqa_csv() -> bytes:
    rows = [
        {
            "question": f"q{i}",
            "options": "['a', 'b']",
            "probs": "[0.2, 0.8]",
            "model_id": "zephyr-7b-beta",
            **{c: 0.1 * (i % 9) for c in COUNTRIES},
        }
        for i in range(12)
    ]
    return _csv_bytes(rows)


def tydiqa_json() -> tuple[bytes, str]:
    gold = FIXTURES / "evals" / "tydiqa"
    data = json.loads((gold / "tydiqa-goldp-dev-english.json").read_text())
    qids = [q["id"] for a in data["data"] for p in a["paragraphs"] for q in p["qas"]]
    return json.dumps({q: f"answer {i}" for i, q in enumerate(qids)}).encode(), str(gold)


def auditkit_frame() -> pd.DataFrame:
    rng = random.Random(2)
    return pd.DataFrame(
        [
            {
                "task": "md3-game",
                "model": m,
                "source_model": m,
                "item_id": str(i),
                "group": d,
                "correct": float(rng.randint(0, 1)),
            }
            for m in MD3_MODELS
            for d in ("en_in", "en_ng", "en_us")
            for i in range(6)
        ]
    )


def parquet_variants(df: pd.DataFrame, seed: int, n: int, columns: list[str]):
    """Malformed parquet files: odd cell values (as strings or objects), dropped columns,
    truncated or corrupted bytes."""
    rng = random.Random(seed)
    odd = ["", "7", "nan", "inf", "abc", None, "[/bold]", "\x1b[31m", -1, 2.5, float("inf")]
    for i in range(n):
        d = df.copy()
        kind = rng.choice(["cell", "cell", "dropcol", "bytes", "empty"])
        if kind == "cell":
            col = rng.choice(columns)
            d[col] = d[col].astype(object)
            for _ in range(rng.randint(1, 4)):
                d.loc[rng.randrange(len(d)), col] = rng.choice(odd)
            d[col] = (
                d[col].map(lambda v: v if v is None else str(v)) if rng.random() < 0.5 else d[col]
            )
        elif kind == "dropcol":
            d = d.drop(columns=[rng.choice(list(d.columns))])
        elif kind == "empty":
            d = d.iloc[:0]
        buf = io.BytesIO()
        try:
            d.to_parquet(buf)
        except Exception:  # a mix pyarrow cannot store: store it as strings
            d.astype(str).to_parquet(buf)
        data = buf.getvalue()
        if kind == "bytes":
            cut = rng.randrange(len(data))
            data = rng.choice([data[:cut], data[:cut] + b"\x00" * 7 + data[cut + 7 :]])
        yield f"{i}: {kind}", data


# --- eval score -----------------------------------------------------------------------------


def _data_rows(data: bytes) -> int | None:
    """Independent count of a CSV's data records (None when it is no readable CSV)."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None
    return sum(1 for r in rows[1:] if r)


def _check_eval_summary(out: Path, fmt: str, data: bytes, desc: str) -> None:
    s = json.loads((out / "summary.json").read_text())
    rows = s["rows"]
    assert rows["read"] == rows["scored"] + rows["skipped"], (desc, rows)
    n = sum(g["n"] for m in s["models"].values() for g in m.values())
    assert n == rows["scored"], (desc, n, rows)
    file_level = s["skips"]["by_reason"].get("file has no rows after filtering", {"count": 0})
    assert rows["skipped"] == s["skips"]["total"] - file_level["count"], (desc, s["skips"])
    if fmt in ("md3-study-csv", "belebele-study-csv"):
        assert rows["read"] == _data_rows(data), (desc, rows)  # no row lost uncounted
    if fmt == "auditkit-parquet":
        assert rows["read"] == len(pd.read_parquet(out / "outputs.parquet")) + rows["skipped"]


def _eval_variants(fmt: str):
    if fmt == "md3-study-csv":
        cols = [
            "model",
            "dialect",
            "generated_correct_answer_num",
            "chose_correct_answer_num",
            "prompt_mode",
            "seed",
            "using_chat_template",
            "generated_correct_answer",
        ]
        return csv_variants(md3_csv(), 11, N, cols), ".csv", []
    if fmt == "belebele-study-csv":
        mid = "mistralai/Mistral-7B-v0.1"
        cols = ["language_code", "link", "question_num", f"{mid}_is_correct", f"{mid}_prob_A"]
        return csv_variants(belebele_csv(), 12, N, cols), ".csv", ["--groups", "eng_Latn,swh_Latn"]
    groups = ["--groups", ",".join(COUNTRIES)]
    if fmt == "goqa-study-jsonl":
        lines = goqa_jsonl().decode().splitlines()
        doc = [json.loads(x) for x in lines]

        def variants():
            for desc, data in json_variants(doc, 13, N):
                try:  # a JSON list of records -> JSONL again where it still is one
                    recs = json.loads(data)
                    if isinstance(recs, list):
                        data = "".join(json.dumps(r) + "\n" for r in recs).encode()
                except (ValueError, RecursionError):
                    pass
                yield desc, data

        return variants(), ".jsonl", groups
    if fmt == "goqa-study-csv":
        return csv_variants(goqa_csv(), 14, N, ["probs", "model_id", *COUNTRIES]), ".csv", groups
    if fmt == "tydiqa-study-json":
        data, gold = tydiqa_json()
        return json_variants(json.loads(data), 15, N), ".json", ["--data", gold]
    if fmt == "auditkit-parquet":
        return (
            parquet_variants(
                auditkit_frame(), 16, N, ["model", "item_id", "group", "correct", "task"]
            ),
            ".parquet",
            [],
        )
    raise AssertionError(fmt)


@pytest.mark.parametrize("fmt", list(TASK_OF))
def test_fuzz_eval_score(tmp_path, fmt):
    variants, suffix, extra = _eval_variants(fmt)
    tally = Tally(f"eval score {fmt}")
    for i, (desc, data) in enumerate(variants):
        d = tmp_path / str(i)
        d.mkdir()
        name = "english.json" if fmt == "tydiqa-study-json" else f"outputs{suffix}"
        if fmt == "tydiqa-study-json":
            (d / "Llama-2-7b-hf_8bit").mkdir()
            f = d / "Llama-2-7b-hf_8bit" / name
        else:
            f = d / name
        f.write_bytes(data)
        out = d / "run"
        res = run_cli("eval", "score", TASK_OF[fmt], f, "--out", out, "--n-resamples", "10", *extra)
        tally.check(res, desc)
        if res.code == 0:
            _check_eval_summary(out, fmt, data, desc)
    tally.report()


# --- probe-rm --scores ----------------------------------------------------------------------


def long_csv() -> bytes:
    names = ["United States of America", "China", "Germany", "France"]
    rows = [
        {
            "country": c,
            "prompt": f"[INST] q{q} [/INST]",
            "reward": float((q * 7 + i) % 5),
            "seed": 1,
            "reward_model": "rm",
            "prompt_id": q,
            "add_article": 0,
        }
        for q in range(5)
        for i, c in enumerate(names)
    ]
    return _csv_bytes(rows)


def probe_frame() -> pd.DataFrame:
    names = ["United States of America", "China", "Germany", "France"]
    return pd.DataFrame(
        [
            {
                "question_id": f"q{q}",
                "question": f"q{q}",
                "sentiment": "positive" if q % 2 else "negative",
                "country": c,
                "score": float((q * 3 + i) % 5),
                "model": "org/rm",
                "favourable": "higher",
            }
            for q in range(5)
            for i, c in enumerate(names)
        ]
    )


def _questions_in(fmt: str, data: bytes) -> int | None:
    if fmt == "wide":
        return _data_rows(data)
    if fmt == "long":
        try:
            df = pd.read_csv(io.BytesIO(data), dtype=str)
            return df["prompt_id"].nunique(dropna=False) if "prompt_id" in df else 1
        except Exception:
            return None
    return None


@pytest.mark.parametrize("fmt", ["wide", "long", "parquet"])
def test_fuzz_probe_rm_scores(tmp_path, fmt):
    if fmt == "wide":
        base = (FIXTURES / "probes" / "study_wide_small.csv").read_bytes()
        header = base.decode().splitlines()[0].split(",")
        variants = csv_variants(base, 21, N, ["Sentiment", "reward_model", *header[9:]])
        suffix = ".csv"
    elif fmt == "long":
        variants = csv_variants(long_csv(), 22, N, ["country", "reward", "prompt_id"])
        suffix = ".csv"
    else:
        variants = parquet_variants(
            probe_frame(), 23, N, ["question_id", "country", "score", "model", "sentiment"]
        )
        suffix = ".parquet"
    tally = Tally(f"probe-rm --scores {fmt}")
    for i, (desc, data) in enumerate(variants):
        f = tmp_path / f"s{i}{suffix}"
        f.write_bytes(data)
        out = tmp_path / f"o{i}"
        res = run_cli("probe-rm", "--scores", f, "--out", out, "--countries", "all")
        tally.check(res, desc)
        if res.code == 0 and (out / "summary.json").is_file():
            s = json.loads((out / "summary.json").read_text())
            if "n_questions" in s:
                q = _questions_in(fmt, data)
                if q is not None:
                    assert s["n_questions"] + s["skips"]["total"] == q, (desc, s["skips"])
    tally.report()


# --- report, check, rerun -------------------------------------------------------------------

RUNS = FIXTURES / "report" / "runs"
POLICY = FIXTURES / "report" / "policy.yaml"


@pytest.mark.parametrize("run", sorted(p.name for p in RUNS.iterdir()))
def test_fuzz_report_and_check_summaries(tmp_path, run):
    doc = json.loads((RUNS / run / "summary.json").read_text())
    tally = {c: Tally(f"{c} summary.json of {run}") for c in ("report", "report --html", "check")}
    for i, (desc, data) in enumerate(json_variants(doc, 31 + len(run), N)):
        d = tmp_path / str(i) / run
        shutil.copytree(RUNS / run, d)
        (d / "summary.json").write_bytes(data)
        tally["report"].check(run_cli("report", d), desc)
        tally["report --html"].check(run_cli("report", d, "--html", d.parent / "r.html"), desc)
        others = [r for r in sorted(RUNS.iterdir()) if r.name != run]
        tally["check"].check(run_cli("check", d, *others, "--policy", POLICY), desc)
    for t in tally.values():
        t.report()


def test_fuzz_check_policies(tmp_path):
    doc = yaml.safe_load(POLICY.read_text())
    runs = sorted(RUNS.iterdir())
    tally = Tally("check policy YAML")
    extra = [
        b"a: &a [*a]",
        b"rules: [" + b"[" * 30000,
        b"rules: !!python/object/apply:os.system ['true']",
        b"\xff\xfe",
        b"rules:\n  - non_english_share >= nan\n  - language_count > inf\n",
    ]
    variants = list(json_variants(doc, 41, 3 * N)) + [(f"x{i}", b) for i, b in enumerate(extra)]
    for desc, data in variants:
        f = tmp_path / "p.yaml"
        f.write_bytes(data)
        tally.check(run_cli("check", *runs, "--policy", f), desc)
    tally.report()


def test_fuzz_rerun_records(tmp_path):
    src = tmp_path / "outputs.csv"
    src.write_bytes(md3_csv())
    run = tmp_path / "md3"
    assert run_cli("eval", "score", "md3-game", src, "--out", run, "--n-resamples", "10").code == 0
    record = json.loads((run / "audit.json").read_text())
    tally = Tally("rerun audit.json")
    for i, (desc, data) in enumerate(json_variants(record, 51, 2 * N)):
        d = tmp_path / f"r{i}"
        shutil.copytree(run, d)
        (d / "audit.json").write_bytes(data)
        tally.check(run_cli("rerun", d / "audit.json", "--out", tmp_path / f"again{i}"), desc)
    tally.report()


@pytest.mark.parametrize(
    "run", sorted(p.name for p in RUNS.iterdir() if (p / "audit.json").is_file())
)
def test_fuzz_report_audit_records(tmp_path, run):
    doc = json.loads((RUNS / run / "audit.json").read_text())
    tally = Tally(f"report audit.json of {run}")
    for i, (desc, data) in enumerate(json_variants(doc, 61 + len(run), N)):
        d = tmp_path / str(i) / run
        shutil.copytree(RUNS / run, d)
        (d / "audit.json").write_bytes(data)
        tally.check(run_cli("report", d, "--html", d.parent / "r.html"), desc)
        tally.check(run_cli("report", d, "--format", "compliance"), desc)
    tally.report()
