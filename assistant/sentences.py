"""Split passage text into sentences (sentencex), keeping abbreviations like "U.S." in one piece."""

from __future__ import annotations

import re

MIN_WORDS = 4  # shorter pieces are captions, datelines or headings, not claims


def split_sentences(text: str) -> list[str]:
    # sentencex (Wikimedia's segmenter, in Rust) takes ~0.07 ms a passage, so nothing is cached;
    # it keeps no state between calls, so concurrent answers cannot split each other's text.
    from sentencex import segment

    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        for sentence in segment("en", paragraph):
            sentence = " ".join(sentence.split())
            if len(sentence.split()) >= MIN_WORDS:
                sentences.append(sentence)
    return sentences
