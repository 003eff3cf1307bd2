"""Links between two runs, made only where they are declared: corpus language shares beside
the per-language score changes of the chain step that trained on that corpus, and a reward
model's country ranking beside an LM's likelihood ranking.

The study's central observation is a link between what the alignment data contains and what
alignment changes: Tulu's SFT mixture has a few dozen Bengali utterances, and Bengali TyDiQA
accuracy drops across the SFT step. Pairing every corpus with every chain would claim links
that do not exist (a corpus beside a model that never trained on it), so a link is made only
where it is declared:

* an eval summary's ``steps[].data`` names the datasets a step trained on (the built-in chains
  declare them; a chains YAML may declare ``data:`` per step), and a corpus run whose source
  is one of them links to that step by itself;
* ``auditkit report RUN... --link SOURCE_RUN=TARGET`` declares one (TARGET: ``CHAIN:STEP`` or
  another run's folder or name).

What a link joins is a small registry of *link kinds* keyed by the two runs' kinds
(:data:`LINK_KINDS`, :func:`register_link_kind`): lang -> eval chain step ("languages") and
probe-rm -> probe-rm ("countries") here; other sides add theirs (a countries run to a
probe-rm run, a language probe to a lang run) with a builder and, optionally, an HTML
renderer (a generic table is drawn otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from auditkit.errors import AuditkitError
from auditkit.facts.languages import language_name, normalise_code
from auditkit.report.runs import (
    Run,
    eval_chains,
    eval_scale,
    eval_steps,
    lang_languages,
    lang_threshold,
    num,
    probe_countries,
    probe_scorer,
)
from auditkit.stats import spearman

ARROW = "→"


# --- statistics (pure functions of arrays) -------------------------------------------------


def finite_spearman(x: np.ndarray, y: np.ndarray) -> dict[str, float | int | None]:
    """:func:`auditkit.stats.spearman` over the pairs where both values are finite.

    Returns {rho, p, n}; rho and p are None (not NaN: links are written as JSON) below 3 pairs
    or when either side is constant (the correlation is undefined there, not zero).
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    res = spearman(a[ok], b[ok])
    return {
        "rho": res["rho"] if math.isfinite(res["rho"]) else None,
        "p": res["p"] if math.isfinite(res["p"]) else None,
        "n": res["n"],
    }


def correlation_matrix(
    rankings: dict[str, dict[str, float]],
) -> tuple[list[str], list[list[float | None]], list[list[int]]]:
    """Pairwise Spearman of several rankings keyed by item (countries shared by both only).

    Returns (labels, rho matrix, n matrix); the diagonal is 1 with n = the ranking's size.
    """
    labels = list(rankings)
    rho: list[list[float | None]] = []
    ns: list[list[int]] = []
    for a in labels:
        row, nrow = [], []
        for b in labels:
            common = sorted(set(rankings[a]) & set(rankings[b]))
            if a == b:
                row.append(1.0 if len(common) >= 3 else None)
                nrow.append(len(common))
                continue
            s = finite_spearman(
                np.array([rankings[a][k] for k in common]),
                np.array([rankings[b][k] for k in common]),
            )
            row.append(s["rho"])
            nrow.append(int(s["n"]))
        rho.append(row)
        ns.append(nrow)
    return labels, rho, ns


# --- language codes ------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def language_code(label: str) -> str | None:
    """Normalise an eval group ('bengali', 'Bengali', 'bn', 'ben_Beng', 'arb_Arab') to the
    code space of `auditkit lang` (ISO 639-1 where it exists, macrolanguages folded)."""
    import langcodes

    text = str(label).strip()
    if not text:
        return None
    tag = text.replace("_", "-")
    if langcodes.tag_is_valid(tag):
        code = normalise_code(tag)
    else:
        try:
            code = normalise_code(langcodes.find(text).language)
        except LookupError:
            return None
    return None if code in ("und", "") else code


# --- options -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkOptions:
    """rare_below: utterance count under which a language is 'rare' (default: the lang run's
    low-resource threshold). A rare language is flagged 'rare & losing' when its change is a
    loss by the rule in force: significant after Holm correction (``p_holm < alpha``), or,
    when the user sets ``min_loss_points``, a drop of more than that many points."""

    rare_below: int | None = None
    min_loss_points: float | None = None
    alpha: float = 0.05

    def loss_rule(self) -> str:
        """The rule in words, as every report format states it beside the flags."""
        if self.min_loss_points is None:
            return f"a loss significant after Holm correction (p_holm < {self.alpha:g})"
        return f"a drop of more than {self.min_loss_points:g} points (--min-loss)"

    def is_loss(self, delta_points: float | None, p_holm: float | None) -> bool:
        if delta_points is None or delta_points >= 0:
            return False
        if self.min_loss_points is None:
            return p_holm is not None and p_holm < self.alpha
        return delta_points < -self.min_loss_points


# --- link kinds and declarations -----------------------------------------------------------

ChainStep = tuple[str, str]  # (chain name, stage the step leads to), e.g. ("llama-tulu", "sft")


@dataclass(frozen=True)
class LinkKind:
    """What joins a run of ``source_kind`` to a run of ``target_kind``.

    build(source, target, chain_step, options) returns the link dicts (possibly none) for one
    declared pair. With ``by_chain_step`` the target is named ``CHAIN:STEP`` and stands for
    every run of ``target_kind`` that has that step (and that ``accepts``). ``auto`` lists
    the pairs the runs declare themselves: (source, target, chain_step, declared_by).
    """

    name: str
    source_kind: str
    target_kind: str
    description: str
    build: Callable[[Run, Run, ChainStep | None, LinkOptions], list[dict[str, Any]]]
    by_chain_step: bool = False
    accepts: Callable[[Run], bool] = lambda run: True
    auto: Callable[[list[Run]], list[tuple[Run, Run, ChainStep | None, str]]] | None = None


LINK_KINDS: dict[tuple[str, str], LinkKind] = {}


def register_link_kind(kind: LinkKind) -> LinkKind:
    """Add a link kind; one per (source kind, target kind) pair."""
    key = (kind.source_kind, kind.target_kind)
    if key in LINK_KINDS and LINK_KINDS[key] is not kind:
        raise ValueError(f"a link kind for {key[0]} -> {key[1]} is already registered")
    LINK_KINDS[key] = kind
    return kind


@dataclass(frozen=True)
class LinkSpec:
    """One ``--link SOURCE_RUN=TARGET`` as the user typed it."""

    source: str
    target: str

    @classmethod
    def parse(cls, text: str) -> LinkSpec:
        src, sep, tgt = str(text).partition("=")
        if not sep or not src.strip() or not tgt.strip():
            raise AuditkitError(
                f"--link {text!r}: expected SOURCE_RUN=TARGET, where SOURCE_RUN is a run folder "
                "or its name and TARGET is CHAIN:STEP (e.g. llama-tulu:sft) or another run"
            )
        return cls(src.strip(), tgt.strip())


@dataclass
class Declared:
    """A declared pair: the link kind, its two ends and who declared it."""

    kind: LinkKind
    source: Run
    target: Run
    chain_step: ChainStep | None
    declared_by: str
    trained_on: list[str] = field(default_factory=list)

    @property
    def target_name(self) -> str:
        if self.chain_step is not None:
            return f"{self.chain_step[0]}:{self.chain_step[1]}"
        return self.target.path.name

    @property
    def name(self) -> str:
        """'SOURCE_RUN→TARGET', the value of the link block's data-link attribute."""
        return f"{self.source.path.name}{ARROW}{self.target_name}"


def chain_steps(ev: Run) -> list[ChainStep]:
    """The consecutive steps of an eval run's chains, as (chain, stage it leads to)."""
    out: list[ChainStep] = []
    for chain in eval_chains(ev.summary):
        if not isinstance(chain, dict):
            continue
        stages = [str(st.get("stage")) for st in chain.get("stages") or [] if isinstance(st, dict)]
        out += [(str(chain.get("name")), st) for st in stages[1:]]
    return out


def _step_rows(ev: Run, chain_step: ChainStep) -> list[dict[str, Any]]:
    """The per-group step records of ``chain_step`` (previous stage -> STEP)."""
    chain, stage = chain_step
    previous = None
    for c in eval_chains(ev.summary):
        if isinstance(c, dict) and str(c.get("name")) == chain:
            stages = [str(s.get("stage")) for s in c.get("stages") or [] if isinstance(s, dict)]
            if stage in stages[1:]:
                previous = stages[stages.index(stage) - 1]
    if previous is None:
        return []
    return [
        s
        for s in eval_steps(ev.summary)
        if str(s.get("chain")) == chain
        and str(s.get("to_stage")) == stage
        and str(s.get("from_stage")) == previous
    ]


def step_data(ev: Run, chain_step: ChainStep) -> list[str]:
    """Training datasets the eval summary declares for a step (``steps[].data``)."""
    out: list[str] = []
    for s in _step_rows(ev, chain_step):
        data = s.get("data")
        if isinstance(data, str):
            data = [data]
        if isinstance(data, list):
            out += [d for d in data if isinstance(d, str) and d and d not in out]
    return out


def corpus_datasets(lang: Run) -> list[str]:
    """Hub dataset ids a lang run read (from its audit record; the corpus name when it is one)."""
    ids: list[str] = []
    audit = lang.audit or {}
    candidates: list[Any] = []
    for inp in audit.get("inputs") or []:
        if isinstance(inp, dict):
            candidates.append(inp.get("hub_id"))
    corpus = audit.get("corpus")
    if isinstance(corpus, dict):
        candidates.append(corpus.get("hub_id"))
    for c in candidates:
        if isinstance(c, str) and c and c not in ids:
            ids.append(c)
    return ids


def _same_dataset(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def resolve_run(runs: list[Run], name: str) -> list[Run]:
    """Runs a user's name stands for: a run folder as given (or any copy of it), the folder's
    name, or the run's label."""
    p = Path(name)
    try:
        resolved = p.resolve()
    except OSError:
        resolved = None
    by_path = [
        r
        for r in runs
        if any(resolved is not None and c.resolve() == resolved for c in (r.path, *r.copies))
    ]
    if by_path:
        return by_path
    by_name = [r for r in runs if name in (r.path.name, *(c.name for c in r.copies))]
    return by_name or [r for r in runs if r.label == name]


def _one_run(runs: list[Run], name: str, what: str, spec: str) -> Run | None:
    found = resolve_run(runs, name)
    if len(found) > 1:
        raise AuditkitError(
            f"--link {spec}: {what} {name!r} names {len(found)} runs ("
            + ", ".join(str(r.path) for r in found)
            + "); give its folder path"
        )
    return found[0] if found else None


def declare_links(runs: list[Run], specs: Sequence[LinkSpec] = ()) -> list[Declared]:
    """The declared pairs: those the runs declare themselves, then each ``--link``."""
    out: list[Declared] = []
    for kind in LINK_KINDS.values():
        if kind.auto is not None:
            for src, tgt, step, by in kind.auto(runs):
                out.append(Declared(kind, src, tgt, step, by))
    for spec in specs:
        out += _declare(runs, spec)
    unique: dict[tuple[str, str, str, ChainStep | None], Declared] = {}
    for d in out:  # one link per pair, whoever declared it (first declaration named)
        key = (d.kind.name, d.source.content_hash, d.target.content_hash, d.chain_step)
        unique.setdefault(key, d)
    return list(unique.values())


def _declare(runs: list[Run], spec: LinkSpec) -> list[Declared]:
    text = f"{spec.source}={spec.target}"
    names = ", ".join(sorted({r.path.name for r in runs}))
    source = _one_run(runs, spec.source, "source run", text)
    if source is None:
        raise AuditkitError(f"--link {text}: no run named {spec.source!r} among: {names}")
    target = _one_run(runs, spec.target, "target run", text)
    if target is not None:
        kind = LINK_KINDS.get((source.kind, target.kind))
        if kind is None or kind.by_chain_step:
            raise AuditkitError(f"--link {text}: {_no_kind(source.kind, target.kind)}")
        return [Declared(kind, source, target, None, f"--link {text}")]
    chain, sep, stage = spec.target.rpartition(":")
    kinds = [k for k in LINK_KINDS.values() if k.source_kind == source.kind and k.by_chain_step]
    if not sep or not chain or not kinds:
        raise AuditkitError(
            f"--link {text}: {spec.target!r} is neither a run ({names}) nor CHAIN:STEP"
            + ("" if kinds else f" that a {source.kind} run can link to")
        )
    out = []
    available: list[str] = []
    for kind in kinds:
        for r in runs:
            if r.kind != kind.target_kind or not kind.accepts(r):
                continue
            steps = chain_steps(r)
            available += [f"{c}:{s}" for c, s in steps]
            if (chain, stage) in steps:
                out.append(Declared(kind, source, r, (chain, stage), f"--link {text}"))
    if not out:
        raise AuditkitError(
            f"--link {text}: no run has the chain step {spec.target!r}; steps present: "
            + (", ".join(dict.fromkeys(available)) or "none")
        )
    return out


def _no_kind(a: str, b: str) -> str:
    known = ", ".join(f"{s} -> {t}" for s, t in sorted(LINK_KINDS)) or "none"
    return f"no link kind joins a {a} run to a {b} run (known: {known})"


def compute_links(
    runs: list[Run],
    options: LinkOptions = LinkOptions(),
    specs: Sequence[LinkSpec] = (),
) -> dict[str, list[dict[str, Any]]]:
    """Every declared link, grouped by link kind name ({'languages': [...], ...})."""
    out: dict[str, list[dict[str, Any]]] = {k.name: [] for k in LINK_KINDS.values()}
    for d in declare_links(runs, specs):
        for link in d.kind.build(d.source, d.target, d.chain_step, options):
            link.update(
                {
                    "kind": d.kind.name,
                    "source_run": d.source.path.name,
                    "target": d.target_name,
                    "data_link": d.name,
                    "declared_by": d.declared_by,
                }
            )
            out[d.kind.name].append(link)
    return out


def undeclared_hint(runs: list[Run]) -> str | None:
    """How to declare a link, when there are runs a link could join but none is declared."""
    langs = [r for r in runs if r.kind == "lang"]
    steps = list(
        dict.fromkeys(f"{c}:{s}" for r in runs if is_language_eval(r) for c, s in chain_steps(r))
    )
    if not langs or not steps:
        return None
    return (
        "A corpus run links to the chain step that trained on it, and only where that is "
        "declared: an eval summary's steps[].data names the step's training datasets (the "
        "built-in chains do; a chains YAML may declare data: per step) and a corpus run whose "
        "source is one of them links by itself; or declare one with "
        f"auditkit report ... --link {langs[0].path.name}={steps[0]} "
        f"(chain steps present: {', '.join(steps)})."
    )


# --- language links (lang -> eval chain step) ----------------------------------------------


def language_links(
    lang: Run, ev: Run, chain_step: ChainStep | None, options: LinkOptions = LinkOptions()
) -> list[dict[str, Any]]:
    """The corpus's language shares beside the per-language changes of one chain step.

    Returns [] or one link: {corpus, task, metric, chain, from, to, from_stage, to_stage, unit,
    rare_below, loss_rule, rows: [{group, code, name, count, share, delta_points, ci_low,
    ci_high, n_items, p_holm, rare, loses, significant, flagged}], spearman: {rho, p, n},
    flagged: [groups], trained_on: [datasets the step declares]}.
    """
    if chain_step is None or not is_language_eval(ev):
        return []
    steps = _step_rows(ev, chain_step)
    if not steps:
        return []
    langs = {r["code"]: r for r in lang_languages(lang.summary)}
    total_agreed = sum(r["count"] for r in langs.values())
    rare_below = (
        options.rare_below if options.rare_below is not None else lang_threshold(lang.summary)
    )
    scale = eval_scale(ev.summary)
    rows = [_language_row(s, langs, total_agreed, scale, rare_below, options) for s in steps]
    rows.sort(key=lambda r: (-(r["share"] or 0.0), r["group"]))
    corr = finite_spearman(
        np.array([np.nan if r["share"] is None else r["share"] for r in rows]),
        np.array([np.nan if r["delta_points"] is None else r["delta_points"] for r in rows]),
    )
    first = steps[0]
    return [
        {
            "corpus": lang.label,
            "task": ev.label,
            "metric": str(ev.summary.get("metric") or "metric"),
            "chain": chain_step[0],
            "from": str(first.get("from") or ""),
            "to": str(first.get("to") or ""),
            "from_stage": str(first.get("from_stage")),
            "to_stage": chain_step[1],
            "unit": "points" if scale == 100.0 else "",
            "agreed": total_agreed,
            "confidence": _confidence(ev),
            "rare_below": rare_below,
            "min_loss_points": options.min_loss_points,
            "alpha": options.alpha,
            "loss_rule": options.loss_rule(),
            "rows": rows,
            "spearman": corr,
            "flagged": [r["group"] for r in rows if r["flagged"]],
            "trained_on": step_data(ev, chain_step),
        }
    ]


def _language_row(
    s: dict[str, Any],
    langs: dict[str, dict[str, Any]],
    total_agreed: int,
    scale: float,
    rare_below: int,
    options: LinkOptions,
) -> dict[str, Any]:
    """One group's change along the step beside its language's count and share."""
    group = str(s.get("group"))
    code = language_code(group)
    lr = langs.get(code or "", {})
    count = int(lr.get("count", 0))
    delta = num(s.get("delta"))
    delta_points = None if delta is None else delta * scale
    p_holm = num(s.get("p_holm", s.get("p")))
    lo, hi = num(s.get("delta_ci_low")), num(s.get("delta_ci_high"))
    rare = count < rare_below
    loses = options.is_loss(delta_points, p_holm)
    return {
        "group": group,
        "code": code,
        "name": lr.get("name") or _language_name(code) or group,
        "count": count,
        "share": lr.get("share", 0.0 if total_agreed else None),
        "delta_points": delta_points,
        "ci_low": None if lo is None else lo * scale,
        "ci_high": None if hi is None else hi * scale,
        "n_items": int(num(s.get("n")) or 0),
        "p_holm": p_holm,
        "rare": rare,
        "loses": loses,
        "significant": p_holm is not None and p_holm < options.alpha,
        "flagged": rare and loses,
    }


def _confidence(ev: Run) -> float:
    stats = ev.summary.get("statistics")
    c = num(stats.get("confidence")) if isinstance(stats, dict) else None
    return c if c is not None and 0 < c < 1 else 0.95


def _auto_language_links(runs: list[Run]) -> list[tuple[Run, Run, ChainStep | None, str]]:
    """A corpus run whose source dataset a chain step declares it trained on."""
    out = []
    for lang in (r for r in runs if r.kind == "lang"):
        ids = corpus_datasets(lang)
        if not ids:
            continue
        for ev in (r for r in runs if is_language_eval(r)):
            for step in chain_steps(ev):
                hit = next(
                    (d for d in step_data(ev, step) if any(_same_dataset(d, i) for i in ids)),
                    None,
                )
                if hit is not None:
                    by = f"{ev.path.name}/summary.json: {step[0]}:{step[1]} trained on {hit}"
                    out.append((lang, ev, step, by))
    return out


def _language_name(code: str | None) -> str | None:
    if not code:
        return None
    return language_name(code)


def is_language_eval(run: Run) -> bool:
    s = run.summary
    return run.kind == "eval" and (
        s.get("axis") == "language" or s.get("group_label") == "language"
    )


# --- country links (probe-rm -> probe-rm) --------------------------------------------------


def _country_key(row: dict[str, Any]) -> str:
    iso = row.get("iso3")
    return str(iso) if iso else str(row["country"]).casefold()


def country_ranking(run: Run) -> dict[str, float]:
    """{country key: mean rank} of a probe run (key: ISO3, else the folded name)."""
    return {
        _country_key(r): r["mean_rank"]
        for r in probe_countries(run.summary)
        if r["mean_rank"] is not None
    }


def country_link(rm: Run, lm: Run) -> dict[str, Any]:
    """The RM's mean rank beside the LM's likelihood rank, per country, with Spearman.

    Both are 'lower = more preferred / more likely' ranks as probe-rm reports them.
    """
    a = {_country_key(r): r for r in probe_countries(rm.summary)}
    b = {_country_key(r): r for r in probe_countries(lm.summary)}
    common = [k for k in a if k in b]
    rows = []
    for k in common:
        ra, rb = a[k], b[k]
        rows.append(
            {
                "country": ra["country"],
                "iso3": ra.get("iso3") or rb.get("iso3"),
                "rm_mean_rank": ra["mean_rank"],
                "rm_rank": ra["rank"],
                "lm_mean_rank": rb["mean_rank"],
                "lm_rank": rb["rank"],
                "rank_difference": None
                if ra["rank"] is None or rb["rank"] is None
                else rb["rank"] - ra["rank"],
            }
        )
    rows.sort(key=lambda r: (r["rm_rank"] is None, r["rm_rank"] or 0.0))
    corr = finite_spearman(
        np.array([np.nan if r["rm_mean_rank"] is None else r["rm_mean_rank"] for r in rows]),
        np.array([np.nan if r["lm_mean_rank"] is None else r["lm_mean_rank"] for r in rows]),
    )
    return {
        "rm": rm.label,
        "lm": lm.label,
        "rm_scorer": probe_scorer(rm.summary),
        "lm_scorer": probe_scorer(lm.summary),
        "rows": rows,
        "spearman": corr,
        "only_in_rm": len(a) - len(common),
        "only_in_lm": len(b) - len(common),
    }


def _single_probe(run: Run) -> bool:
    return run.kind == "probe-rm" and not run.is_comparison


def _auto_country_links(runs: list[Run]) -> list[tuple[Run, Run, ChainStep | None, str]]:
    """A reward model's ranking beside each LM-likelihood ranking: both score the same probe
    templates, so the pair is declared by the scorers the summaries name. Runs whose scorer
    is unknown are joined only with --link."""
    probes = [r for r in runs if _single_probe(r)]
    rms = [r for r in probes if probe_scorer(r.summary) == "rm"]
    lms = [r for r in probes if probe_scorer(r.summary) == "lm"]
    return [
        (a, b, None, "reward model vs LM likelihood (the summaries' scorers)")
        for a in rms
        for b in lms
    ]


LANGUAGES = register_link_kind(
    LinkKind(
        name="languages",
        source_kind="lang",
        target_kind="eval",
        description="corpus language shares beside per-language changes across the chain "
        "step that trained on the corpus",
        build=language_links,
        by_chain_step=True,
        accepts=is_language_eval,
        auto=_auto_language_links,
    )
)

COUNTRIES = register_link_kind(
    LinkKind(
        name="countries",
        source_kind="probe-rm",
        target_kind="probe-rm",
        description="a reward model's country ranking beside an LM's likelihood ranking",
        build=lambda src, tgt, step, opts: (
            [country_link(src, tgt)] if _single_probe(src) and _single_probe(tgt) else []
        ),
        auto=_auto_country_links,
    )
)


# Link kinds of other sides register themselves on import (after the kinds above).
from auditkit.report import countries_link, rm_language_links  # noqa: E402, F401
