"""Labelling texts with lang's two detectors, and the agreement rule that makes one label.

The detectors are looked up by name in ``auditkit.langid.detectors.DETECTORS`` (the pair in
``DETECTOR_PAIR``), so a new detector is a registration there, not an edit here. A label
depends only on its text, so caching, batching and worker processes never change one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditkit.langid.codes import EMPTY, UNDETERMINED, normalise_code
from auditkit.langid.prepare import prepare

# The two detectors whose agreement makes a label, by their DETECTORS names. Their order is the
# order of a label tuple's fields (first detector's label and probability, then the second's).
DETECTOR_PAIR = ("fasttext", "langdetect")


@dataclass(frozen=True)
class LabelFailure:
    """A text the detectors could not label (their error): its utterance becomes a counted
    skip ('label_failed') instead of ending the run."""

    error: str


Labels = tuple[str | None, float, str | None, float]


@dataclass
class Detectors:
    """Both detectors, loaded once per process. fasttext_model and langdetect_impl are the
    options of the pair's two detectors (a model file; an implementation)."""

    fasttext_model: str | None
    langdetect_impl: str
    _pair: tuple[Any, Any] | None = field(default=None, init=False)

    def load(self) -> Detectors:
        from auditkit.langid.detectors import DETECTORS

        first, second = DETECTOR_PAIR
        self._pair = (
            DETECTORS.get(first)(self.fasttext_model),
            DETECTORS.get(second)(self.langdetect_impl),
        )
        return self

    def info(self) -> dict[str, Any]:
        assert self._pair is not None
        return {d.name: d.info() for d in self._pair}

    def label(self, texts: list[str]) -> list[Labels]:
        assert self._pair is not None
        ft = self._pair[0].predict(texts)
        ld = self._pair[1].predict(texts)
        return [(a, pa_, b, pb) for (a, pa_), (b, pb) in zip(ft, ld)]

    def label_each(self, texts: list[str]) -> list[Labels | LabelFailure]:
        """``label``, isolated per text: when a batch fails, each text is labelled alone and
        the ones that still fail come back as LabelFailure (a label depends only on its text,
        so the others get exactly the labels the batch would have given)."""
        try:
            return list(self.label(texts))
        except Exception as e:
            if len(texts) == 1:
                return [LabelFailure(f"{type(e).__name__}: {e}"[:300])]
        out: list[Labels | LabelFailure] = []
        for t in texts:
            try:
                out.append(self.label([t])[0])
            except Exception as e:
                out.append(LabelFailure(f"{type(e).__name__}: {e}"[:300]))
        return out


class LabelStep:
    """The labelling work as a corpus_pass step (auditkit.corpus_pass.Workers): texts ->
    label_each(texts), the detectors loaded once per worker (warm returns their description)."""

    def __init__(self, fasttext_model: str | None = None, langdetect_impl: str = "auto") -> None:
        self.detectors = Detectors(fasttext_model, langdetect_impl)
        self._loaded = False

    def warm(self) -> dict[str, Any]:
        if not self._loaded:
            self.detectors.load()
            self._loaded = True
        return self.detectors.info()

    def work(self, texts: list[str]) -> list[Labels | LabelFailure]:
        self.warm()
        return self.detectors.label_each(texts)


def agree(
    ft_code: str, ft_prob: float, ld_code: str, ld_prob: float, min_conf: float
) -> tuple[str, str]:
    """(agreed label, status) of one utterance; status in aggregate.STATUSES."""
    if ft_code == ld_code and ft_code != UNDETERMINED:
        if ft_prob >= min_conf and ld_prob >= min_conf:
            return ft_code, "agreed"
        return UNDETERMINED, "low_confidence"
    return UNDETERMINED, "disagreed"


def agreed_code(labels: Labels, min_conf: float = 0.0) -> tuple[str, str]:
    """agree() on a raw label tuple (the detectors' labels normalised first)."""
    ft_label, ft_prob, ld_label, ld_prob = labels
    return agree(
        normalise_code(ft_label, "fasttext"),
        ft_prob,
        normalise_code(ld_label, "langdetect"),
        ld_prob,
        min_conf,
    )


class LanguageLabeller:
    """Agreed language code per text with lang's default settings (both detectors, no
    stripping, no confidence floor), for steps of other sides that need an utterance's language
    (`auditkit countries`). Registered as corpus_pass's "detect" labeller (langid/__init__.py),
    so those sides never import this one."""

    def __init__(self) -> None:
        self.detectors = Detectors(None, "auto").load()

    def info(self) -> dict[str, Any]:
        return self.detectors.info()

    def __call__(self, texts: list[str]) -> list[str]:
        prepared = [prepare(t, False).text for t in texts]
        unique = list(dict.fromkeys(t for t in prepared if t))
        labels = dict(zip(unique, self.detectors.label(unique))) if unique else {}
        return [agreed_code(labels[t])[0] if t else EMPTY for t in prepared]
