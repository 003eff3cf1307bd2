"""Python API of `auditkit report` and `auditkit check` (the CLI is a thin layer over these)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditkit.io import atomic_write_bytes, holds_run_folder, write_json
from auditkit.report.links import LinkOptions, LinkSpec
from auditkit.report.model import ReportData, ReportOptions, build_report_data
from auditkit.report.policy import CheckResult, check_policy
from auditkit.report.runs import load_runs

HTML_FILE = "report.html"
COMPLIANCE_FILE = "compliance.md"
LINKS_FILE = "links.json"


@holds_run_folder(lambda a: a["out"])
def report(
    run_dirs: list[str | Path],
    html: str | Path | None = None,
    compliance: str | Path | None = None,
    out: str | Path | None = None,
    title: str = "auditkit report",
    top_languages: int = 30,
    rare_below: int | None = None,
    min_loss_points: float | None = None,
    alpha: float = 0.05,
    links: list[str] | tuple[str, ...] = (),
) -> ReportData:
    """Load run folders, compute the declared links and the findings, and write the files.

    html: the self-contained HTML report. compliance: the compliance Markdown. out: a folder
    that receives report.html, compliance.md and links.json (the computed links as JSON).
    links: declarations 'SOURCE_RUN=TARGET' (TARGET: 'CHAIN:STEP' or another run's folder
    or name), as ``--link`` takes them. min_loss_points: flag a rare language's drop of more
    than this many points [default: flag only drops significant after Holm correction].
    """
    from auditkit.report.compliance import render_compliance
    from auditkit.report.html import render_html

    opts = ReportOptions(
        title=title,
        top_languages=top_languages,
        links=LinkOptions(rare_below=rare_below, min_loss_points=min_loss_points, alpha=alpha),
        link_specs=tuple(LinkSpec.parse(x) for x in links),
    )
    data = build_report_data(load_runs(run_dirs), opts)
    html_text = render_html(data) if (html or out) else None
    md_text = render_compliance(data) if (compliance or out) else None
    if html:
        _write_text(html, html_text)
    if compliance:
        _write_text(compliance, md_text)
    if out:
        d = Path(out)
        _write_text(d / HTML_FILE, html_text)
        _write_text(d / COMPLIANCE_FILE, md_text)
        write_json(d / LINKS_FILE, links_json(data))
    return data


def _write_text(path: str | Path, text: str) -> None:
    """Atomic write, then the permissions a plain open() would give: the temp file behind the
    atomic write is private (0600), but a report is meant to be shared and served."""
    atomic_write_bytes(path, text.encode("utf-8"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def links_json(data: ReportData) -> dict[str, Any]:
    return {
        "runs": [
            {
                "kind": r.kind,
                "label": r.label,
                "path": str(r.path),
                "summary_sha256": r.content_hash,
                "copies": [str(c) for c in r.copies],
            }
            for r in data.runs
        ],
        "options": {
            "rare_below": data.options.links.rare_below,
            "min_loss_points": data.options.links.min_loss_points,
            "alpha": data.options.links.alpha,
            "loss_rule": data.options.links.loss_rule(),
            "link": [f"{s.source}={s.target}" for s in data.options.link_specs],
        },
        "findings": [{"text": f.text, "runs": list(f.runs), "kind": f.kind} for f in data.findings],
        **data.links,
    }


@dataclass(frozen=True, repr=False)
class ReportResult(Mapping):
    """A report: ``data`` (runs, links), ``out``; reads like links.json."""

    data: ReportData
    out: Path | None = None

    def _links(self) -> dict[str, Any]:
        return links_json(self.data)

    def __getitem__(self, key: str) -> Any:
        return self._links()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._links())

    def __len__(self) -> int:
        return len(self._links())

    def __repr__(self) -> str:
        return f"ReportResult({len(self.data.runs)} runs, out={self.out})"

    def terminal(self) -> None:
        """Print the terminal report."""
        from auditkit.console import console
        from auditkit.report.terminal import print_report

        print_report(self.data, console)


def report_result(
    run_dirs: str | Path | Sequence[str | Path], out: str | Path | None = None, **options: Any
) -> ReportResult:
    """``auditkit.report(...)``: :func:`report` over one run folder or several, as a
    :class:`ReportResult`."""
    dirs = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    data = report(dirs, out=out, **options)
    return ReportResult(data, Path(out) if out else None)


def check(policy: str | Path, run_dirs: list[str | Path]) -> CheckResult:
    """Evaluate a policy file over run folders; ``.exit_code`` is 0 pass, 1 fail, 2 error."""
    return check_policy(policy, load_runs(run_dirs))
