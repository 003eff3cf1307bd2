"""Findings: the few statements a reader needs first, computed from the summaries and the
declared links (never written by hand), ranked, each a sentence with its number, its CI or
p-value, and the run it comes from.

Every report format (HTML, terminal, compliance Markdown) opens with the same list; each
format escapes the text for its own medium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditkit.report.runs import (
    Run,
    eval_scale,
    eval_steps,
    lang_languages,
    lang_threshold,
    num,
    probe_correlations,
    probe_countries,
)

ARROW = "→"


@dataclass(frozen=True)
class Finding:
    """One ranked statement. ``text`` is plain text (escape it where it is shown); ``runs``
    names the run(s) it comes from; ``anchor`` is the report section holding the details."""

    score: float
    text: str
    runs: tuple[str, ...]
    anchor: str
    kind: str


def format_p(p: float | None) -> str:
    """'= 0.03', '< 0.001' or '= n/a', to follow 'p' or 'Holm p'."""
    if p is None:
        return "= n/a"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def _share(v: float | None) -> str:
    if v is None:
        return "n/a"
    pct = 100 * v
    return f"{pct:.2f} %" if 0 < pct < 0.1 else f"{pct:.1f} %"


def _run_name(run: Run) -> str:
    return run.label if run.label == run.path.name else f"{run.label} ({run.path.name})"


def _ci(lo: float | None, hi: float | None, conf: float, digits: int) -> str:
    if lo is None or hi is None:
        return ""
    return f"{round(100 * conf)} % CI {lo:+.{digits}f} to {hi:+.{digits}f}, "


def _change(delta: float, unit: str, digits: int) -> str:
    word = "fell" if delta < 0 else "rose"
    return f"{word} {abs(delta):.{digits}f}{(' ' + unit) if unit else ''}"


def _link_findings(data: Any, by_path: dict[str, Run]) -> list[Finding]:
    out = []
    for link in data.links.get("languages", []):
        rows = [r for r in link["rows"] if r["delta_points"] is not None]
        losing_rare = sorted(
            (r for r in rows if r["rare"] and r["delta_points"] < 0),
            key=lambda r: (not r["flagged"], r["delta_points"]),
        )
        src = by_path.get(link["source_run"])
        runs = (_run_name(src) if src else link["corpus"], link["task"])
        digits = 1 if link["unit"] else 3
        declared = (
            "which trained on it"
            if link["trained_on"]
            else "which trained on it (declared with --link)"
        )
        # every flagged language, else only the largest drop (an unflagged drop is context)
        shown = [r for r in losing_rare if r["flagged"]][:3] or losing_rare[:1]
        for r in shown:
            text = (
                f"{r['name']} is {r['count']:,} of {link['agreed']:,} agreed utterances "
                f"({_share(r['share'])}) of {link['corpus']}; {link['task']} {r['name']} "
                f"{_change(r['delta_points'], link['unit'], digits)} ("
                f"{_ci(r['ci_low'], r['ci_high'], link['confidence'], digits)}"
                f"Holm p {format_p(r['p_holm'])}) across {link['from']} {ARROW} {link['to']} "
                f"({link['chain']}:{link['to_stage']}), {declared}"
                + (" — flagged rare & losing." if r["flagged"] else ".")
            )
            score = 100 + abs(r["delta_points"]) if r["flagged"] else 70
            out.append(Finding(score, text, runs, "links", "linked-loss"))
        c = link["spearman"]
        if c["rho"] is not None:
            out.append(
                Finding(
                    48,
                    f"Across {c['n']} languages, share of {link['corpus']} and change in "
                    f"{link['task']} across {link['chain']}:{link['to_stage']} correlate with "
                    f"Spearman ρ = {c['rho']:+.2f} (p {format_p(c['p'])}).",
                    runs,
                    "links",
                    "link-correlation",
                )
            )
    return out


def _eval_findings(run: Run, alpha: float, linked: set[tuple[str, str, str, str]]) -> list[Finding]:
    s = run.summary
    scale = eval_scale(s)
    unit, digits = ("points", 1) if scale == 100 else ("", 3)
    stats = s.get("statistics")
    conf = num(stats.get("confidence")) if isinstance(stats, dict) else None
    conf = conf if conf is not None and 0 < conf < 1 else 0.95
    out = []
    losses = []
    for st in eval_steps(s):
        delta, p = num(st.get("delta")), num(st.get("p_holm", st.get("p")))
        if delta is None or delta >= 0 or p is None or p >= alpha:
            continue
        key = (run.label, str(st.get("group")), str(st.get("chain")), str(st.get("to_stage")))
        if key in linked:
            continue
        losses.append((p, delta, st))
    losses.sort(key=lambda t: (t[0], t[1]))
    for p, delta, st in losses[:3]:
        lo, hi = num(st.get("delta_ci_low")), num(st.get("delta_ci_high"))
        text = (
            f"{run.label} {st.get('group')} {_change(delta * scale, unit, digits)} ("
            + _ci(
                None if lo is None else lo * scale, None if hi is None else hi * scale, conf, digits
            )
            + f"Holm p {format_p(p)}) across {st.get('from')} {ARROW} {st.get('to')} "
            f"({st.get('chain')} {st.get('from_stage')}{ARROW}{st.get('to_stage')})."
        )
        out.append(
            Finding(
                90 + min(abs(delta * scale), 9.0), text, (_run_name(run),), "evaluations", "loss"
            )
        )
    disparities = []
    for d in s.get("disparities") or []:
        if isinstance(d, dict) and num(d.get("range")) is not None:
            disparities.append(d)
    if disparities:
        d = max(disparities, key=lambda d: num(d.get("range")) or 0.0)
        out.append(
            Finding(
                50,
                f"In {run.label}, the changes across {d.get('chain')} {d.get('from_stage')}"
                f"{ARROW}{d.get('to_stage')} differ by {scale * num(d['range']):.{digits}f}"
                f"{(' ' + unit) if unit else ''} between {d.get('max_group')} and "
                f"{d.get('min_group')}.",
                (_run_name(run),),
                "evaluations",
                "disparity",
            )
        )
    return out


def _lang_findings(run: Run) -> list[Finding]:
    langs = lang_languages(run.summary)
    if not langs:
        return []
    thr = lang_threshold(run.summary)
    agreed = sum(r["count"] for r in langs)
    low = [r for r in langs if r["count"] < thr]
    top = langs[0]
    text = (
        f"{top['name']} is {_share(top['share'])} of the {agreed:,} agreed utterances of "
        f"{run.label}; {len(low)} of its {len(langs)} languages have fewer than {thr:,} "
        "utterances."
    )
    return [Finding(40, text, (_run_name(run),), "languages", "language-mix")]


def _probe_findings(run: Run, alpha: float) -> list[Finding]:
    s = run.summary
    rows = probe_countries(s)
    out = []
    ref = s.get("reference_country")
    if isinstance(ref, str) and rows:
        hit = next((r for r in rows if r["country"] == ref or r.get("iso3") == ref), None)
        below = num(s.get("share_ranked_below_reference"))
        if hit is not None and hit["rank"] is not None:
            out.append(
                Finding(
                    55,
                    f"{run.label} ranks {ref} {int(hit['rank'])} of {len(rows)} countries"
                    + (
                        f"; {_share(below)} of countries rank below it."
                        if below is not None
                        else "."
                    ),
                    (_run_name(run),),
                    "countries",
                    "reference-rank",
                )
            )
    corr = [(n, c) for n, c in probe_correlations(s).items() if c["rho"] is not None]
    corr.sort(key=lambda t: (t[1]["p"] is None, t[1]["p"] or 0.0))
    for name, c in corr[:1]:
        sig = c["p"] is not None and c["p"] < alpha
        out.append(
            Finding(
                45 + (5 if sig else 0),
                f"{run.label}'s country ranking correlates with the {name} survey: Spearman "
                f"ρ = {c['rho']:+.2f} (p {format_p(c['p'])}"
                + (f", n = {int(c['n'])}" if c["n"] is not None else "")
                + ").",
                (_run_name(run),),
                "countries",
                "survey-correlation",
            )
        )
    return out


def _country_link_findings(data: Any) -> list[Finding]:
    out = []
    for link in data.links.get("countries", []):
        c = link["spearman"]
        if c["rho"] is None:
            continue
        out.append(
            Finding(
                47,
                f"{link['rm']}'s country ranking and {link['lm']}'s likelihood ranking "
                f"correlate with Spearman ρ = {c['rho']:+.2f} (p {format_p(c['p'])}, "
                f"n = {c['n']} countries).",
                (link["rm"], link["lm"]),
                "links",
                "country-link",
            )
        )
    return out


def _declared_link_findings(data: Any) -> list[Finding]:
    """Findings a link kind computes itself (``link["findings"]``: [{score, text}])."""
    out = []
    for name, links in data.links.items():
        for link in links:
            for f in link.get("findings") or ():
                runs = tuple(str(link.get(k)) for k in ("source_run", "target") if link.get(k))
                out.append(Finding(float(f["score"]), str(f["text"]), runs, "links", name))
    return out


def compute_findings(data: Any) -> list[Finding]:
    """Ranked findings of a ReportData (the highest score first; at most max_findings)."""
    alpha = data.options.links.alpha
    by_path = {r.path.name: r for r in data.runs}
    out = _link_findings(data, by_path)
    linked = {
        (link["task"], r["group"], link["chain"], link["to_stage"])
        for link in data.links.get("languages", [])
        for r in link["rows"]
        if r["rare"] and (r["delta_points"] or 0) < 0
    }
    for run in data.runs:
        if run.kind == "eval":
            out += _eval_findings(run, alpha, linked)
        elif run.kind == "lang":
            out += _lang_findings(run)
        elif run.kind == "probe-rm" and not run.is_comparison:
            out += _probe_findings(run, alpha)
    out += _country_link_findings(data)
    out += _declared_link_findings(data)
    order = sorted(range(len(out)), key=lambda i: (-out[i].score, i))
    return [out[i] for i in order][: data.options.max_findings]
