"""Link kind ``rm-languages``: a reward model's languages beside its preference data's.

Joins a `probe-rm` run that ranks languages (`--probes languages`, a `{language}` template
probe) or measures accuracy by language (`--pairs`) to a `lang` run of the RM's preference
data, declared with ``auditkit report RM_RUN LANG_RUN --link RM_RUN=LANG_RUN``. Per language:
its share (and count) of the preference data's agreed utterances beside its mean rank (lower =
more favoured) or pairwise accuracy, the Spearman correlation of share and value with n, and
the languages that are *rare and disfavoured*: rare below the lang run's low-resource threshold
(or --rare-below) and disfavoured against the reference language (English) by the RM:

* language probe: the language's mean-rank CI lies entirely above the reference language's
  mean rank (it ranks worse, beyond resampling noise);
* pairs: its accuracy is below the reference language's with Holm-corrected p < alpha.

The link carries its own ``findings`` (score, text), which the report lists with the others.
Reads summaries only (no import of the probes or langid sides).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from auditkit.report.links import LinkKind, LinkOptions, finite_spearman, register_link_kind
from auditkit.report.runs import Run, lang_languages, lang_threshold, num


def _probe_rows(summary: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str] | None:
    """(value name, per-language rows, reference code) of a language probe or pairs run."""
    if isinstance(summary.get("languages"), list):
        ref = summary.get("reference_language")
        return "mean_rank", [r for r in summary["languages"] if isinstance(r, dict)], str(ref)
    pa = summary.get("pairwise_accuracy")
    if isinstance(pa, dict) and isinstance(pa.get("by_language"), list):
        rows = [r for r in pa["by_language"] if isinstance(r, dict)]
        return "accuracy", rows, str(pa.get("reference_language"))
    return None


def accepts(run: Run) -> bool:
    return run.kind == "probe-rm" and _probe_rows(run.summary) is not None


def rm_language_link(
    rm: Run, lang: Run, chain_step: Any, options: LinkOptions = LinkOptions()
) -> list[dict[str, Any]]:
    got = _probe_rows(rm.summary)
    if got is None:
        return []
    value, rows_in, ref = got
    rare_below = (
        options.rare_below if options.rare_below is not None else lang_threshold(lang.summary)
    )
    rows = _language_rows(value, rows_in, ref, lang, rare_below, options.alpha)
    corr = finite_spearman(
        np.array([np.nan if r["share"] is None else r["share"] for r in rows]),
        np.array([np.nan if r[value] is None else r[value] for r in rows]),
    )
    flagged = [r for r in rows if r["flagged"]]
    rule = (
        f"mean-rank CI entirely worse than {ref}'s mean rank"
        if value == "mean_rank"
        else f"accuracy below {ref}'s with Holm p < {options.alpha:g}"
    )
    return [
        {
            "rm": rm.label,
            "corpus": lang.label,
            "value": value,
            "reference_language": ref,
            "rare_below": rare_below,
            "disfavoured_rule": rule,
            "rows": rows,
            "spearman": corr,
            "flagged": [r["code"] for r in flagged],
            "findings": _findings(rm, lang, value, flagged, corr, rare_below, rule),
        }
    ]


def _language_rows(
    value: str,
    rows_in: list[dict[str, Any]],
    ref: str,
    lang: Run,
    rare_below: int,
    alpha: float,
) -> list[dict[str, Any]]:
    """The probe's rows beside each language's corpus count and share, by share."""
    langs = {r["code"]: r for r in lang_languages(lang.summary)}
    ref_row = next((r for r in rows_in if str(r.get("code")) == ref), None)
    ref_mean = num(ref_row.get("mean_rank")) if ref_row else None
    rows = []
    for r in rows_in:
        code = str(r.get("code"))
        lr = langs.get(code, {})
        count = int(lr.get("count", 0))
        if value == "mean_rank":
            lo = num(r.get("ci_low"))
            disfavoured = code != ref and ref_mean is not None and lo is not None and lo > ref_mean
        else:
            gap, p = num(r.get("gap_to_reference")), num(r.get("p_holm"))
            disfavoured = gap is not None and gap < 0 and p is not None and p < alpha
        rare = count < rare_below
        rows.append(
            {
                "code": code,
                "name": str(r.get("name") or lr.get("name") or code),
                "count": count,
                "share": lr.get("share", 0.0),
                value: num(r.get(value)),
                "ci_low": num(r.get("ci_low")),
                "ci_high": num(r.get("ci_high")),
                "n": int(num(r.get("n")) or 0),
                "rare": rare,
                "disfavoured": bool(disfavoured),
                "flagged": bool(rare and disfavoured),
            }
        )
    rows.sort(key=lambda r: (-(r["share"] or 0.0), r["code"]))
    return rows


def _findings(
    rm: Run,
    lang: Run,
    value: str,
    flagged: list[dict[str, Any]],
    corr: dict[str, Any],
    rare_below: int,
    rule: str,
) -> list[dict[str, Any]]:
    findings = []
    if flagged:
        names = ", ".join(
            f"{r['name']} ({r['code']}, {r['count']} utterances)" for r in flagged[:8]
        )
        findings.append(
            {
                "score": 95,
                "text": f"{rm.label} disfavours languages that are rare in {lang.label} "
                f"(< {rare_below} utterances): {names}"
                + (f" and {len(flagged) - 8} more" if len(flagged) > 8 else "")
                + f" ({rule}).",
            }
        )
    if corr["rho"] is not None:
        what = "mean rank" if value == "mean_rank" else "pairwise accuracy"
        findings.append(
            {
                "score": 50,
                "text": f"{rm.label}'s per-language {what} and the languages' shares of "
                f"{lang.label} correlate with Spearman ρ = {corr['rho']:+.2f} "
                f"(p = {corr['p']:.2g}, n = {corr['n']} languages).",
            }
        )
    return findings


RM_LANGUAGES = register_link_kind(
    LinkKind(
        name="rm-languages",
        source_kind="probe-rm",
        target_kind="lang",
        description="a reward model's per-language mean rank or pairwise accuracy beside each "
        "language's share of its preference data",
        build=rm_language_link,
        accepts=accepts,
    )
)
