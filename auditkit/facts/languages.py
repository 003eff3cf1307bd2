"""Language codes and names: the one code space of every side.

Corpus language ID (`lang`), the reward-model language probes and the per-language preference
accuracy (`probe-rm`) all speak it. Labels go through langcodes (a maintained BCP-47 / ISO 639
library) with macrolanguage folding, then keep only the language subtag: langdetect's
`zh-cn`/`zh-tw` and fastText's `zh` all become `zh`, the deprecated `iw` becomes `he`,
`cmn`/`arb`/`swh` become `zh`/`ar`/`sw`, FLORES-style `arb_Arab` (M-RewardBench's `language`
column) becomes `ar`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import langcodes

UNDETERMINED = "und"  # both detectors ran but no agreed label
EMPTY = "empty"  # nothing left to detect after text preparation

# fastText lid.176 labels are Wikipedia language codes; where one means something else in
# ISO 639 we say which language the model was trained on (https://fasttext.cc/docs/en/language-identification.html).
FASTTEXT_WIKIPEDIA_CODES = {
    "als": "gsw",  # Wikipedia 'als' = Alemannic; ISO 639-3 'als' = Tosk Albanian
    "bh": "bho",  # Bihari (collective) -> its Wikipedia edition is Bhojpuri
    "sh": "hbs",  # Serbo-Croatian (macrolanguage code, kept distinct from sr/hr/bs)
}

# Individual languages that langcodes keeps apart from their macrolanguage but that both
# detectors only know by the macrolanguage code: Bokmal text is labelled 'no' by fastText and
# langdetect alike, so a Bokmal ground truth ('nb') must meet them there.
MACROLANGUAGE_FOLDS = {"nb": "no"}

# FLORES-200 / NLLB style `lang_Script` (arb_Arab, zho_Hans): BCP-47 wants a hyphen.
_UNDERSCORE_SCRIPT = re.compile(r"^([A-Za-z]{2,3})_([A-Za-z]{4})$")


@lru_cache(maxsize=4096)
def normalise_code(label: str | None, detector: str = "") -> str:
    """Map a raw language label to the shared code space (ISO 639-1 where it exists)."""
    if not label:
        return UNDETERMINED
    tag = label.removeprefix("__label__").strip()
    if detector == "fasttext":
        tag = FASTTEXT_WIKIPEDIA_CODES.get(tag, tag)
    if tag == "hbs":
        return "hbs"
    tag = _UNDERSCORE_SCRIPT.sub(r"\1-\2", tag)
    try:
        lang = langcodes.Language.get(langcodes.standardize_tag(tag, macro=True)).language
    except (ValueError, langcodes.tag_parser.LanguageTagError):
        return tag.lower()
    return MACROLANGUAGE_FOLDS.get(lang, lang) or UNDETERMINED


@lru_cache(maxsize=4096)
def language_name(code: str) -> str:
    """English name of a code ('bn' -> 'Bengali'); the code itself when unknown."""
    if code in (UNDETERMINED, EMPTY):
        return {"und": "undetermined", "empty": "empty"}[code]
    try:
        name = langcodes.Language.get(code).display_name("en")
    except (ValueError, langcodes.tag_parser.LanguageTagError):
        return code
    return code if name.startswith("Unknown language") else name


# The nine languages of the study's language evaluations (TyDiQA / Belebele): the languages
# lang's summary and the report's policy checks count.
STUDY_LANGUAGES = ("ar", "bn", "en", "fi", "id", "ko", "ru", "sw", "te")
