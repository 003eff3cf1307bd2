"""The HTML report: one self-contained file (inline CSS and SVG; no scripts, fonts, images or
map tiles from anywhere), deterministic for the same run folders so reports can be diffed.

Layout: findings first (section ``id="findings"``, before any chart), a sticky table of
contents, one collapsible card per part, charts scaled to the card width, tables that scroll
inside their card, and a single column at phone width.

Every value that comes from a run folder is untrusted: text is HTML-escaped where it is
written, and numbers are read as numbers (:func:`auditkit.report.runs.num`) before they are
formatted, so an edited summary.json cannot put markup or script into the page.

"""

from __future__ import annotations

from auditkit import __version__
from auditkit.report.html.blocks import (
    CSS,
    card,
    esc,
    table,
)
from auditkit.report.html.link_sections import LINK_RENDERERS, generic_links_section
from auditkit.report.html.sections import (
    eval_section,
    lang_section,
    named_countries_section,
    probe_heatmaps,
    probe_section,
)
from auditkit.report.links import LINK_KINDS
from auditkit.report.model import ReportData
from auditkit.report.runs import (
    Run,
)


def _audit_section(runs: list[Run]) -> str:
    rows = []
    for r in runs:
        a = r.audit if isinstance(r.audit, dict) else {}
        inputs = a.get("inputs") if isinstance(a.get("inputs"), list) else []
        fp = []
        for inp in inputs[:4]:
            if not isinstance(inp, dict):
                continue
            name = inp.get("path") or inp.get("hub_id") or "?"
            h = (
                inp.get("sha256")
                or inp.get("revision")
                or (f"{len(inp['files'])} files" if isinstance(inp.get("files"), dict) else "")
            )
            fp.append(f"{name} {str(h)[:12]}")
        versions = a.get("versions") if isinstance(a.get("versions"), dict) else {}
        rows.append(
            [
                r.kind,
                r.label,
                str(r.path),
                a.get("finished", "–"),
                "; ".join(fp) + (" …" if len(inputs) > 4 else "") or "–",
                f"auditkit {versions.get('auditkit', '?')}" if versions else "no audit.json",
                r.content_hash[:12],
                ", ".join(str(c) for c in r.copies) or "–",
            ]
        )
    return table(
        [
            "kind",
            "run",
            "folder",
            "finished",
            "inputs (sha256 / revision)",
            "versions",
            "summary sha256",
            "same summary also in",
        ],
        rows,
    )


def _findings_section(data: ReportData) -> str:
    if not data.findings:
        return card(
            "findings",
            "Findings",
            "<p class='muted'>No findings: the runs hold no language shares, changes, "
            "rankings or correlations to report.</p>",
            collapsible=False,
        )
    items = "".join(
        f"<li data-finding='{esc(f.kind)}'>{esc(f.text)} <span class='src'>— from "
        f"{esc(', '.join(f.runs))} (<a href='#{esc(f.anchor)}'>details</a>)</span></li>"
        for f in data.findings
    )
    rule = data.options.links.loss_rule()
    return card(
        "findings",
        "Findings",
        f"<ol>{items}</ol><p class='muted'>Ranked, computed from the run summaries: losses "
        f"significant after Holm correction first, then declared skew → gap links, "
        f"disparities, rankings and correlations. Rare &amp; losing means {esc(rule)}.</p>",
        collapsible=False,
    )


_TOC = (
    ("findings", "Findings"),
    ("languages", "Languages"),
    ("corpus-countries", "Countries named"),
    ("countries", "Countries"),
    ("evaluations", "Evaluations"),
    ("links", "Skew → gap links"),
    ("audit", "Audit records"),
)


def render_html(data: ReportData) -> str:
    """The whole report as one HTML string."""
    by_kind = {k: [r for r in data.runs if r.kind == k] for k in ("lang", "probe-rm", "eval")}
    by_kind["countries"] = [r for r in data.runs if r.kind == "countries"]
    return "".join(
        [
            _head(data, by_kind),
            _toc(by_kind),
            "</nav><main>",
            _findings_section(data),
            *_run_cards(data, by_kind),
            card("links", "Skew → gap links", _links_body(data)),
            _audit_card(data.runs),
            "</main>",
            f"<footer>auditkit {esc(__version__)} · world geometry: Natural Earth 1:110m "
            "(public domain)</footer>",
            "</body></html>\n",
        ]
    )


def _head(data: ReportData, by_kind: dict[str, list[Run]]) -> str:
    """Everything up to the table of contents: the page head, the title and the run counts."""
    o = data.options
    probes = by_kind["probe-rm"]
    n_copies = sum(len(r.copies) for r in data.runs)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(o.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{esc(o.title)}</h1><p>{len(by_kind['lang'])} corpus run(s), "
        f"{sum(not r.is_comparison for r in probes)} probe run(s), "
        f"{len(by_kind['eval'])} evaluation run(s)"
        + (f" ({n_copies} duplicate folder(s) shown once)" if n_copies else "")
        + f". Generated by auditkit {esc(__version__)}; this file loads nothing from the "
        "network.</p></header>"
        "<nav class='toc' aria-label='Contents'>"
    )


def _toc(by_kind: dict[str, list[Run]]) -> str:
    present = {
        "languages": by_kind["lang"],
        "corpus-countries": by_kind["countries"],
        "countries": by_kind["probe-rm"],
        "evaluations": by_kind["eval"],
    }
    return "".join(
        f"<a href='#{anchor}'>{name}</a>" for anchor, name in _TOC if present.get(anchor, True)
    )


def _run_cards(data: ReportData, by_kind: dict[str, list[Run]]) -> list[str]:
    """One card per kind of run present: corpora, countries named, rankings, evaluations."""
    o = data.options
    langs, named = by_kind["lang"], by_kind["countries"]
    probes, evals = by_kind["probe-rm"], by_kind["eval"]
    cards = []
    if langs:
        cards.append(
            card(
                "languages",
                "Corpus language mix",
                "<p class='muted'>Utterances labelled by two language-ID detectors; a label "
                "counts only where both agree.</p>"
                + "".join(lang_section(r, i, o.top_languages) for i, r in enumerate(langs)),
            )
        )
    if named:
        cards.append(
            card(
                "corpus-countries",
                "Countries named in corpora",
                "<p class='muted'>Country names, demonyms and localised names matched in "
                "every utterance; ambiguous names are not counted.</p>"
                + "".join(named_countries_section(r) for r in named),
            )
        )
    if probes:
        cards.append(
            card(
                "countries",
                "Country rankings of reward models and LMs",
                "".join(probe_section(r, i) for i, r in enumerate(probes) if not r.is_comparison)
                + probe_heatmaps(probes),
            )
        )
    if evals:
        cards.append(
            card(
                "evaluations",
                "Evaluations along alignment chains",
                "".join(eval_section(r, i, o.links.alpha) for i, r in enumerate(evals)),
            )
        )
    return cards


def _links_body(data: ReportData) -> str:
    o = data.options
    links = []
    if data.links.get("languages", []):
        links.append(
            "<p>For each evaluated language: its share of the corpus beside the change in its "
            "score across the chain step that trained on the corpus. Flagged: fewer than the "
            f"rare threshold of utterances <em>and</em> {esc(o.links.loss_rule())}.</p>"
        )
    for kind in LINK_KINDS.values():
        kind_links = data.links.get(kind.name, [])
        if kind_links:
            if kind.name == "countries":
                links.append(
                    "<p>For countries: a reward model's mean rank beside an LM's likelihood "
                    "rank.</p>"
                )
            render = LINK_RENDERERS.get(kind.name, generic_links_section)
            links.append(render(kind_links))
    if data.link_hint:
        links.append(f"<p class='muted' id='link-hint'>{esc(data.link_hint)}</p>")
    if not sum(len(v) for v in data.links.values()) and not data.link_hint:
        links.append(
            "<p class='muted'>No links: a link joins a <code>lang</code> run to the chain step "
            "of a language <code>eval</code> run (TyDiQA, Belebele) that trained on it, or a "
            "reward-model <code>probe-rm</code> run to an LM-likelihood one; declare others "
            "with <code>--link SOURCE_RUN=TARGET</code>.</p>"
        )
    return "".join(links)


def _audit_card(runs: list[Run]) -> str:
    return card(
        "audit",
        "Audit records",
        "<p class='muted'>Each run folder's audit.json; <code>auditkit rerun "
        "FOLDER/audit.json</code> re-runs it. A run is identified by its summary's "
        "sha256: folders holding the same summary appear once.</p>" + _audit_section(runs),
    )
