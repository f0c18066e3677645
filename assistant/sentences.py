"""Split passage text into sentences (pysbd), keeping abbreviations like "U.S." in one piece."""

from __future__ import annotations

import re
from functools import lru_cache

MIN_WORDS = 4  # shorter pieces are captions, datelines or headings, not claims


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        for sentence in _segmenter().segment(paragraph):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= MIN_WORDS:
                sentences.append(sentence)
    return sentences
