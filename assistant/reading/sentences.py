"""Split passage text into sentences (sentencex), keeping abbreviations like "U.S." in one piece."""

from __future__ import annotations

import re

MIN_WORDS = 4  # shorter pieces are captions, datelines or headings, not claims


def split_sentences(text: str) -> list[str]:
    return [sentence for sentence, _, _ in sentence_spans(text)]


def sentence_spans(text: str) -> list[tuple[str, int, int]]:
    """Each sentence (whitespace normalised) with its start and end offsets in `text`; -1, -1 if not found."""
    # sentencex (Wikimedia's segmenter, in Rust) takes ~0.07 ms a passage, so nothing is cached;
    # it keeps no state between calls, so concurrent answers cannot split each other's text.
    from sentencex import segment

    spans: list[tuple[str, int, int]] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        offset, body = paragraph.start(), paragraph.group()
        cursor = 0
        for piece in segment("en", body):
            sentence = " ".join(piece.split())
            if len(sentence.split()) < MIN_WORDS:
                continue
            core = piece.strip()
            found = body.find(core, cursor)
            if found < 0:
                spans.append((sentence, -1, -1))
                continue
            cursor = found + len(core)
            spans.append((sentence, offset + found, offset + cursor))
    return spans
