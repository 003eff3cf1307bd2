"""Corpus language ID (`auditkit lang`): registers its run kind and its language labeller."""

from auditkit.corpus_pass import LANGUAGE_LABELLERS
from auditkit.langid.config import LangConfig
from auditkit.runkinds import RUN_KINDS, RunKind, RunSettings


def _run(config: LangConfig, out, settings: RunSettings) -> dict:
    from auditkit.langid.lang_run import run_lang

    return run_lang(
        config, out, workers=settings.workers, progress=settings.progress, overwrite=True
    )


RUN_KINDS.register("lang", RunKind(configs=(LangConfig,), run=_run))
# lang's agreed label per text, for other sides' steps (`auditkit countries --languages detect`)
LANGUAGE_LABELLERS.register("detect", "auditkit.langid.labels:LanguageLabeller")
