"""Reading run folders of `lang`, `countries`, `probe-rm` and `eval` (summary.json, audit.json, parquet).

Each kind's summary is declared once, in :mod:`auditkit.summaries` (the TypedDicts its writer
is annotated with); a summary is validated against them when loaded and read through them
here, by the keys the writers emit and no others. Values are still read defensively (a key
an older summary lacks, a null for an undefined number) because a summary is an input like
any other. A folder without a readable summary.json is a user error naming the file.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditkit.audit import AUDIT_FILE, SUMMARY_FILE
from auditkit.errors import InputError
from auditkit.report.schema import validate_audit, validate_summary
from auditkit.summaries import (
    LM_SCORERS,
    LM_SCORES,
    REWARD_MODEL_SCORERS,
    REWARD_MODEL_SCORES,
    EvalSummary,
    LangSummary,
    ProbeComparisonSummary,
    ProbeCountrySummary,
    ProbeRmSummary,
)
from auditkit.summaries import is_comparison as _is_comparison

KINDS = ("lang", "probe-rm", "eval", "countries")


@dataclass
class Run:
    """One run folder: its kind, summary and (when present) audit record."""

    path: Path
    kind: str
    summary: dict[str, Any]
    audit: dict[str, Any] | None = None
    label: str = field(default="")
    # Other folders holding the same summary (a comparison's member passed again, a *-rerun
    # copy, the same folder under another path): the run appears once, these are noted.
    copies: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.label:
            self.label = run_label(self)

    @property
    def is_comparison(self) -> bool:
        """A probe-rm run over several models: its summary holds the model x model Spearman
        matrix and points to one run folder per model instead of listing countries."""
        return self.kind == "probe-rm" and _is_comparison(self.summary)

    @property
    def content_hash(self) -> str:
        """sha256 of the summary's canonical JSON: the run's identity in a report, whatever
        folder (or copy of a folder) it was read from."""
        return summary_hash(self.summary)

    def member_dirs(self) -> list[Path]:
        """The per-model run folders of a comparison run."""
        if not self.is_comparison:
            return []
        out = []
        for m in self.summary["models"].values():
            if isinstance(m, dict) and m.get("folder"):
                out.append(self.path / str(m["folder"]))
        return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (auditkit writes null for undefined values)")


def summary_hash(summary: dict[str, Any]) -> str:
    canonical = json.dumps(summary, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _read_json_file(path: Path) -> Any:
    from auditkit.tabular import read_text

    text = read_text(path)  # not UTF-8 / unreadable: one line naming the file
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON ({e.msg})", path, e.lineno) from None
    except ValueError as e:
        raise InputError(f"not valid JSON: {e}", path) from None
    except RecursionError:
        raise InputError("not valid JSON: nested too deeply", path) from None


def load_run(path: str | Path) -> Run:
    """Load a run folder (or its summary.json / audit.json file)."""
    p = Path(path)
    if p.is_file():
        p = p.parent
    summary_path = p / SUMMARY_FILE
    if not p.exists():
        raise InputError("no such run folder", p)
    if not summary_path.is_file():
        raise InputError(f"not a run folder: no {SUMMARY_FILE}", p)
    summary = _read_json_file(summary_path)
    if not isinstance(summary, dict):
        raise InputError("expected a JSON object", summary_path)
    audit_path = p / AUDIT_FILE
    audit = _read_json_file(audit_path) if audit_path.is_file() else None
    if audit is not None:
        validate_audit(audit, audit_path)
    kind = summary.get("kind") or (audit or {}).get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise InputError(
            f"unknown run kind {kind!r}; expected one of {', '.join(KINDS)}",
            summary_path,
            field="kind",
        )
    _check_summary_version(kind, audit, audit_path)
    validate_summary(kind, summary, summary_path)
    return Run(path=p, kind=kind, summary=summary, audit=audit)


def _check_summary_version(kind: str, audit: dict[str, Any] | None, where: Path) -> None:
    """A summary written by a newer auditkit, whose keys may mean something else, is refused
    rather than misread (records before versioning hold no version: read as version 1)."""
    from auditkit.summaries import SUMMARY_VERSIONS

    written = (audit or {}).get("summary_version")
    known = SUMMARY_VERSIONS.get(kind)
    if isinstance(written, int) and known is not None and written > known:
        raise InputError(
            f"the {kind} summary beside it has version {written}; this auditkit reads up to "
            f"version {known}: upgrade auditkit to report on it",
            where,
            field="summary_version",
        )


def find_run_dirs(path: Path) -> list[Path]:
    """``path`` itself when it is a run folder, else every run folder below it (sorted)."""
    if (path / SUMMARY_FILE).is_file() or path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError("no such run folder", path)
    found = sorted({s.parent for s in path.rglob(SUMMARY_FILE)})
    if not found:
        raise InputError(f"no run folders (no {SUMMARY_FILE} below it)", path)
    return found


def load_runs(paths: Iterable[str | Path]) -> list[Run]:
    """Load run folders; a folder that holds several runs (e.g. reports/) is expanded.

    One run, one appearance: runs are identified by their summary's content hash, so a
    folder passed twice, a comparison's member folder also passed alone, or a ``*-rerun``
    copy with an identical summary is loaded once (the other folders are kept in
    ``Run.copies``). Candidates are visited in the order given, so the first path wins.
    """
    runs: list[Run] = []
    seen: set[Path] = set()
    by_hash: dict[str, Run] = {}
    pending = [d for p in paths for d in find_run_dirs(Path(p))]
    while pending:
        d = pending.pop(0)
        key = (d.parent if d.is_file() else d).resolve()
        if key in seen:
            continue
        seen.add(key)
        run = load_run(d)
        first = by_hash.get(run.content_hash)
        if first is not None:
            first.copies.append(run.path)
            continue
        by_hash[run.content_hash] = run
        runs.append(run)
        pending.extend(run.member_dirs())  # a comparison brings its per-model folders
    labels: dict[str, int] = {}
    for r in runs:  # make labels unique so tables and charts can be told apart
        n = labels.get(r.label, 0)
        labels[r.label] = n + 1
        if n:
            r.label = (
                f"{r.label} ({r.path.name})" if r.path.name not in r.label else f"{r.label}#{n}"
            )
    return runs


def run_label(run: Run) -> str:
    s = run.summary
    if run.kind in ("lang", "countries"):
        corpus = str(s.get("corpus") or run.path.name)
        # a local corpus is named by its path: the file name says as much, and an absolute
        # path of the machine that ran it must not end up in a shared report
        return Path(corpus).name if Path(corpus).is_absolute() else corpus
    if run.kind == "probe-rm":
        if _is_comparison(s):
            return "comparison of " + ", ".join(map(str, s["models"]))
        return str(s.get("model") or run.path.name)
    return str(s.get("task") or run.path.name)


# --- small helpers ------------------------------------------------------------------------


def num(value: Any) -> float | None:
    """A finite float, or None for missing / null / NaN / non-numbers."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def get_path(d: Any, dotted: str) -> Any:
    """Value at a dotted path ('correlations.gallup_2017.rho'); KeyError when absent.

    List elements are addressed by index ('languages.0.share').
    """
    cur = d
    for part in dotted.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif (
            isinstance(cur, list)
            and part.lstrip("-").isdigit()
            and -len(cur) <= int(part) < len(cur)
        ):
            cur = cur[int(part)]
        else:
            raise KeyError(dotted)
    return cur


# --- lang ---------------------------------------------------------------------------------


def lang_languages(summary: LangSummary) -> list[dict[str, Any]]:
    """[{code, name, count, share}] by count, share of agreed utterances.

    Counts and shares are read as numbers (a value that is not one counts as 0 / unknown),
    codes and names as text: a summary is an input like any other.
    """
    rows = [r for r in summary.get("languages") or [] if isinstance(r, dict)]
    counts = [max(0, int(num(r.get("count")) or 0)) for r in rows]
    total = sum(counts)
    out = []
    for r, count in zip(rows, counts):
        share = num(r.get("share"))
        if share is None:
            share = count / total if total else 0.0
        out.append(
            {
                "code": str(r.get("code")),
                "name": str(r.get("name") or r.get("code")),
                "count": count,
                "share": share,
            }
        )
    out.sort(key=lambda r: (-r["count"], r["code"]))
    return out


def lang_totals(summary: LangSummary) -> dict[str, int | None]:
    keys = ("total", "agreed", "disagreed", "low_confidence", "empty", "stripped")
    return {
        k: (int(v) if (v := num(summary.get(f"utterances_{k}"))) is not None else None)
        for k in keys
    }


def lang_threshold(summary: LangSummary, default: int = 100) -> int:
    v = num(summary.get("low_resource_threshold"))
    return int(v) if v is not None else default


# --- probe-rm -----------------------------------------------------------------------------


def probe_countries(summary: ProbeCountrySummary) -> list[dict[str, Any]]:
    """[{country, iso3, mean_rank, rank, ...}] ordered by rank (1 = most preferred)."""
    rows = summary.get("countries")
    out = []
    for r in rows if isinstance(rows, list) else ():
        if not isinstance(r, dict) or not r.get("country"):
            continue
        iso3 = r.get("iso3")
        out.append(
            {
                **r,
                "country": str(r["country"]),
                "iso3": str(iso3) if isinstance(iso3, (str, int)) and iso3 != "" else None,
                "mean_rank": num(r.get("mean_rank")),
                "rank": num(r.get("rank")),
            }
        )
    if out and all(r["rank"] is None for r in out):
        ordered = sorted(
            (r for r in out if r["mean_rank"] is not None), key=lambda r: r["mean_rank"]
        )
        for i, r in enumerate(ordered, 1):
            r["rank"] = float(i)
    out.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0.0, r["country"]))
    return out


def probe_correlations(summary: ProbeCountrySummary) -> dict[str, dict[str, float | None]]:
    """{survey: {rho, p, n}} of the country ranking against reference surveys."""
    corr = summary.get("correlations") or {}
    return {
        str(name): {"rho": num(c.get("rho")), "p": num(c.get("p")), "n": num(c.get("n"))}
        for name, c in corr.items()
    }


def probe_scorer(s: ProbeRmSummary) -> str:
    """'rm' (a reward model's scores), 'lm' (LM likelihood) or 'unknown': by the scorer, or
    by the score's name where the scores came from a file without a scorer column."""
    scorer, score = (v if isinstance(v, str) else None for v in (s.get("scorer"), s.get("score")))
    if scorer in REWARD_MODEL_SCORERS:
        return "rm"
    if scorer in LM_SCORERS:
        return "lm"
    if score in REWARD_MODEL_SCORES:
        return "rm"
    return "lm" if score in LM_SCORES else "unknown"


def probe_matrix(
    summary: ProbeComparisonSummary,
) -> tuple[list[str], list[list[float | None]]] | None:
    """The model x model Spearman matrix of a comparison, when there is one."""
    rho = (summary.get("ranking_correlations") or {}).get("spearman")
    if not isinstance(rho, dict) or not all(isinstance(v, dict) for v in rho.values()):
        return None
    labels = list(rho)
    return labels, [[num(rho[a].get(b)) for b in labels] for a in labels]


# --- eval ---------------------------------------------------------------------------------


def eval_scale(summary: EvalSummary) -> float:
    """100 for metrics the summary says are shown in points (accuracies, F1, CFMatch), 1 for
    similarities."""
    return 100.0 if summary.get("percent") is True else 1.0


def eval_chains(summary: EvalSummary) -> list[dict[str, Any]]:
    """[{name, stages: [{model, stage}]}] (text only)."""
    out = []
    for c in summary.get("chains") or []:
        stages = [
            {"model": str(st.get("model")), "stage": str(st.get("stage") or "")}
            for st in c.get("stages") or []
            if st.get("model") is not None
        ]
        out.append({"name": str(c.get("name", "chain")), "stages": stages})
    return out


def eval_steps(summary: EvalSummary) -> list[dict[str, Any]]:
    steps = summary.get("steps")
    return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []


def eval_models(summary: EvalSummary) -> dict[str, dict[str, dict[str, float | None]]]:
    """{model: {group: {value, ci_low, ci_high, n}}} with every statistic read as a number."""
    models = summary.get("models")
    if not isinstance(models, dict):
        return {}
    out: dict[str, dict[str, dict[str, float | None]]] = {}
    for m, per_group in models.items():
        if not isinstance(per_group, dict):
            continue
        out[str(m)] = {
            str(g): {k: num(v.get(k)) for k in ("value", "ci_low", "ci_high", "n")}
            for g, v in per_group.items()
            if isinstance(v, dict)
        }
    return out


def eval_groups(summary: EvalSummary) -> list[str]:
    return [str(g) for g in summary.get("groups") or []]


def eval_confidence(summary: EvalSummary) -> float:
    """Confidence level of the CIs (0.95 unless the summary's statistics say otherwise)."""
    stats = summary.get("statistics")
    c = num(stats.get("confidence")) if isinstance(stats, dict) else None
    return c if c is not None and 0 < c < 1 else 0.95


def significance_mark(p: float | None, alpha: float = 0.05) -> str:
    """'***' p<0.001, '**' p<0.01, '*' p<alpha, '' otherwise (or when p is missing)."""
    if p is None:
        return ""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < alpha:
        return "*"
    return ""
