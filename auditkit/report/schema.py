"""The shapes `report` and `check` validate before reading: each kind's summary.json is
declared once, in :mod:`auditkit.summaries` (the TypedDicts its writer is annotated with);
this module adds the part of audit.json the report shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypedDict

from auditkit.summaries import validate, validate_summary

__all__ = ["AuditView", "validate_audit", "validate_summary"]


class AuditInput(TypedDict, total=False):
    path: str | None
    sha256: str | None
    hub_id: str | None
    revision: str | None


class AuditView(TypedDict, total=False):
    """The parts of audit.json the report shows (inputs and versions); rerun checks the rest."""

    kind: str | None
    summary_version: int | None
    inputs: list[AuditInput] | None
    versions: dict[str, str | None] | None
    platform: dict[str, str | None] | None
    started: str | None
    finished: str | None


def validate_audit(record: Any, where: Path) -> None:
    validate(record, AuditView, where)
