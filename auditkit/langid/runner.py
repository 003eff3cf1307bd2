"""Old import path of lang's run API (now auditkit/langid/lang_run.py), kept only while
report/rerun.py names it; remove once replay goes through auditkit.runkinds."""

from auditkit.langid.lang_run import LangConfig, read_utterances, run_lang

__all__ = ["LangConfig", "read_utterances", "run_lang"]
