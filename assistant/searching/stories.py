"""One story once: spot passages that are the same text from two outlets (or a re-publication)."""

from __future__ import annotations

import re

SHINGLE = 5  # words per shingle: long enough that shared phrases of unrelated stories rarely collide
SAME_STORY = 0.5  # containment of the shorter passage's shingles in the other's


def shingles(text: str) -> frozenset[int]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE:
        return frozenset({hash(" ".join(words))}) if words else frozenset()
    # Tuples of the next SHINGLE words, hashed whole: the same shingles as joined strings, a third cheaper.
    return frozenset(map(hash, zip(*(words[i:] for i in range(SHINGLE)))))


def same_story(a: frozenset[int], b: frozenset[int]) -> bool:
    """Most of the shorter passage appears word for word in the other."""
    if not a or not b:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return len(small & large) / len(small) >= SAME_STORY
