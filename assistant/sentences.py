"""Split passage text into sentences (pysbd), keeping abbreviations like "U.S." in one piece."""

from __future__ import annotations

import re
import threading
from functools import lru_cache

MIN_WORDS = 4  # shorter pieces are captions, datelines or headings, not claims
CACHED_TEXTS = 4096  # passages whose split is remembered: the same chunks come back for related questions

_local = threading.local()


def _segmenter():
    # pysbd keeps the text it is splitting on the segmenter object, so one shared between
    # threads returns pieces of another thread's text: one per thread.
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        import pysbd

        segmenter = _local.segmenter = pysbd.Segmenter(language="en", clean=False)
    return segmenter


def split_sentences(text: str) -> list[str]:
    return list(_split(text))


@lru_cache(maxsize=CACHED_TEXTS)
def _split(text: str) -> tuple[str, ...]:
    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        for sentence in _segmenter().segment(paragraph):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= MIN_WORDS:
                sentences.append(sentence)
    return tuple(sentences)
