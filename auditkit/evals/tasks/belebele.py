"""belebele: 4-way multiple-choice reading comprehension in the study's 9 languages.

Prompt and scoring follow the study's ``code/belebele.py``: the model's likelihood of each of
the continuations "(A)" … "(D)" after the prompt (mean token log-probability of the
continuation, exponentiated and normalised over the four), the answer is the most likely one.

Languages: the 9 TyDiQA languages, with Arabic as ``acm_Arab``: the study's analysis
(``code/analysis/belebele-analysis.py``) keeps "Mesopotamian Arabic" (acm_Arab) as its Arabic.

Local data (``--data DIR`` with ``<code>.jsonl`` files) is read in either the official Belebele
layout (flores_passage, question, mc_answer1..4, correct_answer_num, link, question_number) or
the passage-grouped layout {text, items: [{question, answers: [{text, correct}]}], metadata}.
In the grouped layout the question number is the question's position within its passage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditkit import tabular
from auditkit.errors import AuditkitError, InputError
from auditkit.evals.base import LOCAL_DATA_HINT, TASKS, LmEvalTask, TaskMetric, TaskSpec
from auditkit.evals.chains import canonical_model
from auditkit.evals.readers import (
    OutputReader,
    ScoreOptions,
    csv_columns,
    register_reader,
    where_locators,
)
from auditkit.evals.validation import WHERE, numeric_cells
from auditkit.skips import SkipLog

LANGUAGES = (
    "acm_Arab",
    "ben_Beng",
    "eng_Latn",
    "fin_Latn",
    "ind_Latn",
    "kor_Hang",
    "rus_Cyrl",
    "swh_Latn",
    "tel_Telu",
)
HUB_ID = "facebook/belebele"
LETTERS = ("(A)", "(B)", "(C)", "(D)")

PROMPT = """Given the following passage, please answer the following question.  Use the following format:

Context: A passage containing the answer to the question.
Question: The question being asked.
Choices: The possible answers to the question.
Based on the choices the answer is: The correct answer to the question: A, B, C, or D.

---

Context: {context}
Question: {question}
Choices: {choices}
Based on the choices the answer is: """  # noqa: W291  (verbatim, trailing space included)


def _item(
    lang: str, link: str, qnum: Any, passage: str, question: str, choices: list[str], correct: int
) -> dict[str, Any]:
    return {
        "item_id": f"{link}#{qnum}",
        "group": lang,
        "context": passage,
        "question": question,
        "choices": [str(c) for c in choices],
        "correct_answer_num": int(correct),
    }


def _parse_line(obj: dict[str, Any], lang: str, path: Path, line: int) -> list[dict[str, Any]]:
    if "flores_passage" in obj:
        try:
            choices = [obj[f"mc_answer{i}"] for i in range(1, 5)]
            correct = int(obj["correct_answer_num"])
            return [
                _item(
                    lang,
                    obj["link"],
                    obj["question_number"],
                    obj["flores_passage"],
                    obj["question"],
                    choices,
                    correct,
                )
            ]
        except (KeyError, ValueError) as e:
            raise InputError(f"bad Belebele row: {e}", path, line) from e
    if "items" in obj and "text" in obj:
        link = (obj.get("metadata") or {}).get("extra", {}).get("url") or f"passage{line}"
        out = []
        for k, it in enumerate(obj["items"], start=1):
            answers = it.get("answers") or []
            flags = [bool(a.get("correct")) for a in answers]
            if len(answers) != 4 or sum(flags) != 1:
                raise InputError("expected 4 answers with exactly one correct", path, line, "items")
            out.append(
                _item(
                    lang,
                    link,
                    k,
                    obj["text"],
                    it["question"],
                    [a["text"] for a in answers],
                    flags.index(True) + 1,
                )
            )
        return out
    raise InputError("neither the official Belebele layout nor the passage-grouped one", path, line)


def _read_local(root: Path, groups: tuple[str, ...]) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    missing = []
    for lang in groups:
        path = root / f"{lang}.jsonl"
        if not path.is_file():
            missing.append(lang)
            continue
        with open(path, encoding="utf-8") as f:
            for i, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(f"not valid JSON: {e.msg}", path, i) from e
                rows.extend(_parse_line(obj, lang, path, i))
    if missing:
        raise AuditkitError(
            f"--data {root}: no Belebele file for {', '.join(missing)} (<code>.jsonl). "
            f"Choose languages with --groups (found: "
            f"{', '.join(sorted(p.stem for p in root.glob('*.jsonl'))) or 'none'})."
        )
    return pd.DataFrame(rows)


def load_items(
    data: str | Path | None,
    groups: tuple[str, ...] = LANGUAGES,
    skips: SkipLog | None = None,
    **_: Any,
) -> pd.DataFrame:
    if data is None:
        from auditkit import hub

        rows = []
        for lang in groups:
            for ex in hub.load_dataset(HUB_ID, lang, split="test", hint=LOCAL_DATA_HINT):
                rows.append(
                    _item(
                        lang,
                        ex["link"],
                        ex["question_number"],
                        ex["flores_passage"],
                        ex["question"],
                        [ex[f"mc_answer{i}"] for i in range(1, 5)],
                        int(ex["correct_answer_num"]),
                    )
                )
        return pd.DataFrame(rows)
    return _read_local(Path(data), groups)


def format_choices(choices: list[str]) -> str:
    return "\n" + "\n".join(f"{LETTERS[i]} {c}" for i, c in enumerate(choices))


def build_prompt(item: dict[str, Any]) -> str:
    return PROMPT.format(
        context=item["context"],
        question=item["question"],
        choices=format_choices(list(item["choices"])),
    )


def options(item: dict[str, Any]) -> list[str]:
    return list(LETTERS)


def score(item: dict[str, Any], probs: list[float], **_: Any) -> list[dict[str, Any]]:
    pred = int(np.argmax(probs))
    return [
        {
            "group": item["group"],
            "probs": [float(p) for p in probs],
            "prediction": pred + 1,
            "correct": float(pred + 1 == int(item["correct_answer_num"])),
        }
    ]


# lm-eval's `acc` is 1 when the highest-loglikelihood letter is the target, the same per-item
# correctness as auditkit's (and the study's) `correct`. Its prompt differs from the study's,
# so compare models scored the same way, not lm-eval rows against auditkit rows.
LM_EVAL = LmEvalTask("belebele_", "acc", "correct", "dialect")

BELEBELE = TASKS.register(
    "belebele",
    TaskSpec(
        name="belebele",
        axis="language",
        description="Belebele 4-way multiple choice, answer = most likely letter (A)-(D)",
        group_label="language",
        groups=LANGUAGES,
        reference_group="eng_Latn",
        metrics=(
            TaskMetric("correct", "the most likely letter is the correct answer", binary=True),
        ),
        default_metric="correct",
        mode="option_logprob",
        prompt_template=PROMPT,
        hub_id=HUB_ID,
        source="SALT-NLP/unintended-impacts-of-alignment code/belebele.py",
        any_group=True,
        lm_eval=LM_EVAL,
        load_items=load_items,
        build_prompt=build_prompt,
        options=options,
        score=score,
    ),
)


# --- the study's released outputs -----------------------------------------------------------
# The study's belebele CSV (model, language_code, question_num, link, correct_answer_num,
# ``<model_id>_is_correct``, ``<model_id>_prob_A..D``).


def _detect_study_csv(path: Path, task: TaskSpec) -> bool:
    cols = csv_columns(path) if path.suffix == ".csv" else []
    return "language_code" in cols and any(c.endswith("_is_correct") for c in cols)


def _read_study_csv(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    df = tabular.read_csv(path)
    missing = [c for c in ("link", "question_num") if c not in df.columns]
    if missing:
        raise InputError(f"missing columns {missing}", path, 1)
    prefixes = [c[: -len("_is_correct")] for c in df.columns if c.endswith("_is_correct")]
    where = pd.Series(where_locators(path, df.index), index=df.index)
    has_value = pd.Series(False, index=df.index)
    for prefix in prefixes:
        has_value |= df[f"{prefix}_is_correct"].notna()
    rows = []
    for k, prefix in enumerate(prefixes):
        # A file of several models has one is_correct column per model and a value in the
        # model's own rows only; a row with no value at all is an empty cell of the first one.
        mine = df[f"{prefix}_is_correct"].notna() | (~has_value if k == 0 else False)
        sub = df[mine]
        names = sub["model"] if "model" in sub.columns else pd.Series(prefix, index=sub.index)
        prob_cols = [f"{prefix}_prob_{x}" for x in "ABCD"]
        has_probs = all(c in sub.columns for c in prob_cols)
        probs = {
            c: numeric_cells(sub[c], where[sub.index], c, "a probability")
            for c in prob_cols
            if has_probs
        }
        for i, r in sub.iterrows():
            name = str(names.loc[i]) if pd.notna(names.loc[i]) else prefix
            rows.append(
                {
                    "model": canonical_model(name),
                    "source_model": name,
                    "item_id": f"{r['link']}#{r['question_num']}",
                    "group": r["language_code"],
                    "correct": r[f"{prefix}_is_correct"],
                    "probs": [float(probs[c].loc[i]) for c in prob_cols] if has_probs else None,
                    WHERE: where.loc[i],
                }
            )
    out = pd.DataFrame(rows)
    out.attrs["source_columns"] = {"group": "language_code"}
    if len(prefixes) == 1:
        out.attrs["source_columns"]["correct"] = f"{prefixes[0]}_is_correct"
        out.attrs["rows_in"] = len(df)
    return out


register_reader(
    OutputReader("belebele-study-csv", _detect_study_csv, _read_study_csv, task="belebele")
)
