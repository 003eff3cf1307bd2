"""tydiqa-goldp: 1-shot extractive QA in the study's 9 TyDiQA languages.

Prompt and decoding follow the study's ``code/tydiqa-goldp.py`` (greedy, 1 shot, 50 new
tokens). The shot is an example of the same language: from the hub's train split when loading
from the hub (as the study did), or, for local dev files, another dev item of the same language
(never the item itself), picked by a seeded hash of the item id so runs are reproducible and
independent of batch order.

Scoring follows the study's post-processing: the answer is the generation cut at its first blank
line (``generation.split("\n\n")[0].strip()``), for the study's released generations and for
``eval run`` alike. The default metric is CFMatch's probability of "correct" (``cfm``, the
study's ``cfm_score``; maximum over the gold answers); SQuAD exact match, SQuAD token F1 and a
containment rule are optional metrics (see :mod:`auditkit.evals.qa_metrics`). A language's
value is the mean over all its dev questions: a question without a prediction scores 0.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from auditkit.errors import AuditkitError, InputError
from auditkit.evals.base import LOCAL_DATA_HINT, TASKS, TaskChoices, TaskMetric, TaskSpec
from auditkit.evals.chains import canonical_model
from auditkit.evals.config import STUDY_SEED
from auditkit.evals.qa_metrics import (
    CFMATCH_METHOD,
    cfm_score,
    exact_match,
    gold_in_answer,
    token_f1,
)
from auditkit.evals.readers import OutputReader, ScoreOptions, register_reader
from auditkit.skips import SkipLog

LANGUAGES = (
    "arabic",
    "bengali",
    "english",
    "finnish",
    "indonesian",
    "korean",
    "russian",
    "swahili",
    "telugu",
)
HUB_ID = "google-research-datasets/tydiqa"  # the study loaded it as "tydiqa" (same dataset)
HUB_CONFIG = "secondary_task"

INSTRUCTION = """Please answer the following questions about the text below by extracting the relevant answer from the context. 

Use the following format:
Context: A passage containing the answer to the question.
Question: The question being asked.
Extracted Answer: The answer to the question using a direct excerpt from the context.

"""  # noqa: W291  (the study's instruction, verbatim, trailing space included)

EXAMPLE = """Context: {context}
Question: {question}
Extracted Answer: {answer}

"""

PREANSWER = """Context: {context}
Question: {question}
Extracted Answer:"""


def _squad_rows(path: Path) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON: {e.msg}", path, e.lineno) from e
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputError("expected SQuAD format {'data': [{'paragraphs': [...]}]}", path)
    rows = []
    for article in data["data"]:
        for para in article.get("paragraphs", []):
            for qa in para.get("qas", []):
                qid = qa.get("id")
                if not qid:
                    raise InputError("question without an id", path, field="id")
                rows.append(
                    {
                        "item_id": str(qid),
                        "group": str(qid).split("-")[0],
                        "context": para["context"],
                        "question": qa["question"],
                        "answers": [a["text"] for a in qa.get("answers", [])],
                    }
                )
    return rows


def _local_files(root: Path, groups: tuple[str, ...]) -> list[Path]:
    if root.is_file():
        return [root]
    files = []
    for lang in groups:
        hits = [
            p
            for p in (root / f"tydiqa-goldp-dev-{lang}.json", root / f"{lang}.json")
            if p.is_file()
        ]
        if not hits:
            raise InputError(
                f"no TyDiQA-GoldP file for {lang!r} (tydiqa-goldp-dev-{lang}.json)", root
            )
        files.append(hits[0])
    return files


def _pick(seed: int, key: str, n: int) -> int:
    h = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") % n


def attach_shots(
    items: pd.DataFrame, pool: pd.DataFrame, shots: int, seed: int, exclude_self: bool
) -> pd.DataFrame:
    """Add a ``shots`` column: ``shots`` (context, question, answer) examples per item."""
    by_lang = {g: df.reset_index(drop=True) for g, df in pool.groupby("group")}
    out = []
    for r in items.itertuples(index=False):
        cands = by_lang.get(r.group)
        chosen = []
        if shots > 0:
            if cands is None or len(cands) < shots + int(exclude_self):
                raise AuditkitError(f"not enough {r.group} examples for {shots}-shot prompts")
            taken: set[int] = set()
            k = 0
            while len(chosen) < shots:
                j = _pick(seed, f"{r.item_id}:{k}", len(cands))
                k += 1
                c = cands.iloc[j]
                if j in taken or (exclude_self and c["item_id"] == r.item_id) or not c["answers"]:
                    continue
                taken.add(j)
                chosen.append(
                    {"context": c["context"], "question": c["question"], "answer": c["answers"][0]}
                )
        out.append(chosen)
    items = items.copy()
    items["shots"] = out
    return items


def _hub_rows(split: str, groups: tuple[str, ...]) -> pd.DataFrame:
    from auditkit import hub

    ds = hub.load_dataset(HUB_ID, HUB_CONFIG, split=split, hint=LOCAL_DATA_HINT)
    rows = []
    for ex in ds:
        lang = ex["id"].split("-")[0]
        if lang in groups:
            rows.append(
                {
                    "item_id": ex["id"],
                    "group": lang,
                    "context": ex["context"],
                    "question": ex["question"],
                    "answers": list(ex["answers"]["text"]),
                }
            )
    return pd.DataFrame(rows)


def load_items(
    data: str | Path | None,
    groups: tuple[str, ...] = LANGUAGES,
    skips: SkipLog | None = None,
    shots: int = 1,
    seed: int = STUDY_SEED,
    **_: Any,
) -> pd.DataFrame:
    unknown = set(groups) - set(LANGUAGES)
    if unknown:
        raise AuditkitError(
            f"unknown TyDiQA languages {sorted(unknown)}; known: {', '.join(LANGUAGES)}"
        )
    if data is None:
        items = _hub_rows("validation", groups)
        pool = _hub_rows("train", groups) if shots else items
        return attach_shots(items, pool, shots, seed, exclude_self=False)
    rows: list[dict[str, Any]] = []
    for f in _local_files(Path(data), groups):
        rows.extend(_squad_rows(f))
    items = pd.DataFrame(rows)
    if items.empty:
        raise InputError("no questions found", data)
    items = items[items["group"].isin(groups)].reset_index(drop=True)
    return attach_shots(items, items, shots, seed, exclude_self=True)


def build_prompt(item: dict[str, Any]) -> str:
    parts = [INSTRUCTION]
    for s in item.get("shots") or []:
        parts.append(
            EXAMPLE.format(context=s["context"], question=s["question"], answer=s["answer"])
        )
    parts.append(PREANSWER.format(context=item["context"], question=item["question"]))
    return "".join(parts)


METRIC_NAMES = ("cfm", "exact_match", "f1", "gold_in_answer")
EXTRACTION = 'generation.split("\\n\\n")[0].strip() (the study\'s cut at the first blank line)'


def extract_answer(generation: Any) -> str:
    """The answer part of a generation, cut as the study did: up to the first blank line
    (1-shot prompts make models continue with a new "Context: ..." block after it)."""
    return str(generation).split("\n\n")[0].strip()


def scoring_notes(choices: TaskChoices) -> dict[str, Any]:
    return {
        "cfm": CFMATCH_METHOD,
        "answer": EXTRACTION,
        "missing_prediction": "scored 0 (the mean is over every dev question)",
    }


def score(item: dict[str, Any], generation: str | None, **_: Any) -> list[dict[str, Any]]:
    """Scores of one generation; ``None`` (no prediction for the question) scores 0."""
    golds = [str(a) for a in item["answers"]]
    if generation is None:
        return [
            {"group": item["group"], "generation": None, "answer": None}
            | dict.fromkeys(METRIC_NAMES, 0.0)
        ]
    answer = extract_answer(generation)
    return [
        {
            "group": item["group"],
            "generation": generation,
            "answer": answer,
            "cfm": cfm_score(answer, golds, str(item["question"])),
            "exact_match": exact_match(answer, golds),
            "f1": token_f1(answer, golds),
            "gold_in_answer": gold_in_answer(answer, golds),
        }
    ]


TYDIQA = TASKS.register(
    "tydiqa-goldp",
    TaskSpec(
        name="tydiqa-goldp",
        axis="language",
        description="TyDiQA-GoldP 1-shot extractive QA in 9 languages",
        group_label="language",
        groups=LANGUAGES,
        reference_group="english",
        metrics=(
            TaskMetric(
                "cfm",
                "CFMatch probability that the answer is correct (the study's cfm_score; "
                "classifier of 2024-01, max over gold answers)",
                binary=False,
            ),
            TaskMetric("exact_match", "SQuAD exact match after normalisation", binary=True),
            TaskMetric("f1", "SQuAD token F1 (max over gold answers)", binary=False),
            TaskMetric(
                "gold_in_answer",
                "containment rule: a SQuAD-normalised gold answer occurs inside the "
                "normalised answer (lenient; not part of CFMatch)",
                binary=True,
            ),
        ),
        default_metric="cfm",
        mode="generate",
        prompt_template=INSTRUCTION + EXAMPLE + PREANSWER,
        max_new_tokens=50,
        hub_id=f"{HUB_ID} ({HUB_CONFIG})",
        source="SALT-NLP/unintended-impacts-of-alignment code/tydiqa-goldp.py (greedy, 1-shot)",
        uses_shots=True,
        rescore_with_data=True,
        load_items=load_items,
        build_prompt=build_prompt,
        score=score,
        scoring_notes=scoring_notes,
    ),
    aliases=("tydiqa",),
)


# --- the study's released outputs -----------------------------------------------------------
# ``<model>/<language>.json`` = {question id: generation} (a file or a model folder), scored
# against the gold answers given with ``--data``.


def _tydiqa_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.glob("*.json"))
    return [path]


def _detect_study_json(path: Path, task: TaskSpec) -> bool:
    files = _tydiqa_files(path)
    if not files or not all(f.suffix == ".json" for f in files):
        return False
    try:
        with open(files[0], encoding="utf-8") as f:
            head = f.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith("{") and '"data"' not in head[:200] and "-" in head[:200]


def _model_from_dir(d: Path) -> str:
    name = d.name
    # the study's output folders are literally named "{Model_8bit}"
    return name[1:-1] if name.startswith("{") and name.endswith("}") else name


def _read_study_json(
    path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog
) -> pd.DataFrame:
    files = _tydiqa_files(path)
    langs = tuple(f.stem for f in files)
    unknown = [lang for lang in langs if lang not in task.groups]
    if unknown:
        raise InputError(f"not TyDiQA languages: {unknown}", path)
    gold_key = (opts.data, langs)
    cache = opts.filters.setdefault("_gold_cache", {})
    if gold_key not in cache:
        cache[gold_key] = task.load_items(opts.data, groups=langs, shots=0).set_index("item_id")
    gold = cache[gold_key]
    model_dir = path if path.is_dir() else path.parent
    model = _model_from_dir(model_dir)
    rows = []
    for f in files:
        try:
            with open(f, encoding="utf-8") as fh:
                gens = json.load(fh)
        except json.JSONDecodeError as e:
            raise InputError(f"not valid JSON: {e.msg}", f, e.lineno) from e
        if not isinstance(gens, dict):
            raise InputError("expected {question id: generation}", f)
        for qid in gens:
            if qid not in gold.index:
                skips.add("question id not in the gold data", str(f), detail=qid)
        # The study averages over every dev question of the language: one without a
        # prediction (absent or null) scores 0, and is counted.
        for qid, item in gold[gold["group"] == f.stem].iterrows():
            gen = gens.get(qid)
            if gen is None:
                skips.add("no prediction for a dev question (scored 0)", str(f), detail=qid)
            for s in task.score(item.to_dict(), None if gen is None else str(gen)):
                rows.append(
                    {"model": canonical_model(model), "source_model": model, "item_id": qid, **s}
                )
    return pd.DataFrame(rows)


register_reader(
    OutputReader("tydiqa-study-json", _detect_study_json, _read_study_json, task="tydiqa-goldp")
)
