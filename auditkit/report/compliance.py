"""Compliance Markdown for curators before a release, computed from the run folders:

1. a language section for the EU AI Act public summary of training content (Commission
   template, section 1.3: modalities, size and other characteristics of the training data,
   including its linguistic characteristics);
2. a dataset-card fragment (Languages; Bias, Risks, and Limitations);
3. Croissant RAI fields (``rai:dataBiases``, ``rai:dataLimitations``) as JSON-LD.

Every sentence states a measured number and where it came from; nothing is boilerplate
that could be true of any corpus. The record opens with the report's findings.

Text from run folders is escaped for Markdown (:func:`md`, :func:`md_code`): a corpus or
model name cannot add markup, links, HTML or lines to the record. Paths are written relative
to the run folder (or as the corpus's Hub id), never as the absolute paths of the machine
that made the report.
"""

from __future__ import annotations

import json
import os
import re
from functools import partial
from pathlib import Path
from typing import Any

from auditkit import __version__
from auditkit.report.formatting import pct
from auditkit.report.model import ReportData
from auditkit.report.runs import (
    KINDS,
    Run,
    eval_scale,
    lang_languages,
    lang_threshold,
    lang_totals,
    num,
    probe_correlations,
    probe_countries,
    probe_scorer,
)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
# Inline Markdown / HTML syntax; '#', list markers and numbers only matter at the start.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~&!])")
_MD_START = re.compile(r"^(\s*)([#+=>-])")


def md(text: Any) -> str:
    """Data as literal Markdown text: one line, syntax characters backslash-escaped, and bare
    URLs broken so that GFM does not autolink them."""
    t = _CONTROL.sub(" ", str(text))
    t = _MD_INLINE.sub(r"\\\1", t)
    t = _MD_START.sub(r"\1\\\2", t)
    t = re.sub(r"^(\s*\d+)([.)])", r"\1\\\2", t)
    t = re.sub(r"://", r"\\://", t)
    t = re.sub(r"(?i)\b(www)\.", r"\1\\.", t)
    return t


def md_code(text: Any) -> str:
    """Data as a Markdown code span, fenced with more backticks than it holds."""
    t = _CONTROL.sub(" ", str(text))
    longest = max((len(r) for r in re.findall(r"`+", t)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if t.startswith(("`", " ")) or t.endswith(("`", " ")) or not t else ""
    return f"{fence}{pad}{t}{pad}{fence}"


def _yaml_item(code: str) -> str:
    """A YAML list item: plain when it is a simple tag, else a JSON (= YAML) string."""
    return code if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]*", code) else json.dumps(code)


def shown_path(path: Any, run_dir: Path) -> str:
    """A path as the record shows it: relative paths as recorded; an absolute one relative to
    the run folder when it is near it, else its file name (the sha256 beside it identifies
    the file)."""
    p = str(path)
    if not os.path.isabs(p):
        return p
    rel = os.path.relpath(p, run_dir)
    return rel if rel.split(os.sep)[:3].count("..") <= 2 else os.path.basename(p)


CROISSANT_CONTEXT = {
    "@vocab": "https://schema.org/",
    "sc": "https://schema.org/",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "dct": "http://purl.org/dc/terms/",
}
# Languages at or above this share are listed by name in prose; the rest are counted.
MAIN_LANGUAGE_SHARE = 0.01


_pct = partial(pct, missing="n/a")  # prose says n/a where a table shows a dash


def _detectors(s: dict[str, Any]) -> str:
    """The detectors' names and versions, escaped."""
    d = s.get("detectors")
    if not isinstance(d, dict) or not d:
        return "two language-ID detectors"
    parts = []
    for name, info in d.items():
        if isinstance(info, dict):
            v = info.get("version")
            parts.append(md(f"{info.get('name', name)}" + (f" {v}" if v else "")))
        else:
            parts.append(md(name))
    return " and ".join(parts)


def _fingerprint(run: Run) -> str:
    audit = run.audit if isinstance(run.audit, dict) else {}
    inputs = audit.get("inputs") if isinstance(audit.get("inputs"), list) else []
    out = []
    for inp in inputs[:3]:
        if isinstance(inp, dict):
            if inp.get("sha256"):
                path = shown_path(inp.get("path", "?"), run.path)
                out.append(f"{md_code(path)} sha256 {md_code(inp['sha256'])}")
            elif inp.get("hub_id"):
                out.append(
                    f"{md_code(inp['hub_id'])} revision {md_code(inp.get('revision') or 'unpinned')}"
                )
    return "; ".join(out)


def linguistic_section(run: Run) -> list[str]:
    s = run.summary
    langs = lang_languages(s)
    tot = lang_totals(s)
    thr = lang_threshold(s)
    total, agreed = tot["total"] or 0, tot["agreed"] or 0
    main = [r for r in langs if r["share"] >= MAIN_LANGUAGE_SHARE]
    minor = [r for r in langs if r["share"] < MAIN_LANGUAGE_SHARE]
    rare = [r for r in langs if r["count"] < thr]
    lines = [
        f"### Corpus {md_code(run.label)}",
        "",
        f"- **Languages covered**: {len(langs)} languages were identified in {agreed:,} of "
        f"{total:,} text utterances ({_pct(agreed / total if total else None)}), where "
        f"{_detectors(s)} agree on the language.",
        "- **Main languages** (≥ 1% of identified utterances): "
        + (
            ", ".join(f"{md(r['name'])} ({md(r['code'])}) {_pct(r['share'])}" for r in main)
            or "none"
        )
        + ".",
        f"- **Other languages**: {len(minor)} languages below 1% together make up "
        f"{_pct(sum(r['share'] for r in minor), 2)}"
        + (f"; {len(rare)} have fewer than {thr} utterances." if rare else "."),
    ]
    if num(s.get("non_english_share")) is not None:
        lines.append(
            f"- **Non-English share**: {_pct(num(s['non_english_share']), 2)} of identified "
            "utterances."
        )
    undetermined = (tot["disagreed"] or 0) + (tot["low_confidence"] or 0)
    lines.append(
        f"- **Not identified**: {undetermined:,} utterances ({_pct(undetermined / total if total else None)}) "
        f"where the detectors disagree, and {tot['empty'] or 0:,} empty after preparation."
    )
    fp = _fingerprint(run)
    if fp:
        lines.append(f"- **Measured on**: {fp}.")
    lines.append("")
    return lines


def _by_kind(runs: list[Run]) -> list[Run]:
    """Corpus runs first, then probes, then evaluations (stable within a kind)."""
    return sorted(runs, key=lambda r: KINDS.index(r.kind))


def _biases(data: ReportData, esc: Any = str) -> list[str]:
    """Measured skews, one sentence each (used by the card and by rai:dataBiases).

    esc: how data is escaped (``md`` for the Markdown, ``str`` for the JSON-LD strings).
    """
    out = []
    for run in _by_kind(data.runs):
        if run.kind == "probe-rm" and run.is_comparison:
            continue
        write = _BIAS_WRITERS.get(run.kind)
        if write is not None:
            out += write(run, esc)
    for link in data.links.get("languages", []):
        out += _language_link_biases(link, esc)
    return out


def _lang_biases(run: Run, esc: Any) -> list[str]:
    s, label, out = run.summary, esc(run.label), []
    langs = lang_languages(s)
    if langs:
        top = langs[0]
        out.append(
            f"{label}: {esc(top['name'])} makes up {_pct(top['share'])} of the "
            f"utterances with an identified language; {len(langs) - 1} other languages "
            "share the rest."
        )
    study = s.get("study_languages")
    if isinstance(study, dict) and study:
        thr = lang_threshold(s)
        low = {c: n for c, v in study.items() if (n := num(v)) is not None and n < thr}
        if low:
            out.append(
                f"{label}: study languages below {thr} utterances: "
                + ", ".join(f"{esc(c)} {n:,.0f}" for c, n in low.items())
                + "."
            )
    return out


def _probe_biases(run: Run, esc: Any) -> list[str]:
    s, label, out = run.summary, esc(run.label), []
    rows = probe_countries(s)
    kind = "reward model" if probe_scorer(s) != "lm" else "language model"
    if rows:
        out.append(
            f"The {kind} {label} ranks {esc(rows[0]['country'])} highest and "
            f"{esc(rows[-1]['country'])} lowest of {len(rows)} countries in "
            "counterfactual country templates."
        )
    for name, c in probe_correlations(s).items():
        if c["rho"] is not None:
            out.append(
                f"{label}'s country ranking correlates with the {esc(name)} survey of "
                f"one country's opinions (Spearman ρ = {c['rho']:.2f}"
                + (f", n = {c['n']:.0f}" if c["n"] is not None else "")
                + ")."
            )
    below = num(s.get("share_ranked_below_reference"))
    if s.get("reference_country") and below is not None:
        out.append(
            f"{_pct(below)} of countries are ranked below {esc(s['reference_country'])} by {label}."
        )
    return out


def _countries_biases(run: Run, esc: Any) -> list[str]:
    s = run.summary
    rows = [r for r in s.get("countries") or [] if isinstance(r, dict)]
    if not rows:
        return []
    top = ", ".join(f"{esc(r.get('name'))} {_pct(num(r.get('share')))}" for r in rows[:3])
    never = s.get("study_never_mentioned") or []
    return [
        f"{esc(run.label)} names {len(rows)} countries; the most named: {top}; "
        f"{len(never)} of the study's 181 countries are never named."
    ]


def _eval_biases(run: Run, esc: Any) -> list[str]:
    s, out = run.summary, []
    scale = eval_scale(s)
    unit = " points" if scale == 100 else ""
    disparities = s.get("disparities")
    for d in disparities if isinstance(disparities, list) else []:
        rng = num(d.get("range")) if isinstance(d, dict) else None
        if rng is not None and d.get("to_stage"):
            out.append(
                f"{esc(run.label)} ({esc(s.get('metric'))}), {esc(d.get('chain'))} "
                f"{esc(d.get('from_stage'))}→{esc(d.get('to_stage'))}: the change "
                f"differs by {scale * rng:.{1 if scale == 100 else 3}f}{unit} between "
                f"{esc(d.get('max_group'))} and {esc(d.get('min_group'))}."
            )
    return out


_BIAS_WRITERS = {
    "lang": _lang_biases,
    "probe-rm": _probe_biases,
    "countries": _countries_biases,
    "eval": _eval_biases,
}


def _language_link_biases(link: dict[str, Any], esc: Any) -> list[str]:
    out = []
    for r in link["rows"]:
        if r["flagged"]:
            out.append(
                f"{esc(r['name'])} has {r['count']:,} utterances in {esc(link['corpus'])} "
                f"(below {link['rare_below']}) and its {esc(link['task'])} "
                f"{esc(link['metric'])} changes by {r['delta_points']:+.1f} {link['unit']} "
                f"across {esc(link['chain'])} {esc(link['from_stage'])}→"
                f"{esc(link['to_stage'])}, the step that trained on it (n = {r['n_items']} "
                "items, Holm p = " + ("n/a" if r["p_holm"] is None else f"{r['p_holm']:.2g}") + ")."
            )
    c = link["spearman"]
    if c["rho"] is not None:
        out.append(
            f"Across {c['n']} evaluated languages, corpus share and the change in "
            f"{esc(link['task'])} across {esc(link['chain'])}:{esc(link['to_stage'])} "
            f"correlate with Spearman ρ = {c['rho']:.2f} (p = {c['p']:.2g})."
        )
    return out


def _limitations(data: ReportData, esc: Any = str) -> list[str]:
    out = []
    for run in _by_kind(data.runs):
        s = run.summary
        label = esc(run.label)
        if run.kind == "lang":
            tot = lang_totals(s)
            total = tot["total"] or 0
            dis = (tot["disagreed"] or 0) + (tot["low_confidence"] or 0)
            out.append(
                f"{label}: language shares count only utterances where both detectors agree; "
                f"{dis:,} of {total:,} ({_pct(dis / total if total else None)}) are "
                "undetermined, and code-mixed, very short or code-heavy utterances are the most "
                "likely to be."
            )
            skips = s.get("skips")
            skipped = num(skips.get("total")) if isinstance(skips, dict) else None
            if skipped:
                out.append(
                    f"{label}: {skipped:,.0f} records were skipped while reading (see "
                    "summary.json)."
                )
        elif run.kind == "probe-rm" and not run.is_comparison:
            out.append(
                f"{label}: country preferences are measured with templated prompts in English; "
                "they show what the model prefers in those templates, not what people think."
            )
        elif run.kind == "eval":
            groups = s.get("groups") if isinstance(s.get("groups"), list) else []
            out.append(
                f"{label}: {len(groups)} {esc(s.get('group_label', 'group'))}s evaluated; "
                "groups with few items have wide confidence intervals."
            )
    for link in data.links.get("languages", []):
        out.append(
            f"The skew → gap link for {esc(link['corpus'])} × {esc(link['task'])} rests on "
            f"{link['spearman']['n']} languages; a rank correlation over so few points is "
            "descriptive, not causal."
        )
    return out


def croissant_rai(data: ReportData) -> dict[str, Any]:
    langs: list[str] = []
    names = []
    for run in data.runs:
        if run.kind == "lang":
            names.append(run.label)
            for r in lang_languages(run.summary):
                if r["code"] not in langs and r["code"] not in ("und", "empty"):
                    langs.append(r["code"])
    return {
        "@context": CROISSANT_CONTEXT,
        "@type": "sc:Dataset",
        "name": ", ".join(names) or "audited dataset",
        "dct:conformsTo": "http://mlcommons.org/croissant/RAI/1.0",
        "inLanguage": langs,
        "rai:dataBiases": _biases(data),
        "rai:dataLimitations": _limitations(data),
    }


def render_compliance(data: ReportData) -> str:
    """The compliance Markdown (findings first)."""
    lines = [
        f"# {md(data.options.title)}: compliance record",
        "",
        f"Generated by auditkit {__version__} from {len(data.runs)} run folder(s): "
        + ", ".join(f"{md_code(r.path.name)} ({r.kind})" for r in data.runs)
        + ". Each folder's `audit.json` holds input fingerprints, configuration and versions; "
        "`auditkit rerun FOLDER/audit.json` reproduces it.",
        "",
    ]
    langs_runs = [r for r in data.runs if r.kind == "lang"]
    lines += _findings_part(data)
    lines += _linguistic_part(langs_runs)
    lines += _dataset_card_part(data, langs_runs)
    lines += [
        "## 3. Croissant RAI",
        "",
        "`rai:dataBiases` and `rai:dataLimitations` of the Croissant Responsible-AI vocabulary, "
        "to merge into the dataset's Croissant metadata:",
        "",
        "```json",
        json.dumps(croissant_rai(data), indent=2, ensure_ascii=False),
        "```",
        "",
    ]
    return "\n".join(lines)


def _findings_part(data: ReportData) -> list[str]:
    lines = ["## Findings", ""]
    if data.findings:
        lines += [
            f"{i}. {md(f.text)} (from {', '.join(md_code(r) for r in f.runs)})"
            for i, f in enumerate(data.findings, 1)
        ]
    else:
        lines.append("_No findings: the runs hold no shares, changes, rankings or correlations._")
    return lines + [
        "",
        f"_Rare & losing_ means {md(data.options.links.loss_rule())}."
        + (f" {md(data.link_hint)}" if data.link_hint else ""),
        "",
    ]


def _linguistic_part(langs_runs: list[Run]) -> list[str]:
    """Section 1: for the EU AI Act public summary of training content."""
    lines = [
        "## 1. Linguistic characteristics of the training content",
        "",
        "For the EU AI Act public summary of training content (Commission template, section 1.3 "
        '"Modalities, overall training data size and other characteristics": linguistic '
        "characteristics of the text data).",
        "",
    ]
    for run in langs_runs:
        lines.extend(linguistic_section(run))
    if not langs_runs:
        lines += [
            "_No `lang` run was given: the languages of the training data were not measured._",
            "",
        ]
    return lines


def _dataset_card_part(data: ReportData, langs_runs: list[Run]) -> list[str]:
    """Section 2: the languages (with a YAML list) and the biases and limitations."""
    lines = ["## 2. Dataset card fragment", "", "### Languages", ""]
    for run in langs_runs:
        langs = lang_languages(run.summary)
        codes = [r["code"] for r in langs if r["code"] not in ("und", "empty")]
        lines.append(
            f"{md_code(run.label)} contains text in {len(codes)} languages (BCP-47, as "
            f"identified by {_detectors(run.summary)}): "
            + ", ".join(
                f"{md(r['name'])} ({md_code(r['code'])}, {r['count']:,})" for r in langs[:25]
            )
            + (f", and {len(langs) - 25} more" if len(langs) > 25 else "")
            + "."
        )
        lines += ["", "```yaml", "language:"] + [f"- {_yaml_item(c)}" for c in codes]
        lines += ["```", ""]
    if not langs_runs:
        lines += ["_Not measured._", ""]
    lines += ["### Bias, Risks, and Limitations", ""]
    lines += [f"- {b}" for b in _biases(data, md)] or ["- No skews were measured."]
    lines += [""] + [f"- _Limitation:_ {x}" for x in _limitations(data, md)] + [""]
    return lines
