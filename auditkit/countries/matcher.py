"""Which countries a text names: one Aho-Corasick automaton per language, leftmost-longest.

The rules (the README of this side says the same for users):

- Forms: every country's English names (CLDR, pycountry, countryinfo, the table's aliases),
  English demonyms/adjectives and their plurals ("French", "Nigerians"), and the CLDR names of
  the utterance's language (plus the table's everyday short forms: "США", "アメリカ"). An
  utterance whose language has no table of its own ('und', or a language outside
  ``auditkit.facts`` languages) is matched against every language's names.
- Text and forms are case-folded. Abbreviations ("US", "UK", "UAE") match only in exactly that
  case; names that are also lower-case words (china, polish, turkey) only with a capital.
- Boundaries: scripts without spaces (Chinese, Japanese, Thai...) match anywhere, except that
  Chinese text is segmented first (jieba) and a name must span whole words. Elsewhere a
  match must start at a word boundary; it must end at one too except in languages that attach
  case endings or postpositions (Finnish "Nigeriassa", Korean "미국에서", Bengali, Telugu,
  Turkish...), and in Slavic languages, where a name ending in a vowel also matches by its stem
  ("России" for "Россия"). Arabic and Hebrew allow one attached clitic letter before a name
  (Arabic و/ب/ل/ف/ك: "والأردن") and Arabic the nisba endings after it.
- URLs and e-mail addresses are skipped ("fluentu.com/blog/learn-spanish" names no country).
- Overlaps: leftmost-longest wins and a text span is counted once, so "Democratic Republic of
  the Congo" is one COD mention, not also COG, and "Nigeria" is never also "Niger".
- Not every match is a country. A form several countries share ("Congo" alone, "Congolese") is
  reported as ``ambiguous`` with its candidates. A name that is also a common word or name
  (Georgia, Jordan, Turkey, Chad, Guinea) counts only with a country cue: a cue word within
  CUE_WINDOW characters, the country's capital anywhere in the text, or any other
  unambiguous country mention in the text; else it is reported as ``ambiguous`` too. Phrases
  that contain a country but name something else ("New Mexico", "South America", "French
  fries") are matched so that they hide the country inside, and reported as ``not_country``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from auditkit.facts import countries as facts

COUNTRY = "country"
AMBIGUOUS = "ambiguous"
NOT_COUNTRY = "not_country"
CUE_WINDOW = 80  # characters either side of an ambiguous name in which a cue word counts

# Boundary modes of a form, from the language that contributed it.
WORD = "word"  # word boundary on both sides
SUFFIX = "suffix"  # word boundary before; any ending after (agglutinative, postpositions)
ANYWHERE = "anywhere"  # no boundaries (scripts without spaces)

NO_SPACE_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my", "yue", "wuu", "bo", "dz"})
SUFFIXING_LANGUAGES = frozenset(
    {"fi", "et", "hu", "tr", "az", "uz", "kk", "ky", "tk", "mn", "ko", "bn", "te", "ta", "kn"}
    | {"ml", "mr", "gu", "pa", "or", "as", "si", "ne", "hi", "ur", "eu", "ka", "hy", "sw"}
)
# Fusional languages with case endings on names: a vowel-final single-word name also matches by
# its stem, and every single-word name may take an ending.
STEM_LANGUAGES = frozenset(
    {"ru", "uk", "be", "bg", "mk", "pl", "cs", "sk", "sl", "hr", "sr", "bs", "lt", "lv", "el"}
    | {"de"}
)
STEM_VOWELS = "аяыиеоуюйэaeiouyąęěáéíóúůýαηιοωάέήίόύώ"
MIN_STEM = 4
PREFIX_CLITICS = {"ar": "وبلفك", "he": "הבלמוכש", "fa": "", "ur": ""}
ARABIC_SUFFIXES = ("ي", "ية", "يون", "يين", "يا")


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M" or ch == "_"


_NO_SPACE_RE = re.compile(
    "[\u0e00-\u109f"  # Thai, Lao, Tibetan, Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3040-\u30ff"  # kana
    "\u3400-\u9fff\uf900-\ufaff"  # CJK
    "\uff00-\uffef]"  # full-width forms
)


def _no_space_script(form: str) -> bool:
    """Forms written in a script without spaces (Han, kana, Thai, Lao, Khmer, Myanmar...)."""
    return _NO_SPACE_RE.search(form) is not None


# Languages whose text is segmented into words before no-space names are accepted: a Chinese
# name must start and end on a word boundary of jieba's segmentation (rjieba, the jieba-rs
# dictionary, HMM off so the cut depends only on the dictionary), so that 海地 (Haiti) is not
# found in 沿海地区 (coastal area), 马里 (Mali) not in 马里奥 (Mario), 巴西 not in 巴西利亚.
SEGMENTED_LANGUAGES = frozenset({"zh"})


def _word_boundaries(text: str) -> set[int]:
    import rjieba

    cuts = {0}
    pos = 0
    for token in rjieba.cut(text, hmm=False):
        pos += len(token)
        cuts.add(pos)
    return cuts


_URL_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+", re.I)


def _url_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URLs and e-mail addresses: a name inside one ('learn-spanish' in a link) is
    part of an address, not a mention."""
    if "://" not in text and "www." not in text and "@" not in text:
        return []
    return [m.span() for m in _URL_RE.finditer(text)]


def _is_latin(form: str) -> bool:
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in form)


@dataclass(frozen=True)
class Form:
    """What one case-folded string means."""

    codes: tuple[str, ...]  # one: that country; several: ambiguous between them; none: not one
    kind: str  # name | demonym | abbreviation | not_country
    mode: str  # WORD | SUFFIX | ANYWHERE
    exact: frozenset[str] = frozenset()  # non-empty: the text must be one of these spellings
    needs_capital: bool = False
    needs_cue: bool = False
    is_language: bool = False  # a demonym that is also a language name (French, Chinese)
    clitics: str = ""
    suffixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mention:
    """One match in one text. ``start``/``end`` index the original text (Python str offsets)."""

    start: int
    end: int
    text: str
    status: str  # COUNTRY | AMBIGUOUS | NOT_COUNTRY
    iso3: str | None  # the country when status is COUNTRY
    candidates: tuple[str, ...]  # the countries it may mean when AMBIGUOUS
    kind: str
    reason: str = ""


def _split_cldr(name: str) -> list[str]:
    """A CLDR name and the forms running text uses: 'Congo - Kinshasa' -> also 'Congo-Kinshasa'
    and the base 'Congo' (which both Congos share, so it ends up ambiguous); 'Myanmar (Burma)'
    -> 'Myanmar', 'Burma'; '刚果（金）' -> '刚果'; 'St. Kitts & Nevis' -> 'and', 'Saint' forms.
    A plain hyphen is part of the name ('Guinea-Bissau' has no base 'Guinea')."""
    variants = {name}
    m = re.match(r"^(.*?)\s*[(（](.*?)[)）]\s*$", name)
    if m:
        base, inner = m.group(1).strip(), m.group(2).strip()
        variants.add(base)
        if not _no_space_script(inner) and len(inner) > 3:
            variants.add(inner)
    m = re.match(r"^(.*?)\s*-\s+(.*)$", name) or re.match(r"^(.*?)\s+-\s*(.*)$", name)
    if m:
        variants |= {m.group(1), f"{m.group(1)}-{m.group(2)}"}
    for v in list(variants):
        if "&" in v:
            variants.add(v.replace("&", "and"))
        if v.startswith("St. "):
            variants.add("Saint " + v[4:])
    return sorted(v.strip() for v in variants if v.strip())


@lru_cache(maxsize=1)
def _table():
    return facts.table_data()


def _mode_for(lang: str) -> str:
    if lang in NO_SPACE_LANGUAGES:
        return ANYWHERE
    if lang in SUFFIXING_LANGUAGES or lang in STEM_LANGUAGES:
        return SUFFIX
    return WORD


@lru_cache(maxsize=4096)
def _is_language_name(name: str) -> bool:
    """Whether an English word names a language (langcodes' language-name index)."""
    import langcodes

    try:
        langcodes.find(name)
    except LookupError:
        return False
    return True


def _stems(form: str) -> list[str]:
    if " " in form or "-" in form:
        return []
    if form[-1].casefold() not in STEM_VOWELS:
        return []
    stem = form[:-1]
    return [stem] if len(stem) >= MIN_STEM else []


class _Builder:
    """Accumulates forms; derived meanings merge (shared -> ambiguous), explicit ones win."""

    def __init__(self) -> None:
        self.derived: dict[str, dict] = {}
        self.explicit: dict[str, dict] = {}

    def add(
        self,
        form: str,
        codes: tuple[str, ...] | set[str],
        kind: str,
        mode: str,
        *,
        explicit: bool = False,
        exact: bool = False,
        lang: str = "en",
    ) -> None:
        form = form.strip()
        if not form:
            return
        if _no_space_script(form):
            mode = ANYWHERE
        key = form.casefold()
        target = self.explicit if explicit else self.derived
        entry = target.setdefault(
            key,
            {"codes": set(), "kind": kind, "modes": set(), "exact": set(), "inexact": False},
        )
        entry["codes"] |= set(codes)
        entry["modes"].add(mode)
        entry.setdefault("lang", lang)
        if exact:
            entry["exact"].add(form)
        else:
            entry["inexact"] = True
        if kind == NOT_COUNTRY:
            entry["kind"] = NOT_COUNTRY
        elif entry["kind"] != kind and kind == "name":
            entry["kind"] = "name"

    def copy(self) -> _Builder:
        out = _Builder()
        for src, dst in ((self.derived, out.derived), (self.explicit, out.explicit)):
            for key, e in src.items():
                dst[key] = {**e, "codes": set(e["codes"]), "modes": set(e["modes"])}
                dst[key]["exact"] = set(e["exact"])
        return out

    def build(self) -> dict[str, Form]:
        data = _table()
        capital_only = {f.casefold() for f in data["capitalised_only"]}
        needs_cue = {f.casefold() for f in data["needs_cue"]}
        merged = dict(self.derived)
        merged.update(self.explicit)
        out: dict[str, Form] = {}
        order = {ANYWHERE: 0, SUFFIX: 1, WORD: 2}
        for key, e in merged.items():
            mode = min(e["modes"], key=order.__getitem__)  # the most permissive contributor
            codes = tuple(sorted(e["codes"]))
            exact = frozenset() if e["inexact"] else frozenset(e["exact"])
            lang = e["lang"]
            out[key] = Form(
                codes=codes if e["kind"] != NOT_COUNTRY else (),
                kind=e["kind"],
                mode=mode,
                exact=exact,
                needs_capital=key in capital_only,
                needs_cue=key in needs_cue and len(codes) == 1,
                is_language=e["kind"] == "demonym" and _is_language_name(key),
                clitics=PREFIX_CLITICS.get(lang, "") if mode != ANYWHERE else "",
                suffixes=ARABIC_SUFFIXES if lang == "ar" else (),
            )
        return out


@lru_cache(maxsize=1)
def _english_builder() -> _Builder:
    """The English forms every automaton starts from (built once per process)."""
    builder = _Builder()
    _english(builder)
    return builder


def _english(builder: _Builder) -> None:
    data = _table()
    for iso3, names in facts.english_forms().items():
        for name in names:
            for v in _split_cldr(name):
                builder.add(v, {iso3}, "name", WORD)
    for form, code in data["aliases"].items():
        builder.add(form, {code} if code else set(), "name", WORD, explicit=True)
    for form, codes in facts.english_demonyms().items():
        explicit = form in data["demonym_resolutions"] or form in data["extra_demonyms"]
        builder.add(form, set(codes), "demonym", WORD, explicit=explicit)
    for form, code in data["abbreviations"].items():
        builder.add(form, {code}, "abbreviation", WORD, explicit=True, exact=True)
    for phrase in data["not_countries"]:
        builder.add(phrase, set(), NOT_COUNTRY, WORD, explicit=True)


def _localised(builder: _Builder, lang: str, force_word_for_latin: bool = False) -> None:
    mode = _mode_for(lang)
    for iso3, names in facts.localised_names(lang).items():
        for name in names:
            for v in _split_cldr(name):
                m = WORD if (force_word_for_latin and _is_latin(v)) else mode
                builder.add(v, {iso3}, "name", m, lang=lang)
                if lang in STEM_LANGUAGES and m != WORD:
                    for stem in _stems(v):
                        builder.add(stem, {iso3}, "name", SUFFIX, lang=lang)
    for form, code in _table()["localised_aliases"].get(lang, {}).items():
        exact = form.isupper() and len(form) <= 4
        kind = "abbreviation" if exact else "name"
        m = WORD if (force_word_for_latin and _is_latin(form)) else mode
        builder.add(form, {code}, kind, m, explicit=True, exact=exact, lang=lang)


def matcher_languages() -> tuple[str, ...]:
    return tuple(_table()["languages"])


def matcher_key(lang: str | None) -> str:
    """The automaton an utterance of language `lang` is matched with ('und' for unknown)."""
    if lang and lang in matcher_languages():
        return lang
    return "und"


class CountryMatcher:
    """The forms of one language compiled into one Aho-Corasick automaton."""

    def __init__(self, lang: str = "en") -> None:
        import ahocorasick

        self.lang = matcher_key(lang)
        builder = _english_builder().copy()
        if self.lang == "und":
            for other in matcher_languages():
                if other != "en":
                    _localised(builder, other, force_word_for_latin=True)
        elif self.lang != "en":
            _localised(builder, self.lang)
        self.forms = builder.build()
        self._automaton = ahocorasick.Automaton()
        for key, form in self.forms.items():
            self._automaton.add_word(key, (key, form))
        self._automaton.make_automaton()
        data = _table()
        cues = sorted({c.casefold() for c in data["cue_words"]}, key=len, reverse=True)
        self._cue_re = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, cues)) + r")(?!\w)")
        ctx = data["language_context"]
        self._lang_before = frozenset(w.casefold() for w in ctx["before"])
        self._lang_after = frozenset(w.casefold() for w in ctx["after"])
        self._lang_continues = frozenset(w.casefold() for w in ctx["continues"])

    # -- boundaries ------------------------------------------------------------------------
    @staticmethod
    def _left_ok(text: str, start: int, form: Form) -> bool:
        if form.mode == ANYWHERE or start == 0 or not _is_word_char(text[start - 1]):
            return True
        if form.clitics and text[start - 1] in form.clitics:
            return start == 1 or not _is_word_char(text[start - 2])
        return False

    @staticmethod
    def _right_ok(text: str, end: int, form: Form) -> bool:
        if form.mode != WORD or end == len(text) or not _is_word_char(text[end]):
            return True
        for suffix in form.suffixes:
            e = end + len(suffix)
            if text.startswith(suffix, end) and (e == len(text) or not _is_word_char(text[e])):
                return True
        return False

    def _case_ok(self, original: str, form: Form) -> bool:
        if form.exact:
            return original in form.exact
        if form.needs_capital and original[:1].isalpha() and original[:1].islower():
            return False
        return True

    # -- matching --------------------------------------------------------------------------
    def find(self, text: str) -> list[Mention]:
        """Every mention in `text`, in text order, spans never overlapping."""
        if not text:
            return []
        folded = text.casefold()
        if len(folded) != len(text):
            # Rare characters change length when folded ('ß' -> 'ss'): fold per character and
            # keep a map back to the original offsets.
            pieces = [ch.casefold() for ch in text]
            back = [i for i, p in enumerate(pieces) for _ in p] + [len(text)]
            folded = "".join(pieces)
        else:
            back = None
        urls = _url_spans(text)
        candidates: list[tuple[int, int, Form]] = []
        for end_f, (key, form) in self._automaton.iter(folded):
            start_f = end_f - len(key) + 1
            if back is not None:
                start, end = back[start_f], back[end_f] + 1
                if start_f > 0 and back[start_f - 1] == start:  # inside one folded character
                    continue
            else:
                start, end = start_f, end_f + 1
            if not self._left_ok(text, start, form) or not self._right_ok(text, end, form):
                continue
            if not self._case_ok(text[start:end], form):
                continue
            if urls and any(a <= start < b for a, b in urls):
                continue
            candidates.append((start, end, form))
        if not candidates:
            return []
        if self.lang in SEGMENTED_LANGUAGES and any(f.mode == ANYWHERE for _, _, f in candidates):
            cuts = _word_boundaries(text)
            candidates = [
                c for c in candidates if c[2].mode != ANYWHERE or (c[0] in cuts and c[1] in cuts)
            ]
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        chosen: list[tuple[int, int, Form]] = []
        last_end = -1
        for start, end, form in candidates:
            if start >= last_end:
                chosen.append((start, end, form))
                last_end = end
        return self._resolve(text, folded if back is None else None, chosen)

    def _resolve(
        self, text: str, folded: str | None, chosen: list[tuple[int, int, Form]]
    ) -> list[Mention]:
        has_plain_country = any(
            f.kind != NOT_COUNTRY and len(f.codes) == 1 and not f.needs_cue for _, _, f in chosen
        )
        folded = folded if folded is not None else text.casefold()
        out = []
        previous_language_end = -1
        for start, end, form in chosen:
            span = text[start:end]
            if form.is_language and self._used_as_language(text, start, end, previous_language_end):
                out.append(Mention(start, end, span, NOT_COUNTRY, None, (), form.kind, "language"))
                previous_language_end = end
            elif form.kind == NOT_COUNTRY or not form.codes:
                out.append(Mention(start, end, span, NOT_COUNTRY, None, (), form.kind))
            elif len(form.codes) > 1:
                out.append(
                    Mention(start, end, span, AMBIGUOUS, None, form.codes, form.kind, "shared")
                )
            elif form.needs_cue and not (
                has_plain_country or self._has_cue(text, folded, start, end, form.codes[0])
            ):
                out.append(
                    Mention(start, end, span, AMBIGUOUS, None, form.codes, form.kind, "no_cue")
                )
            else:
                out.append(Mention(start, end, span, COUNTRY, form.codes[0], (), form.kind))
        return out

    _WORD_BEFORE = re.compile(r"(\w+)\W*$")
    _NEXT = re.compile(r"\s*([\w']+|\S)?")
    _HYPHENATED = re.compile(r"-(\w+)")

    def _used_as_language(self, text: str, start: int, end: int, previous_end: int) -> bool:
        """A language-name demonym in a language context (see language_context in the table)."""
        nxt = self._NEXT.match(text, end)
        next_token = (nxt.group(1) or "").casefold() if nxt else ""
        if next_token in self._lang_after:
            return True
        joined = self._HYPHENATED.match(text, end)
        if joined and joined.group(1).casefold() in self._lang_after | {"speaking"}:
            return True
        before = self._WORD_BEFORE.search(text, max(0, start - 40), start)
        prev_word = before.group(1).casefold() if before else ""
        gap = text[before.end(1) : start] if before else ""
        chained = previous_end >= 0 and prev_word in ("and", "or") and previous_end >= start - 12
        chained = chained or (previous_end >= 0 and text[previous_end:start].strip() in (",", "/"))
        if not (prev_word in self._lang_before and gap.strip() == "") and not chained:
            return False
        return not next_token or not (next_token[0].isalnum()) or next_token in self._lang_continues

    def _has_cue(self, text: str, folded: str, start: int, end: int, iso3: str) -> bool:
        lo, hi = max(0, start - CUE_WINDOW), min(len(folded), end + CUE_WINDOW)
        if self._cue_re.search(folded, lo, hi):
            return True
        cap = facts.capital(iso3)
        if cap:
            cap_f = cap.casefold()
            i = folded.find(cap_f)
            while i >= 0:
                j = i + len(cap_f)
                if (i == 0 or not _is_word_char(folded[i - 1])) and (
                    j == len(folded) or not _is_word_char(folded[j])
                ):
                    return True
                i = folded.find(cap_f, i + 1)
        return False


def matcher_for(lang: str | None) -> CountryMatcher:
    """The (cached, per process) matcher an utterance of language `lang` uses: one per table
    language, and one ('und') shared by every other language and unknown ones."""
    return _matcher(matcher_key(lang))


@cache
def _matcher(key: str) -> CountryMatcher:
    return CountryMatcher(key)
