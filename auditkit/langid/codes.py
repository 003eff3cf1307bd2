"""One code space for every detector's labels (re-exported from auditkit.facts.languages,
the shared home of language codes and names, so probes and reports use the same mapping)."""

from auditkit.facts.languages import (
    EMPTY,
    FASTTEXT_WIKIPEDIA_CODES,
    MACROLANGUAGE_FOLDS,
    UNDETERMINED,
    language_name,
    normalise_code,
)

__all__ = [
    "EMPTY",
    "FASTTEXT_WIKIPEDIA_CODES",
    "MACROLANGUAGE_FOLDS",
    "UNDETERMINED",
    "language_name",
    "normalise_code",
]
