"""What every report format is rendered from: the loaded runs, the declared links and the
findings computed from both."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditkit.report.links import LinkOptions, LinkSpec, compute_links, undeclared_hint
from auditkit.report.runs import Run


@dataclass(frozen=True)
class ReportOptions:
    title: str = "auditkit report"
    top_languages: int = 30
    links: LinkOptions = field(default_factory=LinkOptions)
    link_specs: tuple[LinkSpec, ...] = ()
    max_findings: int = 8


@dataclass
class ReportData:
    runs: list[Run]
    links: dict[str, list[dict[str, Any]]]
    options: ReportOptions
    findings: list[Any] = field(default_factory=list)
    link_hint: str | None = None


def build_report_data(runs: list[Run], options: ReportOptions | None = None) -> ReportData:
    from auditkit.report.findings import compute_findings

    opts = options or ReportOptions()
    links = compute_links(runs, opts.links, opts.link_specs)
    data = ReportData(runs=runs, links=links, options=opts)
    if not links.get("languages"):
        data.link_hint = undeclared_hint(runs)
    data.findings = compute_findings(data)
    return data
