"""Whether the articles answer at all: what the confidence model reads, and the names no passage mentions."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from ..answers import Passage
from ..reading.terms import stems
from .answer_features import FEATURES
from .choices import MAX_MARGIN, Scored
from .evidence import Evidence, matches

CONFIDENCE_FEATURES = (
    "share",
    "logit",
    "margin",
    "evidence",
    "coverage",
    "support",
    "short_kind",
    "no_candidate",
    "recency",  # how new the best answer's newest report is: questions are about their week
    "statements",
    "fits",
    "newest",  # how new the newest report holding any candidate is
    "fitting",  # how many candidates have the shape asked for
    "subject",  # how many of the question's rarest words the passages hold ("Super Bowl" in none: not covered)
)
SUBJECT_TERMS = 3
# Capitalised question words that name nothing: question words, titles of address, pronouns.
NOT_SUBJECT = frozenset("i the a an is are was were what who which how when where why did does do us".split())
ASKING_WORDS = (*NOT_SUBJECT, "has", "have", "had", "will", "would", "can", "could", "should", "much", "many", "whom")


@lru_cache(maxsize=1)
def asking_stems() -> frozenset[str]:
    """The asking words' stems, taken on first use: stemming loads the stemmer, which importing this must not."""
    return frozenset(stems(" ".join(ASKING_WORDS)))


def sentence_scores(evidence: Sequence[Evidence]) -> np.ndarray:
    """Per evidence sentence: how well its meaning and words answer (evidence), its coverage, its support."""
    return np.array([[e.evidence, e.coverage, e.support] for e in evidence], dtype=np.float32).reshape(-1, 3)


def held_terms(passages: Sequence[Passage]) -> set[str]:
    """Every word stem the passages hold, titles included: what the two checks below look a question's words up in."""
    return set(stems(" ".join(f"{p.title} {p.text}" for p in passages)))


def subject_coverage(question: str, held: set[str], idf: Callable[[str], dict[str, float]]) -> float:
    """Share of the question's SUBJECT_TERMS rarest words (by corpus idf) that the passages hold anywhere (`held`)."""
    # A question word is rare only in a small collection that never asks ("what", "does"): not a subject.
    weights = {t: w for t, w in idf(question).items() if t not in asking_stems()}
    rare = sorted(weights, key=lambda t: -weights[t])[:SUBJECT_TERMS]
    return sum(1 for t in rare if matches(t, held)) / len(rare) if rare else 0.0


def unmentioned(question: str, held: set[str]) -> list[str]:
    """The names the question asks about that no passage mentions, when they are most of its names
    ("Who won the Super Bowl?" over a week of other news): then the articles are not about what was
    asked, however well some sentence matches its other words. Empty otherwise.

    On rtqa-2024 (article leads indexed) this holds for 7 of the 580 questions whose own search results
    hold the answer, and for 50 of the 908 others."""
    words = re.findall(r"[\w'’.-]+", question)[1:]
    capital = [w[:1].isupper() and w.lower().strip(".") not in NOT_SUBJECT for w in words]
    runs: list[str] = []  # neighbouring capitalised words are one name: "Super Bowl"
    for i, word in enumerate(words):
        if capital[i]:
            runs.append(f"{runs.pop()} {word}" if i and capital[i - 1] and runs else word)
    names = [n.strip(".") for n in dict.fromkeys(runs) if stems(n)]
    missing = [n for n in names if not any(matches(t, held) for t in stems(n))]
    return missing if 2 * len(missing) > len(names) else []


def confidence_features(scored: Scored, sentences: np.ndarray, short: bool, subject: float) -> np.ndarray:
    """What decides whether the articles answer at all: how clearly the best candidate wins, how well
    its sentence (`sentences`: sentence_scores of the evidence) answers, how new the reports are."""
    best = scored.best
    where = best.stated_in[0] if best is not None and best.stated_in else 0
    stated = sentences[where] if len(sentences) > where else np.zeros(3, dtype=np.float32)
    top = sentences[0] if len(sentences) else np.zeros(3, dtype=np.float32)
    rows = scored.rows if scored.rows is not None and len(scored.rows) else np.zeros((1, len(FEATURES)), np.float32)
    row = rows[best.row] if best is not None else rows[0]
    return np.array(
        [
            best.share if best else 0.0,
            best.score if best else 0.0,
            min(scored.margin, MAX_MARGIN),
            stated[0],
            stated[1],
            top[0],
            float(short),
            float(best is None),
            row[FEATURES.index("newest_recency")],
            row[FEATURES.index("sentences")],
            row[FEATURES.index("fits")],
            float(rows[:, FEATURES.index("newest_recency")].max()),
            math.log1p(float(rows[:, FEATURES.index("fits")].sum())),
            subject,
        ],
        dtype=np.float32,
    )
