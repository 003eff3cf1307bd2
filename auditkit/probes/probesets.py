"""Probe sets: questions with a response template that names a country.

Every probe set is a list of ``Question``s in the AskReddit schema (question, response template
with a ``{country}`` slot, sentiment, category, search query). Sources:

* ``default``: auditkit's own embedded set (auditkit/probes/data/default_probes.yaml);
* ``where-from``: the study's Figure 1 probe, "Where are you from?" -> "I am from {country}.";
* ``askreddit``: the study's 554 AskRedditCountries questions from the Hugging Face Hub
  (``SALT-NLP/AskRedditCountries``);
* a local CSV (AskReddit columns ``Search Query, Sentiment, Questions, Response Format,
  Category``, or lower-case ``question, response, sentiment, category``) or YAML file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from auditkit.errors import AuditkitError, InputError
from auditkit.probes.countries import Country
from auditkit.probes.slots import COUNTRY_SLOT, Filler, Slot, parse_slot

SENTIMENTS = ("positive", "negative")
SLOT = "{country}"
ASKREDDIT_HUB_ID = "SALT-NLP/AskRedditCountries"

# Column names accepted for each field (first match wins): the AskReddit schema and a plain one.
_COLUMNS = {
    "question": ("Questions", "Question", "question"),
    "response": ("Response Format", "response", "response_template", "template"),
    "sentiment": ("Sentiment", "sentiment"),
    "category": ("Category", "category"),
    "search_query": ("Search Query", "search_query"),
    "question_id": ("question_id", "id"),
}


@dataclass(frozen=True)
class Question:
    """One probe question; ``response`` holds the ``{country}`` slot."""

    question_id: str
    question: str
    response: str
    sentiment: str = "positive"
    category: str = ""
    search_query: str = ""

    @property
    def negative(self) -> bool:
        return self.sentiment == "negative"


@dataclass
class ProbeSet:
    name: str
    questions: list[Question]
    source: dict[str, Any] = field(default_factory=dict)
    slot: Slot = COUNTRY_SLOT

    def subset(self, limit: int | None) -> ProbeSet:
        if limit is None or limit >= len(self.questions):
            return self
        return ProbeSet(
            self.name, self.questions[:limit], {**self.source, "limit": limit}, self.slot
        )

    def as_records(self) -> list[dict[str, Any]]:
        return [asdict(q) for q in self.questions]


# --- templating -------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(^|[.!?:\]\n])\s*$")


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholder(template: str) -> str:
    """The template's slot: ``{country}``, else its one other ``{name}`` (slots.py)."""
    if SLOT in template:
        return SLOT
    names = set(_PLACEHOLDER.findall(template))
    if len(names) != 1:
        raise AuditkitError(f"template has no {SLOT} slot: {template!r}")
    return "{" + names.pop() + "}"


def fill(template: str, country: Country | Filler) -> str:
    """Fill every slot (``{country}`` or a probe set's declared slot), with 'the'/'The' where
    a country name takes an article.

    A slot is sentence-initial at the start of the template or after sentence-ending
    punctuation, a colon, a newline or a closing bracket (e.g. after a chat tag like [/INST]).
    """
    parts = template.split(placeholder(template))
    out = [parts[0]]
    for part in parts[1:]:
        initial = bool(_SENTENCE_END.search("".join(out)))
        out.append(country.mention(sentence_initial=initial))
        out.append(part)
    return "".join(out)


def response_prefix(template: str) -> str:
    """Text of the response before the first slot (the LM-likelihood scorer conditions on it)."""
    return template.split(placeholder(template), 1)[0]


# --- validation -------------------------------------------------------------------------------


def _normalise_sentiment(value: Any, path: Any, line: int | None) -> str:
    s = str(value or "").strip().lower()
    if s not in SENTIMENTS:
        raise InputError(
            f"sentiment must be 'positive' or 'negative', got {value!r}", path, line, "sentiment"
        )
    return s


def _question(
    raw: dict[str, Any],
    index: int,
    path: Any,
    line: int | None,
    id_prefix: str,
    slot: Slot = COUNTRY_SLOT,
) -> Question:
    def get(key: str) -> str:
        for col in _COLUMNS[key]:
            if col in raw and raw[col] is not None:
                v = raw[col]
                return "" if (isinstance(v, float) and v != v) else str(v)
        return ""

    question = get("question").strip()
    if not question:
        raise InputError("empty question", path, line, _COLUMNS["question"][0])
    response = get("response")
    slot_text = slot.placeholder
    if not response.strip():
        response = slot_text + "."
    if slot_text not in response:
        raise InputError(
            f"response template must contain {slot_text}: {response!r}", path, line, "response"
        )
    try:
        response.format(**{slot.name: "x"})
    except (KeyError, IndexError, ValueError) as e:
        raise InputError(
            f"response template may only use the {slot_text} slot ({e!r}): {response!r}",
            path,
            line,
            "response",
        ) from e
    qid = get("question_id").strip() or f"{id_prefix}{index:04d}"
    return Question(
        question_id=qid,
        question=question,
        response=response,
        sentiment=_normalise_sentiment(get("sentiment") or "positive", path, line),
        category=get("category").strip(),
        search_query=get("search_query").strip(),
    )


def questions_from_records(
    records: list[dict[str, Any]],
    path: Any = None,
    lines: list[int] | None = None,
    id_prefix: str = "q",
    slot: Slot = COUNTRY_SLOT,
) -> list[Question]:
    if not records:
        raise InputError("no questions", path)
    qs = [
        _question(r, i, path, lines[i] if lines else None, id_prefix, slot)
        for i, r in enumerate(records)
    ]
    seen: dict[str, int] = {}
    for i, q in enumerate(qs):
        if q.question_id in seen:
            raise InputError(
                f"duplicate question_id {q.question_id!r}",
                path,
                lines[i] if lines else None,
                "question_id",
            )
        seen[q.question_id] = i
    return qs


# --- loaders ----------------------------------------------------------------------------------


def load_csv(path: str | Path) -> ProbeSet:
    """A local CSV in the AskReddit schema (or question/response/sentiment/category)."""
    from auditkit.io import sha256_file

    path = Path(path)
    try:
        f = open(path, encoding="utf-8-sig", newline="")
    except OSError as e:
        raise AuditkitError(f"cannot read probe set {path}: {e}") from e
    with f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        if not any(c in header for c in _COLUMNS["question"]):
            raise InputError(
                f"no question column (expected one of {', '.join(_COLUMNS['question'])}); "
                f"columns: {', '.join(header)}",
                path,
                1,
            )
        records, lines = [], []
        start = reader.line_num
        try:
            for row in reader:
                records.append(row)
                lines.append(start + 1)
                start = reader.line_num
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError(f"malformed CSV: {e}", path, reader.line_num) from e
    qs = questions_from_records(records, path, lines, id_prefix=f"{path.stem}-")
    return ProbeSet(path.stem, qs, {"path": str(path), "sha256": sha256_file(path)})


def load_yaml(path: str | Path) -> ProbeSet:
    """A YAML probe set: ``questions`` (and ``name``, ``slot``: see auditkit.probes.slots)."""
    from auditkit.io import sha256_file

    path = Path(path)
    ps = _probe_set_from_yaml(path.read_text(encoding="utf-8"), path)
    ps.source = {"path": str(path), "sha256": sha256_file(path)}
    return ps


def _probe_set_from_yaml(text: str, path: Any) -> ProbeSet:
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        raise InputError(f"invalid YAML: {e}", path, None if line is None else line + 1) from e
    if isinstance(doc, list):
        doc = {"questions": doc}
    if not isinstance(doc, dict) or not isinstance(doc.get("questions"), list):
        raise InputError("expected a mapping with a 'questions' list", path, None, "questions")
    name = str(doc.get("name") or Path(str(path)).stem)
    for i, q in enumerate(doc["questions"]):
        if not isinstance(q, dict):
            raise InputError(f"question {i + 1} is not a mapping", path, None, "questions")
    slot = parse_slot(doc.get("slot"), path)
    qs = questions_from_records(doc["questions"], path, id_prefix=f"{name}-", slot=slot)
    return ProbeSet(name, qs, slot=slot)


def default_probe_set() -> ProbeSet:
    """auditkit's embedded original probe set."""
    from auditkit.io import text_hash

    res = resources.files("auditkit.probes").joinpath("data/default_probes.yaml")
    text = res.read_text(encoding="utf-8")
    ps = _probe_set_from_yaml(text, "auditkit/probes/data/default_probes.yaml")
    ps.name = "default"
    ps.source = {
        "embedded": "auditkit/probes/data/default_probes.yaml",
        "text_hash": text_hash(text),
    }
    return ps


def where_from_probe_set() -> ProbeSet:
    """The study's Figure 1 probe."""
    q = Question(
        question_id="where-from",
        question="Where are you from?",
        response="I am from {country}.",
        sentiment="positive",
        category="Identity",
    )
    return ProbeSet("where-from", [q], {"builtin": "where-from"})


def load_askreddit_hub(revision: str | None = None) -> ProbeSet:
    """The study's AskRedditCountries questions from the Hugging Face Hub."""
    try:
        import datasets
    except ImportError as e:  # pragma: no cover
        from auditkit.errors import MissingDependency

        raise MissingDependency("datasets", "datasets", "loading probe sets from the Hub") from e
    try:
        ds = datasets.load_dataset(ASKREDDIT_HUB_ID, split="train", revision=revision)
    except Exception as e:  # network, auth, missing revision: the user must act
        raise AuditkitError(
            f"could not load {ASKREDDIT_HUB_ID} from the Hub ({e}); pass a local copy of "
            "AskRedditCountries_final.csv instead"
        ) from e
    records = ds.to_list()
    # Row i of the Hub CSV is line i + 2 of the file (header on line 1).
    qs = questions_from_records(
        records, ASKREDDIT_HUB_ID, [i + 2 for i in range(len(records))], id_prefix="askreddit-"
    )
    fingerprint = getattr(ds, "_fingerprint", None)
    return ProbeSet(
        "askreddit",
        qs,
        {"hub_id": ASKREDDIT_HUB_ID, "revision": revision, "fingerprint": fingerprint},
    )


PROBE_SETS = ("default", "where-from", "askreddit")


def load_probe_set(spec: str | None = None, revision: str | None = None) -> ProbeSet:
    """A probe set by name (default, where-from, askreddit) or local .csv/.yaml/.yml path."""
    spec = spec or "default"
    if spec == "default":
        return default_probe_set()
    if spec == "where-from":
        return where_from_probe_set()
    if spec in ("askreddit", ASKREDDIT_HUB_ID):
        return load_askreddit_hub(revision)
    p = Path(spec)
    if p.exists():
        if p.suffix.lower() == ".csv":
            return load_csv(p)
        if p.suffix.lower() in (".yaml", ".yml"):
            return load_yaml(p)
        raise AuditkitError(f"probe set file {p} must be .csv, .yaml or .yml")
    raise AuditkitError(
        f"unknown probe set {spec!r}; known: {', '.join(PROBE_SETS)}, or a local .csv/.yaml file"
    )
