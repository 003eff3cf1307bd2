"""`auditkit lang`'s configuration: light (stdlib + auditkit.config), so the run-kind registry
and the CLI import it without loading a detector."""

from __future__ import annotations

from dataclasses import dataclass

from auditkit.config import RunConfig, setting

LANGDETECT_IMPLS = ("auto", "fast", "reference")


@dataclass(frozen=True)
class LangConfig(RunConfig):
    """Everything that determines the labels of a run (recorded in run.json and audit.json).
    Limits are the CLI's, so a record replayed by `auditkit rerun` is checked alike."""

    source: str = "sample"
    format: str | None = None
    split: str | None = None
    revision: str | None = None
    strip_code: bool = False
    min_confidence: float = setting(0.0, min=0.0, max=1.0)
    limit: int | None = setting(None, min=1)
    # only changes the summary (which languages are listed as low-resource), never a shard
    low_resource_threshold: int = setting(100, identity=False)
    fasttext_model: str | None = None
    langdetect_impl: str = setting("auto", choices=LANGDETECT_IMPLS)
    shard_size: int = setting(10_000, min=1)
    keep_text: bool = False  # the prepared text in the utterance table
    text_field: str | None = None  # read this field as `text` (non-standard schemas)
    messages_field: str | None = None  # read this field as `messages`
