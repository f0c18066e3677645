"""Evidence for an answer: a retrieved sentence scored by meaning, rare words, shape and rank, and the cited text made from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..answers import Answer, Citation, Passage

# Sentence support = SIMILARITY_WEIGHT * cosine + (1 - SIMILARITY_WEIGHT) * rare-term coverage.
SIMILARITY_WEIGHT = 0.6
PASSAGE_WEIGHT = 0.15  # how much the retriever's ranking (relevance, recency, time window) counts
SHAPE_BONUS = 0.1  # for holding what the question asks for: a date for "when", a name for "who"
MIN_ANSWER_SUPPORT = 0.3  # below this the best sentence does not answer the question: abstain


@dataclass(frozen=True)
class Evidence:
    sentence: str
    passage: int  # index into the passages list
    similarity: float
    coverage: float
    shape: float = 0.0  # 0..1, see questions.answer_shape
    rank: float = 0.0  # 0..1, the passage's retrieval score relative to the best passage
    terms: frozenset[str] = frozenset()  # the sentence's stemmed words
    order: int = 0  # the sentence's place among its passage's sentences

    @property
    def evidence(self) -> float:
        """How well the sentence's own meaning and words answer the question."""
        return SIMILARITY_WEIGHT * self.similarity + (1 - SIMILARITY_WEIGHT) * self.coverage

    @property
    def support(self) -> float:
        return self.evidence + SHAPE_BONUS * self.shape + PASSAGE_WEIGHT * self.rank


def local_weights(idf: dict[str, float], sentence_terms: Sequence[set[str]]) -> dict[str, float]:
    """Corpus rarity times rarity among the candidate sentences.

    A term every retrieved sentence shares (the story's topic, "parade") cannot pick the
    answer out; the term few of them share ("attend") can.
    """
    n = len(sentence_terms)
    weights = {}
    for term, weight in idf.items():
        df = sum(1 for terms in sentence_terms if matches(term, terms))
        weights[term] = weight * float(np.log(1 + n / (1 + df)))
    return weights


def matches(term: str, terms: set[str] | frozenset[str]) -> bool:
    """Exact stem, or one a prefix of the other: the stemmer leaves "attende" beside "attend"."""
    if term in terms:
        return True
    if len(term) < 5:
        return False
    return any(len(t) >= 5 and (t.startswith(term) or term.startswith(t)) for t in terms)


def compose(question: str, picked: Sequence[Evidence], passages: Sequence[Passage]) -> Answer:
    """The picked sentences, each cited; one number per article, however many of its passages are quoted."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts = []
    for item in picked:
        passage = passages[item.passage]
        if passage.article_id not in numbers:
            numbers[passage.article_id] = len(numbers) + 1
            citations.append(Citation.from_passage(numbers[passage.article_id], passage, item.sentence))
        parts.append(cite(item.sentence, numbers[passage.article_id]))
    return Answer(question=question, text=" ".join(parts), citations=citations, passages=list(passages))


def cite(sentence: str, number: int) -> str:
    """Put the marker inside the sentence's final stop: "... in Beijing [1]."."""
    sentence = sentence.rstrip()
    if sentence and sentence[-1] in ".!?":
        return f"{sentence[:-1]} [{number}]{sentence[-1]}"
    return f"{sentence} [{number}]."
