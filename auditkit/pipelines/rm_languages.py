"""`probe-rm --pairs` with language ID: the probes side scores, the langid side labels.

``label_languages`` runs `auditkit lang`'s machinery on the prompts of pairs without a
language column: the same text preparation (code, URLs and markup stripped) and both detectors
(fastText lid.176 and langdetect), agreed labels only; a pair whose detectors disagree is
labelled ``und`` (undetermined) and reported under that code, never guessed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditkit.probes.config import ProbeConfig


class LanguageLabeller:
    """Callable: prompts -> language codes (the lang side's prepared text and agreement)."""

    def __init__(self, fasttext_model: str | None = None, langdetect_impl: str = "auto") -> None:
        self.fasttext_model = fasttext_model
        self.langdetect_impl = langdetect_impl
        self._detectors: Any = None

    def __call__(self, texts: list[str]) -> list[str]:
        from auditkit.langid.codes import EMPTY, normalise_code
        from auditkit.langid.labels import Detectors, agree
        from auditkit.langid.prepare import prepare

        if self._detectors is None:
            self._detectors = Detectors(self.fasttext_model, self.langdetect_impl).load()
        prepared = [prepare(t, strip_code=True).text for t in texts]
        todo = [i for i, t in enumerate(prepared) if t]
        labels = [EMPTY] * len(texts)
        raw = self._detectors.label([prepared[i] for i in todo]) if todo else []
        for i, (ft, ft_p, ld, ld_p) in zip(todo, raw):
            code, _ = agree(
                normalise_code(ft, "fasttext"), ft_p, normalise_code(ld, "langdetect"), ld_p, 0.0
            )
            labels[i] = code
        return labels


def run_probe(config: ProbeConfig, out: str | Path | None = None, **runtime: Any) -> dict[str, Any]:
    """``auditkit.probes.api.run_probe`` with language ID for pairs without a language column
    (``runtime``: run_probe's progress, engine, ray_address)."""
    from auditkit.probes.api import run_probe as probe

    labeller = runtime.pop("language_labeller", None)
    if config.pairs and labeller is None:
        labeller = LanguageLabeller()
    return probe(config, out, language_labeller=labeller, **runtime)


def probe_rm(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """``auditkit.probes.api.probe_rm`` with language ID for pairs without a language column."""
    from auditkit.probes.api import probe_rm as probe

    if kwargs.get("pairs") and kwargs.get("language_labeller") is None:
        kwargs["language_labeller"] = LanguageLabeller()
    return probe(*args, **kwargs)
