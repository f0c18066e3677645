"""Terms as search sees them: words lower-cased, stopwords dropped, stemmed (Snowball English)."""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(r"(?u)\b(?:\w\w+|\d)\b")  # single digits count: "September 3"
STEM_CACHE_WORDS = 200_000  # news vocabulary repeats: most words are stemmed once per process
_stem_cache: dict[str, str] = {}


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def stem(word: str) -> str:
    """One lower-case word's stem, stopword or not."""
    return _stemmer().stemWord(word)


def stems(text: str) -> list[str]:
    """The terms BM25 sees in `text`: lower-cased, stopwords dropped, stemmed.

    Stemming lets "attends" find "attend"; stopwords keep "the" from matching everything.
    """
    out = []
    cache = _stem_cache
    for word in TOKEN.findall(text.lower()):
        term = cache.get(word)
        if term is None:
            term = "" if word in _stopwords() else stem(word)
            if len(cache) < STEM_CACHE_WORDS:
                cache[word] = term
        if term:
            out.append(term)
    return out
