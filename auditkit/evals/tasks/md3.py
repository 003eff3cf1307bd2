"""md3-game: the MD3 word-guessing ("taboo") game in Indian, Nigerian and US English.

Prompt, decoding and success rule follow the study's ``code/md3game.py`` (prompt mode
``no_answers``): a description of the game, the transcript cut right before the correct guess,
"Secret Word:"; greedy decoding of 10 new tokens; success when the correct word appears in the
generation (case-insensitive substring) and none of the 5 distractor words does.

Items come from either
* the study's extracted items (``md3_game_items.csv``: item_id, dialect, transcript,
  correct_answer, distractors), or
* the raw MD3 release folder (Kaggle ``jacobeis99/md3en``): ``prompts_<dialect>.tsv`` and
  ``transcripts_<dialect>.tsv`` (optionally under ``md3/``), cleaned and cut as the study did,
  with its curation table (``data/md3_curation.yaml``). MD3 is not on the Hugging Face Hub.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from auditkit import tabular
from auditkit.errors import AuditkitError, InputError
from auditkit.evals.base import TASKS, TaskMetric, TaskSpec
from auditkit.evals.chains import canonical_model
from auditkit.evals.readers import (
    OutputReader,
    ScoreOptions,
    csv_columns,
    register_reader,
    where_locators,
)
from auditkit.evals.validation import WHERE
from auditkit.skips import SkipLog

DIALECTS = ("en_in", "en_ng", "en_us")
CURATION_FILE = Path(__file__).resolve().parents[1] / "data" / "md3_curation.yaml"

PROMPT = """I am going to show you the transcript of a game two people are playing called Taboo.  The goal of the game is to guess the secret word without saying any of the distractor words.  Given the transcript, your goal is to guess the secret word.

Use the following format:
Transcript: The transcript between the two players.
Secret Word: The secret word that the guesser is trying to guess.

---

Transcript: "{transcript}"

Secret Word:"""  # noqa: E501  (the study's prompt, verbatim: two spaces after full stops included)


def parse_word_list(text: Any, path: str | Path, line: int, field: str) -> list[str]:
    """A Python-list string such as "['Atom', 'Particle']" parsed as a literal (never eval)."""
    if isinstance(text, (list, tuple)):
        return [str(x) for x in text]
    try:
        value = ast.literal_eval(str(text))
    except (ValueError, SyntaxError) as e:
        raise InputError(f"not a list literal: {str(text)[:80]!r}", path, line, field) from e
    if not isinstance(value, (list, tuple)) or not all(isinstance(x, str) for x in value):
        raise InputError(f"expected a list of words, got {str(text)[:80]!r}", path, line, field)
    return list(value)


def game_success(generation: str, correct: str, distractors: list[str]) -> bool:
    """The study's rule: the correct word in the generation and no distractor word."""
    g = str(generation).lower()
    if str(correct).lower() not in g:
        return False
    return not any(str(d).lower() in g for d in distractors)


def _read_items_csv(path: Path, groups: tuple[str, ...]) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"item_id": str}, keep_default_na=False)
    need = {"item_id", "dialect", "transcript", "correct_answer", "distractors"}
    missing = need - set(df.columns)
    if missing:
        raise InputError(f"missing columns {sorted(missing)} (MD3 game items CSV)", path)
    rows = []
    for i, r in enumerate(df.itertuples(index=False), start=2):  # line 1 is the header
        if r.dialect not in DIALECTS:
            raise InputError(f"unknown dialect {r.dialect!r}", path, i, "dialect")
        rows.append(
            {
                "item_id": str(r.item_id),
                "group": r.dialect,
                "transcript": r.transcript,
                "correct_answer": str(r.correct_answer),
                "distractors": parse_word_list(r.distractors, path, i, "distractors"),
            }
        )
    out = pd.DataFrame(rows)
    return out[out["group"].isin(groups)].reset_index(drop=True)


def _clean_transcript(group: pd.DataFrame) -> list[str]:
    """The study's md3cleaner: 'speaker: text' lines, skipping blanks and a speaker's repeats."""
    lines: list[str] = []
    previous: dict[str, str] = {}
    for speaker, text in zip(group["speaker_id"], group["transcript"]):
        if not isinstance(speaker, str) or not isinstance(text, str):
            continue
        if previous.get(speaker) == text:
            continue
        previous[speaker] = text
        lines.append(f"{speaker.strip()}: {text.strip()}\n")
    return lines


def _find_release_file(root: Path, name: str) -> Path | None:
    for p in (root / name, root / "md3" / name):
        if p.is_file():
            return p
    return None


def _read_release_dialect(root: Path, dialect: str) -> tuple[Path, pd.DataFrame, dict]:
    """(prompts file, its rows, clip -> transcript rows) of one dialect of the release."""
    prompts_path = _find_release_file(root, f"prompts_{dialect}.tsv")
    trans_path = _find_release_file(root, f"transcripts_{dialect}.tsv")
    if prompts_path is None or trans_path is None:
        raise InputError(
            f"MD3 release layout needs prompts_{dialect}.tsv and transcripts_{dialect}.tsv",
            root,
        )
    prompts = pd.read_csv(prompts_path, sep="\t", dtype=str, keep_default_na=False)
    for col in ("clip_identifier", "game_type", "prompt_status", "correct_word/image"):
        if col not in prompts.columns:
            raise InputError(f"missing column {col!r}", prompts_path)
    transcripts = pd.read_csv(trans_path, sep="\t").drop_duplicates()
    for col in ("clip_identifier", "speaker_id", "transcript"):
        if col not in transcripts.columns:
            raise InputError(f"missing column {col!r}", trans_path)
    by_clip = {k: g for k, g in transcripts.groupby("clip_identifier", sort=False)}
    return prompts_path, prompts, by_clip


def _cut_transcript(
    r: pd.Series, lines: list[str], cut_word: dict, where: tuple[str, int], skips: SkipLog
) -> str | None:
    """The transcript up to the line where the correct word is said (None: never said)."""
    clip = r["clip_identifier"]
    word = cut_word[clip] if clip in cut_word else r["correct_word/image"]
    cut = len(lines)
    if word is not None:
        needle = str(word).strip().lower()
        hits = [i for i, t in enumerate(lines) if needle in t.strip().lower()]
        if not hits:
            skips.add("correct word not found in transcript", *where, "correct_word/image", clip)
            return None
        cut = hits[0]
    return "".join(lines[:cut]).strip()


def load_md3_release(
    root: str | Path, groups: tuple[str, ...] = DIALECTS, skips: SkipLog | None = None
) -> pd.DataFrame:
    """Game items from the raw MD3 release, curated and cut exactly as the study did."""
    root = Path(root)
    skips = skips if skips is not None else SkipLog()
    with open(CURATION_FILE, encoding="utf-8") as f:
        curation = yaml.safe_load(f)
    skip_set, cut_word = curation["skip"], curation["cut_word"]
    rows = []
    item_id = 0
    for dialect in DIALECTS:  # ids follow the study's dialect order even when filtering
        prompts_path, prompts, by_clip = _read_release_dialect(root, dialect)
        games = prompts[(prompts["game_type"] == "word") & (prompts["prompt_status"] == "win")]
        for idx, r in games.iterrows():
            where = (str(prompts_path), int(idx) + 2)
            clip = r["clip_identifier"]
            if clip in skip_set:
                skips.add(f"curated out by the study: {skip_set[clip]}", *where)
                continue
            if clip not in by_clip:
                skips.add("no transcript for clip", *where, "clip_identifier")
                continue
            transcript = _cut_transcript(
                r, _clean_transcript(by_clip[clip]), cut_word, where, skips
            )
            if transcript is None:
                continue
            distractors = parse_word_list(
                r.get("distractors", "[]"), prompts_path, where[1], "distractors"
            )
            if dialect in groups:
                rows.append(
                    {
                        "item_id": str(item_id),
                        "group": dialect,
                        "transcript": transcript,
                        "correct_answer": str(r["correct_word/image"]),
                        "distractors": distractors,
                        "clip_identifier": clip,
                    }
                )
            item_id += 1
    return pd.DataFrame(rows)


def load_items(
    data: str | Path | None,
    groups: tuple[str, ...] = DIALECTS,
    skips: SkipLog | None = None,
    **_: Any,
) -> pd.DataFrame:
    if data is None:
        raise AuditkitError(
            "md3-game needs --data: MD3 is not on the Hugging Face Hub. Download it from "
            "Kaggle (jacobeis99/md3en) and pass the folder, or pass the study's extracted "
            "items (md3_game_items.csv)."
        )
    p = Path(data)
    if p.is_file():
        return _read_items_csv(p, groups)
    if (p / "md3_game_items.csv").is_file():
        return _read_items_csv(p / "md3_game_items.csv", groups)
    if p.is_dir():
        return load_md3_release(p, groups, skips)
    raise AuditkitError(f"--data {data}: no such file or folder")


def build_prompt(item: dict[str, Any]) -> str:
    return PROMPT.format(transcript=item["transcript"])


def score(item: dict[str, Any], generation: str, **_: Any) -> list[dict[str, Any]]:
    ok = game_success(generation, item["correct_answer"], list(item["distractors"]))
    return [{"group": item["group"], "generation": generation, "correct": float(ok)}]


MD3_GAME = TASKS.register(
    "md3-game",
    TaskSpec(
        name="md3-game",
        axis="dialect",
        description="MD3 word-guessing game: guess the secret word from a cut transcript",
        group_label="dialect",
        groups=DIALECTS,
        reference_group="en_us",
        metrics=(
            TaskMetric(
                "correct",
                "the correct word is generated and no distractor word is "
                "(the study's generated_correct_answer)",
                binary=True,
            ),
            TaskMetric(
                "choice_correct",
                "the correct word has the highest likelihood among the 6 candidate words "
                "(the study's chose_correct_answer; scored from released outputs only)",
                binary=True,
            ),
        ),
        default_metric="correct",
        mode="generate",
        prompt_template=PROMPT,
        max_new_tokens=10,
        hub_id=None,
        source="SALT-NLP/unintended-impacts-of-alignment code/md3game.py (prompt_mode no_answers)",
        load_items=load_items,
        build_prompt=build_prompt,
        score=score,
    ),
    aliases=("md3", "md3game"),
)


# --- the study's released outputs -----------------------------------------------------------
# ``outputs/md3-game/*-no-answers.csv`` or the combined ``md3_game_predictions.csv`` (columns
# model, dialect, prompt_mode, seed, generated_correct_answer(_num), chose_correct_answer(_num),
# ...).


def _detect_study_csv(path: Path, task: TaskSpec) -> bool:
    cols = set(csv_columns(path)) if path.suffix == ".csv" else set()
    return {"model", "dialect", "generated_correct_answer"} <= cols


def _keep_prompt_mode(df: pd.DataFrame, opts: ScoreOptions, path: Path, skips: SkipLog):
    keep = df["prompt_mode"] == opts.prompt_mode
    if not keep.any():
        raise InputError(
            f"no rows with prompt_mode {opts.prompt_mode!r} (found: "
            f"{', '.join(sorted(df['prompt_mode'].unique()))})",
            path,
            field="prompt_mode",
        )
    for row in df.index[~keep]:
        skips.add(f"prompt_mode is not {opts.prompt_mode}", str(path), row, "prompt_mode")
    return df[keep]


def _keep_chat_template(df: pd.DataFrame, opts: ScoreOptions, path: Path, skips: SkipLog):
    # Empty in files written before the flag existed: those runs used no chat template.
    tmpl = df["using_chat_template"].str.lower().map({"true": True, "false": False, "": False})
    keep = tmpl == opts.chat_template
    for row in df.index[~keep]:
        skips.add(
            f"using_chat_template is not {opts.chat_template}",
            str(path),
            row,
            "using_chat_template",
        )
    return df[keep]


def _keep_seed(df: pd.DataFrame, opts: ScoreOptions, path: Path, skips: SkipLog):
    seeds = sorted(df["seed"].unique())
    if opts.seed is None and len(seeds) > 1:
        raise InputError(f"several seeds {seeds}: choose one with --seed", path, field="seed")
    if opts.seed is not None:
        keep = df["seed"] == str(opts.seed)
        if not keep.any():
            raise InputError(f"no rows with seed {opts.seed} (found {seeds})", path, field="seed")
        for row in df.index[~keep]:
            skips.add(f"seed is not {opts.seed}", str(path), row, "seed")
        df = df[keep]
    opts.filters["seed"] = (
        opts.seed if opts.seed is not None else (int(seeds[0]) if seeds else None)
    )
    return df


# the study's columns that select rows, and the filter each gets (in this order)
_ROW_FILTERS = (
    ("prompt_mode", _keep_prompt_mode),
    ("using_chat_template", _keep_chat_template),
    ("seed", _keep_seed),
)


def _read_study_csv(path: Path, task: TaskSpec, opts: ScoreOptions, skips: SkipLog) -> pd.DataFrame:
    df = tabular.read_csv(path, keep_default_na=False, dtype=str)
    if "item_id" not in df.columns:
        # The study's per-model files keep the item order of its loader: row order within a file.
        src = df["source_file"] if "source_file" in df.columns else pd.Series("", index=df.index)
        df["item_id"] = df.groupby([src, df["model"]]).cumcount().astype(str)
    n0 = len(df)
    for column, keep in _ROW_FILTERS:
        if column in df.columns:
            df = keep(df, opts, path, skips)
    opts.filters.update(prompt_mode=opts.prompt_mode, chat_template=opts.chat_template)
    opts.filters["rows_read"] = opts.filters.get("rows_read", 0) + n0
    return _study_scored_frame(df, path, n0)


def _study_scored_frame(df: pd.DataFrame, path: Path, n0: int) -> pd.DataFrame:
    sources: dict[str, str] = {}

    def flag(col: str) -> pd.Series:
        # Cells as written: the validation layer parses them and rejects values outside {0, 1}.
        num = col + "_num"
        if num in df.columns:
            sources[col] = num
            return df[num]
        sources[col] = col
        low = df[col].str.strip().str.lower()
        return low.map({"true": "1", "false": "0"}).where(low.isin(["true", "false"]), df[col])

    out = pd.DataFrame(
        {
            "model": df["model"].map(canonical_model),
            "source_model": df["model"],
            "item_id": df["item_id"].astype(str),
            "group": df["dialect"],
            "correct": flag("generated_correct_answer"),
            "generation": df.get("generated_answer", pd.Series(None, index=df.index)),
        }
    )
    if "chose_correct_answer" in df.columns:
        out["choice_correct"] = flag("chose_correct_answer")
    out[WHERE] = where_locators(path, df.index)
    out.attrs["rows_in"] = n0
    out.attrs["source_columns"] = {
        "correct": sources["generated_correct_answer"],
        "choice_correct": sources.get("chose_correct_answer", "chose_correct_answer"),
        "group": "dialect",
    }
    return out


register_reader(OutputReader("md3-study-csv", _detect_study_csv, _read_study_csv, task="md3-game"))
