"""Reading existing score matrices: the study's CSVs and auditkit's own parquet.

Formats (detected from the columns):

* study wide CSV (outputs/ask-reddit-reward-testing/*.csv, ask-reddit-perplexity-testing/*.csv):
  question metadata columns (``Question, Full Prompt, reward_model|model, Search Query,
  Sentiment, Response Format, Category, seed, add_article[, use_chat_template]``), then one
  column per country (Natural Earth names). A ``reward_model`` column means rewards (higher =
  favourable); ``model`` with ``use_chat_template`` means the perplexity script's mean NLL
  (lower = favourable).
* study long CSV (where_from_*.csv: ``country, prompt, reward, seed, reward_model, prompt_id,
  add_article``): one row per (prompt, country); each prompt_id is one question.
* auditkit long parquet (``scores.parquet`` of a probe run): question_id, question, sentiment,
  category, country, score, model, favourable, ...
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from auditkit import tabular
from auditkit.errors import AuditkitError, InputError
from auditkit.io import sha256_file
from auditkit.probes.analysis import FAVOURABLE, ScoreMatrix
from auditkit.probes.countries import iso3
from auditkit.skips import SkipLog

STUDY_METADATA = (
    "Question",
    "Full Prompt",
    "reward_model",
    "model",
    "Search Query",
    "Sentiment",
    "Response Format",
    "Category",
    "seed",
    "add_article",
    "use_chat_template",
)
_INST = re.compile(r"\[INST\]\s*(.*?)\s*(?:</s>\s*)?\[/INST\]", re.S)


def _check_favourable(f: str | None, path: Path) -> str | None:
    if f is not None and f not in FAVOURABLE:
        raise AuditkitError(f"{path}: favourable must be 'higher' or 'lower', got {f!r}")
    return f


def _numeric(df: pd.DataFrame, cols: list[str], path: Path) -> np.ndarray:
    """Columns as float64 (an empty cell is NaN: a missing score, counted where analysed); a
    non-numeric or non-finite cell (inf, 1e999 overflows to inf) is an error naming its row
    (the frame's index: spreadsheet rows for CSV, 1-based rows for parquet) and column."""
    out = np.empty((len(df), len(cols)), dtype=np.float64)
    for j, c in enumerate(cols):
        col = df[c]
        if col.dtype == object:
            col = col.map(lambda v: v.strip() if isinstance(v, str) else v).replace("", None)
        conv = pd.to_numeric(col, errors="coerce").astype(np.float64)
        bad = conv.isna() & col.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"score is not a number: {df[c].iloc[i]!r}", path, df.index[i], c)
        inf = np.isinf(conv.to_numpy())
        if inf.any():
            i = int(np.flatnonzero(inf)[0])
            raise InputError(
                f"score is not finite: {df[c].iloc[i]!r} (scores must be finite numbers)",
                path,
                df.index[i],
                c,
            )
        out[:, j] = conv.to_numpy(dtype=np.float64)
    return out


def _country_key(name: str) -> str:
    """One key per country whatever its spelling (USA, United States of America): the ISO
    code, or the name for places without one."""
    return iso3(name) or name.strip()


def _check_one_column_per_country(cols: list[str], path: Path) -> None:
    seen: dict[str, str] = {}
    for c in cols:
        k = _country_key(c)
        if k in seen:
            raise InputError(
                f"columns {seen[k]!r} and {c!r} name one country ({k}): keep one of them",
                path,
                1,
                c,
            )
        seen[k] = c


def _single_value(df: pd.DataFrame, col: str, path: Path) -> str | None:
    if col not in df.columns:
        return None
    vals = df[col].dropna().astype(str).unique()
    if len(vals) > 1:
        raise InputError(
            f"one model per file expected, found {len(vals)}: {', '.join(vals[:5])}",
            path,
            None,
            col,
        )
    return vals[0] if len(vals) else None


def read_study_wide(
    path: Path, favourable: str | None = None, model: str | None = None
) -> ScoreMatrix:
    df = tabular.read_csv(path, dtype=object, keep_default_na=False, na_values=[""])
    meta = [c for c in df.columns if c in STUDY_METADATA]
    country_cols = [c for c in df.columns if c not in STUDY_METADATA]
    for c in country_cols:
        try:
            iso3(c)
        except AuditkitError as e:
            raise InputError(
                f"column is neither study metadata ({', '.join(STUDY_METADATA)}) nor a country "
                f"name: {e}",
                path,
                1,
                c,
            ) from e
    if not country_cols:
        raise InputError("no country columns", path, 1)
    _check_one_column_per_country(country_cols, path)
    for i, s in zip(df.index, df["Sentiment"]):
        if str(s).strip().lower() not in ("positive", "negative"):
            raise InputError(
                f"sentiment must be 'positive' or 'negative', got {s!r}", path, i, "Sentiment"
            )
    if favourable is None:
        if "reward_model" in meta:
            favourable = "higher"
        elif "model" in meta and "use_chat_template" in meta:
            favourable = "lower"
        else:
            raise AuditkitError(
                f"{path}: cannot tell whether higher or lower scores are favourable "
                "(no reward_model or use_chat_template column); pass --favourable"
            )
    name = model or _single_value(df, "reward_model", path) or _single_value(df, "model", path)
    questions = pd.DataFrame(
        {
            "question_id": [f"{path.stem}:{i}" for i in range(len(df))],
            "question": df.get("Question"),
            "sentiment": df["Sentiment"].astype(str).str.strip().str.lower().to_numpy(),
            "category": df.get("Category"),
            "search_query": df.get("Search Query"),
            "template": df.get("Response Format"),
        }
    )
    return ScoreMatrix(
        model=name or path.stem,
        favourable=favourable,
        score_name="reward"
        if favourable == "higher" and "reward_model" in meta
        else ("mean_nll" if "use_chat_template" in meta else "score"),
        questions=questions,
        countries=list(country_cols),
        values=_numeric(df, country_cols, path),
        scorer="starling"
        if "reward_model" in meta
        else ("lm" if "use_chat_template" in meta else None),
        source={"path": str(path), "sha256": sha256_file(path), "format": "study-wide-csv"},
    )


def read_study_long(
    path: Path, favourable: str | None = None, model: str | None = None
) -> ScoreMatrix:
    df = tabular.read_csv(path, dtype=object, keep_default_na=False, na_values=[""])
    for col in ("country", "reward"):
        if col not in df.columns:
            raise InputError(f"missing column {col!r}", path, 1, col)
    keys = []
    for i, c in zip(df.index, df["country"]):
        if pd.isna(c) or not str(c).strip():
            raise InputError("empty country cell", path, i, "country")
        try:
            keys.append(_country_key(str(c)))
        except AuditkitError as e:
            raise InputError(str(e), path, i, "country") from e
    scores = _numeric(df, ["reward"], path)[:, 0]
    qkey = (
        df["prompt_id"].fillna("").astype(str)
        if "prompt_id" in df.columns
        else pd.Series(["default"] * len(df), index=df.index)
    )
    # one column per country, named as first written: USA and United States of America
    # in one file are one country
    first_name: dict[str, str] = {}
    for k, c in zip(keys, df["country"]):
        first_name.setdefault(k, str(c))
    countries = list(first_name.values())
    qids = list(dict.fromkeys(qkey))
    col = {k: j for j, k in enumerate(first_name)}
    row = {q: i for i, q in enumerate(qids)}
    values = np.full((len(qids), len(countries)), np.nan)
    seen: dict[tuple[int, int], str] = {}
    questions = []
    for i, q, c, k, s in zip(df.index, qkey, df["country"], keys, scores):
        cell = (row[q], col[k])
        if cell in seen:
            other = seen[cell]
            what = f"{c!r}" if other == c else f"{other!r} and {c!r} (one country, {k})"
            raise InputError(f"duplicate score for {what} in prompt {q!r}", path, i, "country")
        seen[cell] = str(c)
        values[cell] = s
    for q in qids:
        first = df.loc[qkey == q].iloc[0]
        prompt = str(first.get("prompt", ""))
        m = _INST.search(prompt)
        questions.append(
            {
                "question_id": str(q),
                "question": m.group(1) if m else prompt,
                # The study's Figure 1 probe ("Where are you from?") is a positive question.
                "sentiment": "positive",
                "category": None,
                "search_query": None,
                "template": None,
            }
        )
    return ScoreMatrix(
        model=model or _single_value(df, "reward_model", path) or path.stem,
        favourable=favourable or "higher",
        score_name="reward",
        questions=pd.DataFrame(questions),
        countries=countries,
        values=values,
        scorer="starling" if "reward_model" in df.columns else None,
        source={
            "path": str(path),
            "sha256": sha256_file(path),
            "format": "study-long-csv",
            "assumed": "every prompt is a positive question",
        },
    )


AUDITKIT_COLUMNS = ("question_id", "country", "score")


def read_auditkit_parquet(
    path: Path, favourable: str | None = None, model: str | None = None
) -> list[ScoreMatrix]:
    """Every model's score matrix in auditkit's scores.parquet (long: one row per score)."""
    df = _read_long_parquet(path)
    if "model" not in df.columns:
        df["model"] = model or path.parent.name
    out = []
    for name, g in df.groupby("model", sort=False):
        fav = favourable or (str(g["favourable"].iloc[0]) if "favourable" in g.columns else None)
        if fav is None:
            raise AuditkitError(f"{path}: no 'favourable' column; pass --favourable")
        out.append(_model_matrix(_one_name_per_country(g, path), model or str(name), fav, path))
    return out


def _read_long_parquet(path: Path) -> pd.DataFrame:
    """The parquet's rows (index: 1-based row numbers for errors), scores numeric, key cells
    non-empty strings."""
    df = tabular.read_parquet(path)
    missing = [c for c in AUDITKIT_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"not an auditkit scores file: missing columns {missing}", path)
    df.index = range(1, len(df) + 1)  # parquet rows, 1-based, for error messages
    df["score"] = _numeric(df, ["score"], path)[:, 0]
    for c in ("question_id", "country", "model"):
        if c in df.columns:
            empty = df[c].isna()
            if empty.any():
                raise InputError(f"empty {c} cell", path, int(df.index[empty][0]), c)
            df[c] = df[c].astype(str)
    return df


def _one_name_per_country(g: pd.DataFrame, path: Path) -> pd.DataFrame:
    """One model's rows with every country under one name (as first written: USA / United
    States of America); two scores for one country in one question are an error."""
    try:
        keys = g["country"].map(_country_key)
    except AuditkitError as e:
        raise InputError(str(e), path, field="country") from e
    dup = pd.concat([g["question_id"], keys], axis=1).duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        c, q, k = g["country"].iloc[i], g["question_id"].iloc[i], keys.iloc[i]
        names = sorted(set(g["country"][(keys == k) & (g["question_id"] == q)]))
        what = (
            repr(c) if len(names) == 1 else " and ".join(map(repr, names)) + f" (one country, {k})"
        )
        raise InputError(
            f"duplicate score for {what} in question {q!r}", path, int(g.index[i]), "country"
        )
    first_name = dict(zip(keys[::-1], g["country"][::-1]))
    return g.assign(country=keys.map(first_name))


QUESTION_COLUMNS = ("question_id", "question", "sentiment", "category", "search_query", "template")


def _model_matrix(g: pd.DataFrame, model: str, favourable: str, path: Path) -> ScoreMatrix:
    """The question x country matrix of one model's long rows."""
    questions = g[[c for c in QUESTION_COLUMNS if c in g.columns]]
    questions = questions.drop_duplicates("question_id").reset_index(drop=True)
    countries = list(dict.fromkeys(g["country"]))

    def wide(values: str) -> pd.DataFrame:
        w = g.pivot(index="question_id", columns="country", values=values)
        return w.reindex(index=questions["question_id"], columns=countries)

    return ScoreMatrix(
        model=model,
        favourable=favourable,
        score_name=str(g["score_name"].iloc[0]) if "score_name" in g.columns else "score",
        questions=questions,
        countries=countries,
        values=wide("score").to_numpy(dtype=np.float64),
        revision=(
            str(g["revision"].iloc[0])
            if "revision" in g.columns and g["revision"].notna().any()
            else None
        ),
        scorer=str(g["scorer"].iloc[0]) if "scorer" in g.columns else None,
        texts=wide("text").to_numpy(dtype=object) if "text" in g.columns else None,
        source={"path": str(path), "sha256": sha256_file(path), "format": "auditkit-parquet"},
        skips=SkipLog(),
    )


def read_scores(
    path: str | Path, favourable: str | None = None, model: str | None = None
) -> list[ScoreMatrix]:
    """Every model's score matrix in a file (one for the study's CSVs)."""
    path = Path(path)
    if path.is_dir() and (path / "scores.parquet").exists():
        path = path / "scores.parquet"
    if not path.is_file():
        raise AuditkitError(f"no such score file: {path}")
    favourable = _check_favourable(favourable, path)
    if path.suffix == ".parquet":
        return read_auditkit_parquet(path, favourable, model)
    if path.suffix.lower() != ".csv":
        raise AuditkitError(f"{path}: score files are .csv (the study's) or .parquet (auditkit's)")
    header = tabular.csv_header(path)
    if not header:
        tabular.read_csv(path)  # raises the reason: not UTF-8, empty, unreadable
        raise InputError("not a readable CSV: no header row", path, 1)
    if "country" in header and "reward" in header:
        return [read_study_long(path, favourable, model)]
    if "Sentiment" in header:
        return [read_study_wide(path, favourable, model)]
    raise InputError(
        "unknown score file layout: expected the study's wide CSV (Sentiment + one column per "
        "country), its long CSV (country, reward, ...) or auditkit's scores.parquet",
        path,
        1,
    )
