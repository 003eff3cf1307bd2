"""`auditkit countries`' configuration: light (stdlib + auditkit.config), so the run-kind
registry and the CLI import it without loading the matcher."""

from __future__ import annotations

from dataclasses import dataclass

from auditkit.config import RunConfig, setting


@dataclass(frozen=True)
class CountriesConfig(RunConfig):
    """Everything that determines a run's rows (recorded in run.json and audit.json), and the
    one analysis option of its summary. Limits are the CLI's."""

    source: str = "sample"
    format: str | None = None
    split: str | None = None
    revision: str | None = None
    limit: int | None = setting(None, min=1)
    languages: str = "detect"  # detect | a lang run folder | a language code
    shard_size: int = setting(10_000, min=1)
    # confidence of the chosen/rejected ratio intervals: changes the summary, never a row
    ratio_confidence: float = setting(0.95, min=0.5, max=0.999, identity=False)
