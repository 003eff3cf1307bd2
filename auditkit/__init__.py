"""auditkit: audit the data and models of LLM alignment for global representation.

Operationalises Ryan, Held & Yang, "Unintended Impacts of LLM Alignment on Global
Representation" (ACL 2024, arXiv:2402.15018).

Python API (see auditkit.api): ``auditkit.lang``, ``auditkit.probe_rm``, ``auditkit.eval_run``,
``auditkit.eval_score``, ``auditkit.report``, ``auditkit.check``. They are imported on first
use, so ``import auditkit`` (and the CLI) stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "EvalResult",
    "LangResult",
    "ProbeResult",
    "ReportResult",
    "RunResult",
    "check",
    "eval_run",
    "eval_score",
    "lang",
    "probe_rm",
    "report",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from auditkit import api

        return getattr(api, name)
    raise AttributeError(f"module 'auditkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
