"""FastLangdetect must give exactly what langdetect 1.0.9's detect_langs gives (seeded per text).

Every identity test compares with the library itself, run in this process on the same texts:
labels AND probabilities must be equal (==, not approx).
"""

from __future__ import annotations

import json
import random
import sys

import numpy as np
import pytest

from auditkit.langid import langdetect_fast
from auditkit.langid._ld_text import GramTable, NgramExtractor, load_profiles, pack_gram
from auditkit.langid.langdetect_fast import (
    FastLangdetect,
    _Lanes,
    _WordStream,
    neumaier_column_sums,
    numba_available,
    sequential_column_sums,
)
from tests.conftest import require_shared

N_PER_FILE = 8  # lingua lines per language and kind (75 languages x 3 kinds)
N_UDHR = 400

EDGE_CASES = [
    "",
    " ",
    "   \t\n  ",
    "1234567890",
    "3.14 + 2.71 = 5.85",
    "http://example.com/path?q=1",
    "https://example.com mail: someone@example.org",
    "😀😀😀 🎉",
    "hello 😀 world",
    "a",
    "A",
    "AB",
    "ABC DEF GHI",
    "ABc DeF gHI jKLm",
    "NASA and the UN met in NYC",
    "Tiếng Việt có dấu: người, được, những, thế giới",
    "Tie\u0302\u0301ng Vie\u0323\u0302t",  # combining marks, normalised by normalize_vi
    "مرحبا بالعالم، هذه جملة عربية",
    "این یک جمله فارسی است که ی دارد",
    "这是一个简体中文句子，用于测试。",
    "這是一個繁體中文句子，用於測試。",
    "これは日本語の文です。ひらがなとカタカナ。",
    "이것은 한국어 문장입니다.",
    "中文 text with English words 混合",
    "Привет, мир! Hello, world! Γειά σου Κόσμε",
    "Română: şi ţară, și țară",
    "¡Hola! ¿Qué tal? «bien» — «très bien»",
    "word\u3000with\u3000ideographic\u3000spaces",
    "\u200b\u200c\u200d zero width \u2028 line sep",
    "x" * 12000,
    ("The quick brown fox jumps over the lazy dog. " * 300)[:13000],
    ("日本語 " * 4000) + "English at the end",
    "\ud800 lone surrogate text",
    "ABCdef GHi  x  ",
    "İstanbul ǅemal ǈ Ǆ",  # upper, title case and dotted capitals
    "\U0001d400\U0001d401 𝐀𝐁c",  # astral upper-case letters
]


def _reference(texts: list[str]) -> list[list[tuple[str, float]]]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    old = DetectorFactory.seed
    DetectorFactory.seed = 0
    try:
        out = []
        for t in texts:
            try:
                out.append([(lang.lang, lang.prob) for lang in detect_langs(t)])
            except LangDetectException:
                out.append([])
        return out
    finally:
        DetectorFactory.seed = old


def _lingua_texts() -> list[str]:
    root = require_shared("langid", "lingua_testdata")
    texts: list[str] = []
    for kind in ("sentences", "word-pairs", "single-words"):
        for path in sorted((root / kind).glob("*.txt")):
            lines = path.read_text(encoding="utf-8").splitlines()
            texts += lines[:N_PER_FILE]
    return texts


def _udhr_texts() -> list[str]:
    path = require_shared("langid", "udhr", "udhr_paragraphs.jsonl")
    with path.open(encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in f]
    return random.Random(5).sample(texts, N_UDHR)


BACKENDS = [
    "numpy",
    pytest.param(
        "numba", marks=pytest.mark.skipif(not numba_available(), reason="numba not installed")
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def fast(request) -> FastLangdetect:
    return FastLangdetect(backend=request.param)


# reference labels of a few hundred texts (langdetect itself): tests using it are marked slow
@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[tuple[str, float]]]]:
    texts = _lingua_texts() + _udhr_texts() + EDGE_CASES
    return texts, _reference(texts)


def _mismatches(texts, expected, got) -> list[str]:
    return [f"{t[:60]!r}: {e} != {g}" for t, e, g in zip(texts, expected, got) if e != g]


@pytest.mark.slow
def test_profiles_equal_the_factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    languages, matrix, rows = load_profiles()
    assert languages == factory.langlist
    assert len(languages) == 55
    assert set(rows) == set(factory.word_lang_prob_map)
    for gram, probs in factory.word_lang_prob_map.items():
        assert matrix[rows[gram]].tolist() == probs, gram


@pytest.mark.slow
def test_ngram_extraction_equals_detector(corpus):
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    languages, _, rows = load_profiles()
    gram_of_row = {r: g for g, r in rows.items()}
    extractor = NgramExtractor(rows)
    texts, _ = corpus
    for text in texts:
        d = factory.create()
        d.append(text)
        d.cleaning_text()
        expected = d._extract_ngrams()
        got = [gram_of_row[r] for r in extractor.ngram_rows(text).tolist()]
        assert got == expected, text[:80]


@pytest.mark.slow
def test_batch_extraction_and_small_cache_equal_one_by_one(corpus):
    _, _, rows = load_profiles()
    texts, _ = corpus
    extractor = NgramExtractor(rows)
    one_by_one = [extractor.ngram_rows(t).tolist() for t in texts[::5]]
    batch = NgramExtractor(rows).ngram_rows_batch(texts[::5])
    assert [r.tolist() for r in batch] == one_by_one
    small = NgramExtractor(rows, cache_size=50)  # cleared again and again
    assert [small.ngram_rows(t).tolist() for t in texts[::5]] == one_by_one


def test_gram_table_finds_every_profile_gram():
    _, _, rows = load_profiles()
    table = GramTable(rows)
    grams = [g for g in rows if 1 <= len(g) <= 3]
    keys = np.asarray([pack_gram(g) for g in grams], dtype=np.int64)
    assert table.lookup(keys).tolist() == [rows[g] for g in grams]
    absent = ["zzq", "  a", "\U0001f600", "q\u3042", "日本x"]
    absent = [g for g in absent if g not in rows]
    keys = np.asarray([pack_gram(g) for g in absent], dtype=np.int64)
    assert table.lookup(keys).tolist() == [-1] * len(absent)


@pytest.mark.slow
@pytest.mark.skipif(not numba_available(), reason="numba not installed")
def test_compiled_extraction_equals_python_extraction(corpus):
    from auditkit.langid._ld_numba import CompiledNgrams

    _, _, rows = load_profiles()
    extractor = NgramExtractor(rows)
    compiled = CompiledNgrams(extractor.grams)
    texts, _ = corpus
    ids, offsets = compiled.extract([extractor.normalised_text(t) for t in texts])
    for i, text in enumerate(texts):
        got = ids[offsets[i] : offsets[i + 1]].tolist()
        assert got == extractor.ngram_rows(text).tolist(), text[:80]


@pytest.mark.parametrize("seed", [0, 7, 2**40 + 3])
def test_word_stream_and_gauss_equal_random(seed):
    stream = _WordStream(seed, n_words=4096)
    rng = random.Random(seed)
    assert stream.words.tolist() == [rng.getrandbits(32) for _ in range(4096)]
    # gauss() with the generator at word p: consume p words first.
    for p in [0, 1, 2, 3, 5, 17, 100, 1023, 4000, 4092]:
        rng = random.Random(seed)
        for _ in range(p):
            rng.getrandbits(32)
        assert stream.gauss_z[p] == rng.gauss(0.0, 1.0)
        assert stream.gauss_next[p] == rng.gauss(0.0, 1.0)  # the cached second value
    stream.ensure(9000)  # extending continues the same stream
    rng = random.Random(seed)
    assert stream.words[:9000].tolist() == [rng.getrandbits(32) for _ in range(9000)]
    rng = random.Random(seed)
    for _ in range(8500):
        rng.getrandbits(32)
    assert stream.gauss_z[8500] == rng.gauss(0.0, 1.0)


def _cpython312_sum(values: list[float]) -> float:
    """CPython 3.12 builtin_sum_impl for a list of floats, line by line (Neumaier)."""
    f = values[0]
    c = 0.0
    for x in values[1:]:
        t = f + x
        if abs(f) >= abs(x):
            c += (f - t) + x
        else:
            c += (x - t) + f
        f = t
    if c and np.isfinite(c):
        f += c
    return f


@pytest.mark.parametrize("n_cols", [1, 2, 3, 5, 64, 300])
def test_column_sums_match_python_sum(n_cols):
    rng = np.random.default_rng(n_cols)
    x = rng.random((55, n_cols)) * np.exp(rng.normal(0, 30, (55, n_cols)))
    x[:, 0] = 0.0
    x[:50, -1] = 0.0
    columns = x.T.tolist()
    assert sequential_column_sums(x).tolist() == [_seq(c) for c in columns]
    assert neumaier_column_sums(x).tolist() == [_cpython312_sum(c) for c in columns]
    builtin = [sum(c) for c in columns]
    ours = neumaier_column_sums(x) if sys.version_info >= (3, 12) else sequential_column_sums(x)
    assert ours.tolist() == builtin
    assert langdetect_fast._python_sum_is_compensated() == (sys.version_info >= (3, 12))
    assert langdetect_fast._REDUCE_IS_SEQUENTIAL  # else the slower row loop is in use


def _seq(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


@pytest.mark.slow
def test_identical_to_langdetect(fast, corpus):
    texts, expected = corpus
    got = fast.detect_langs_batch(texts)
    bad = _mismatches(texts, expected, got)
    assert not bad, f"{len(bad)} of {len(texts)} differ, e.g. {bad[:3]}"
    # the corpus exercises what it is meant to: many languages, failures, long texts
    assert len({e[0][0] for e in expected if e}) >= 45
    assert sum(1 for e in expected if not e) >= 5
    top = fast.detect_batch(texts)
    assert top == [(e[0][0], e[0][1]) if e else (None, 0.0) for e in expected]


@pytest.mark.slow
def test_independent_of_batch_order_and_lanes(fast, corpus):
    texts, expected = corpus
    idx = list(range(0, len(texts), 7)) + list(range(len(texts) - len(EDGE_CASES), len(texts)))
    subset = [texts[i] for i in idx]
    want = [expected[i] for i in idx]
    order = list(range(len(subset)))
    random.Random(3).shuffle(order)
    shuffled = fast.detect_langs_batch([subset[i] for i in order])
    assert [shuffled[order.index(k)] for k in range(len(subset))] == want
    if fast.backend == "numpy":
        one_lane = FastLangdetect(lanes=1, backend="numpy")
        few_lanes = FastLangdetect(lanes=3, backend="numpy")
        assert one_lane.detect_langs_batch(subset[:60]) == want[:60]
        assert few_lanes.detect_langs_batch(subset) == want
    one_at_a_time = [fast.detect_langs_batch([t])[0] for t in subset[:80]]
    assert one_at_a_time == want[:80]


@pytest.mark.slow
def test_draw_buffer_growth_is_exact(corpus, monkeypatch):
    """numpy lanes: tiny scan windows force many buffer extensions and regrowths mid-trial."""
    texts, expected = corpus
    idx = list(range(0, len(texts), 23))
    monkeypatch.setattr(_Lanes, "FIRST_SCAN", 8)
    monkeypatch.setattr(_Lanes, "MORE_SCAN", 3)
    got = FastLangdetect(backend="numpy").detect_langs_batch([texts[i] for i in idx])
    assert got == [expected[i] for i in idx]


@pytest.mark.slow
@pytest.mark.skipif(not numba_available(), reason="numba not installed")
def test_numba_resumes_when_the_stream_runs_out(corpus):
    """numba: a 64-word stream runs out in almost every text; each rerun must be exact."""
    texts, expected = corpus
    idx = list(range(0, len(texts), 41))
    det = FastLangdetect(backend="numba")
    det._stream = _WordStream(0, n_words=64)
    assert det.detect_langs_batch([texts[i] for i in idx]) == [expected[i] for i in idx]
    assert len(det._stream.words) > 64


@pytest.mark.skipif(not numba_available(), reason="numba not installed")
@pytest.mark.parametrize("n", [1, 2, 55])
def test_numba_sum_matches_python_sum(n):
    from auditkit.langid._ld_numba import python_sum

    rng = np.random.default_rng(n)
    for _ in range(200):
        x = rng.random(n) * np.exp(rng.normal(0, 30, n))
        values = x.tolist()
        assert python_sum(x, False) == _seq(values)
        assert python_sum(x, True) == _cpython312_sum(values)
        assert python_sum(x, sys.version_info >= (3, 12)) == sum(values)


def test_other_seed_matches_reference(monkeypatch):
    from langdetect import DetectorFactory, detect_langs

    texts = ["Dies ist ein deutscher Satz.", "ceci est une phrase", "to be or not to be", "ok"]
    monkeypatch.setattr(DetectorFactory, "seed", 12345)
    expected = [[(x.lang, x.prob) for x in detect_langs(t)] for t in texts]
    for backend in ("numpy", "numba") if numba_available() else ("numpy",):
        assert FastLangdetect(seed=12345, backend=backend).detect_langs_batch(texts) == expected


@pytest.mark.slow
def test_iteration_limit_texts(fast):
    """Ambiguous texts: every trial of 'e' and 'overbetalt' (and most of the others') stops
    at ITERATION_LIMIT, 7 x 1001 draws (found by replaying the reference loop)."""
    texts = ["e", "overbetalt", "наредил", "описи", "market", "мөнгөн", "x", "zz"]
    assert fast.detect_langs_batch(texts) == _reference(texts)


def test_api_shape(fast):
    assert fast.name == "langdetect"
    assert fast.impl == {"numpy": "numpy-batched", "numba": "numba-jit"}[fast.backend]
    assert fast.version == "1.0.9"
    assert fast.detect_batch([]) == []
    assert fast.detect_batch(["", "!!!"]) == [(None, 0.0), (None, 0.0)]
    label, prob = fast.detect_batch(["Das ist ein ganz normaler deutscher Satz."])[0]
    assert label == "de" and isinstance(prob, float) and 0.1 < prob <= 1.0
    with pytest.raises(TypeError):
        fast.detect_batch([None])  # type: ignore[list-item]
    langprob, has_features = fast.langprob_batch(["", "Das ist ein Satz.", "123"])
    assert has_features.tolist() == [False, True, False]
    assert langprob.shape == (3, 55)
    assert langprob[0].tolist() == [0.0] * 55 and langprob[2].tolist() == [0.0] * 55
    assert abs(langprob[1].sum() - 1.0) < 1e-9
    assert fast.languages[int(np.argmax(langprob[1]))] == "de"


def test_backend_choice():
    auto = FastLangdetect()
    assert auto.backend == ("numba" if numba_available() else "numpy")
    with pytest.raises(ValueError, match="unknown backend"):
        FastLangdetect(backend="cuda")
