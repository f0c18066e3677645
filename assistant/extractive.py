"""The offline answerer: quote the retrieved sentences that answer the question, each with its [n]."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable, Mapping, Sequence

import numpy as np

from .amounts import is_quantity, states
from .answers import Answer, Citation, Passage
from .embedding import Embedder
from .lexical import stem, stems
from .questions import Question, answer_kind, answer_shape
from .sentence_vectors import ChunkSentences, sentences_digest
from .sentences import split_sentences

NOT_FOUND = "I could not find an answer to that in the indexed articles."
# Sentence support = SIMILARITY_WEIGHT * cosine + (1 - SIMILARITY_WEIGHT) * rare-term coverage.
SIMILARITY_WEIGHT = 0.6
PASSAGE_WEIGHT = 0.15  # how much the retriever's ranking (relevance, recency, time window) counts
SHAPE_BONUS = 0.1  # for holding what the question asks for: a date for "when", a name for "who"
MIN_SUPPORT = 0.3  # below this the best sentence does not answer the question: abstain
# Rank and shape bonuses are relative: the best of unrelated passages still gets them. What the
# sentence itself says (meaning and the question's words) must clear this on its own.
MIN_EVIDENCE = 0.3
MIN_EVIDENCE_FOLLOW_UP = 0.2  # a follow-up has few words of its own; its meaning is partly the earlier question's
# Sentences scored by meaning per answer, the likeliest by words and rank. Most come with
# vectors stored at indexing time; the rest are embedded now, which is what bounds this.
MAX_EMBEDDED = 24
CLOSEST_SENTENCES = 10  # best sentences an unnamed option is compared with
MIN_OPTION_MATCH = 0.5  # share of an option's distinctive words a sentence must hold to name it
MIN_CHOICE_SUPPORT = 0.15  # an option named only in sentences weaker than this is a guess: abstain
SCATTERED = 0.9  # an option not written out as such (words apart, a short name, a rounded amount) counts a little less
HEADLINE_WEIGHT = 0.5  # for an option named in every retrieved headline, at the top passage's rank
STALE_DAYS = 14  # a statement this much older than another of the same choice is not the one to cite
FRESH_RATIO = 0.8  # ... provided the newer statement backs the choice nearly as well
KEEP_RATIO = 0.75  # further sentences must be nearly as good as the best one
MAX_SENTENCES = 3
NOVELTY = 0.5  # how much repeating sentences already picked counts against the next one
REDUNDANT = 0.6  # share of a sentence's words already picked above which it only repeats them


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


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: Embedder,
        idf: Callable[[str], dict[str, float]],
        stored: Callable[[Sequence[str]], Mapping[str, ChunkSentences]] | None = None,
    ):
        self.embedder = embedder
        self.idf = idf  # term weights from the corpus, so rare names count more than common words
        self.stored = stored  # chunk id -> its sentences' vectors from indexing (sentence_vectors.py)

    def answer(self, question: Question, passages: Sequence[Passage], context: str = "") -> Answer:
        evidence, vectors = self.evidence(question.stem, passages, context)
        if question.options:
            return self.choose(question, passages, evidence, vectors)
        floor = MIN_EVIDENCE_FOLLOW_UP if context else MIN_EVIDENCE
        if not evidence or evidence[0].support < MIN_SUPPORT or evidence[0].evidence < floor:
            return Answer(question=question.text, text=NOT_FOUND, passages=list(passages), abstained=True)
        asked = frozenset(stems(question.stem))
        return compose(question.text, [evidence[i] for i in pick(evidence, asked)], passages)

    def evidence(self, query: str, passages: Sequence[Passage], context: str = "") -> tuple[list[Evidence], np.ndarray]:
        """The passages' likeliest sentences, best supported first, with their embeddings."""
        splits = [split_sentences(p.text) for p in passages]
        found = [(s, i, k) for i, sentences in enumerate(splits) for k, s in enumerate(sentences)]
        if not found:
            return [], np.zeros((0, 1))
        sentence_terms = [set(stems(s)) for s, _, _ in found]
        weights = local_weights(self.idf(query), sentence_terms)
        total = sum(weights.values())
        kind = answer_kind(query)
        top = max((p.score for p in passages), default=0.0) or 1.0
        evidence = []
        for (sentence, i, k), terms in zip(found, sentence_terms):
            coverage = sum(w for t, w in weights.items() if matches(t, terms)) / total if total else 0.0
            shape = answer_shape(sentence, kind, query)
            rank = max(passages[i].score, 0.0) / top
            evidence.append(Evidence(sentence, i, 0.0, coverage, shape, rank, frozenset(terms), k))
        evidence = sorted(evidence, key=lambda e: e.support, reverse=True)[:MAX_EMBEDDED]
        known = self.known_vectors(passages, splits)
        sv = [None if known[e.passage] is None else known[e.passage][e.order] for e in evidence]
        missing = [n for n, v in enumerate(sv) if v is None]
        queries = [query, f"{context} {query}"] if context else [query]
        vectors = self.embedder.embed(queries + [evidence[n].sentence for n in missing])
        qv = vectors[: len(queries)]
        for n, vector in zip(missing, vectors[len(queries) :]):
            sv[n] = vector
        sv = np.array(sv, dtype=np.float32)
        sims = sv @ qv[0]
        if context:
            # A follow-up is mostly about itself; the earlier question only steers it.
            sims = 0.7 * sims + 0.3 * (sv @ qv[1])
        evidence = [replace(e, similarity=float(sim)) for e, sim in zip(evidence, sims)]
        order = sorted(range(len(evidence)), key=lambda k: evidence[k].support, reverse=True)
        return [evidence[k] for k in order], sv[order]

    def known_vectors(self, passages: Sequence[Passage], splits: list[list[str]]) -> list[np.ndarray | None]:
        """Each passage's sentence vectors stored at indexing time, or None where the chunk no longer splits the same way."""
        stored = self.stored([p.chunk_id for p in passages]) if self.stored is not None else {}
        known: list[np.ndarray | None] = []
        for p, sentences in zip(passages, splits):
            rows = stored.get(p.chunk_id)
            same = (
                rows is not None and len(rows.vectors) == len(sentences) and rows.digest == sentences_digest(sentences)
            )
            known.append(rows.vectors if same else None)
        return known

    def choose(
        self, question: Question, passages: Sequence[Passage], evidence: list[Evidence], vectors: np.ndarray
    ) -> Answer:
        """Name the offered option the evidence supports best.

        An option scores by its distinctive words found in a sentence, times how well that
        sentence answers the question; its best two sentences count, so one stray mention
        does not outweigh steady support. A story's subject is in its headline, so an option
        the retrieved stories' headlines name gains a little more.
        """
        names = OptionNames(question.options, self.idf(" ".join(question.options)))
        texts = [f"{p.title} {p.text}" for p in passages]
        stemmed = [set(stems(text)) for text in texts]
        headlines = [set(stems(p.title)) for p in passages]
        top = max((p.score for p in passages), default=0.0) or 1.0
        scored: dict[str, tuple[float, list[tuple[float, Evidence]]]] = {}
        for option in question.options:
            # Where a passage names the option in full, a partial name in it names the option too.
            full = [names.found(option, text, terms) == 1 for text, terms in zip(texts, stemmed)]
            values = []
            for item in evidence:
                found = names.named(option, item.sentence, item.terms, full[item.passage])
                if found and not verbatim(option, item.sentence):
                    found *= SCATTERED
                if found:
                    values.append((found * item.support, item))
            values.sort(key=lambda v: -v[0])
            score = sum(v for v, _ in values[:1]) + 0.5 * sum(v for v, _ in values[1:2])
            if values:
                headline = [
                    max(p.score, 0.0) / top
                    for p, terms, in_full in zip(passages, headlines, full)
                    if names.named(option, p.title, terms, in_full) == 1
                ]
                score += HEADLINE_WEIGHT * sum(headline) / len(passages)
            scored[option] = (score, values)
        option, (score, values) = max(scored.items(), key=lambda kv: kv[1][0])
        if not values or score < MIN_CHOICE_SUPPORT:
            return self.closest(question, passages, evidence, vectors)
        answer = compose(question.text, [freshest(values, passages)], passages)
        number = answer.citations[0].number
        answer.text = f"{option} [{number}]. {answer.text}"
        answer.choice = option
        return answer

    def closest(
        self, question: Question, passages: Sequence[Passage], evidence: list[Evidence], vectors: np.ndarray
    ) -> Answer:
        """No sentence names an option: offer the option nearest in meaning to the best passages, saying so.

        Abstains only when nothing retrieved answers the question at all.
        """
        relevant = [i for i, e in enumerate(evidence[:CLOSEST_SENTENCES]) if e.support >= MIN_SUPPORT]
        if not relevant:
            text = f"The articles do not say which of {', '.join(question.options)} it is."
            return Answer(question=question.text, text=text, passages=list(passages), abstained=True)
        options = self.embedder.embed([f"{question.stem} {o}" for o in question.options])
        sims = options @ vectors[relevant].T
        best_option, best_sentence = np.unravel_index(int(np.argmax(sims)), sims.shape)
        option = question.options[int(best_option)]
        answer = compose(question.text, [evidence[relevant[int(best_sentence)]]], passages)
        number = answer.citations[0].number
        answer.text = (
            f"The articles do not name any of the options outright; the closest they come is {option} [{number}]: "
            + answer.text
        )
        answer.choice = option
        return answer


class OptionNames:
    """How fully a text names each offered option, by the words that tell it from the others."""

    def __init__(self, options: Sequence[str], idf: Mapping[str, float]):
        # In the order written, not a set's (which follows the hash seed): the weights' sums then
        # come out the same to the last bit in every process.
        terms = {o: dict.fromkeys(stems(o)) for o in options}
        shared = Counter(t for words in terms.values() for t in words)
        # A word every option shares ("University", "million") cannot tell them apart, and one
        # that two share tells each from only half the rest: "Airlines" alone names neither
        # "United Airlines" nor "Alaska Airlines".
        self.weights = {
            o: {t: idf.get(t, 1.0) / shared[t] for t in words if shared[t] < len(terms)} for o, words in terms.items()
        }
        self.unique = {o: {t for t in words if shared[t] == 1} for o, words in terms.items()}
        self.quantity = {o: is_quantity(o) for o in options}

    def found(self, option: str, text: str, terms: set[str] | frozenset[str] | None = None) -> float:
        """0..1: the share of the option's distinctive words in `text` (or in its stemmed `terms`)."""
        if self.quantity[option]:  # "$5" is stated as "$4.96": compare numbers, not words
            return 1.0 if states(text, option) else 0.0
        weights = self.weights[option]
        total = sum(weights.values())
        if not total:  # nothing distinctive in stems (a bare number, say): look for the words as written
            return 1.0 if re.search(rf"(?<!\w){re.escape(option.lower())}(?!\w)", text.lower()) else 0.0
        terms = set(stems(text)) if terms is None else terms
        share = sum(w for t, w in weights.items() if matches(t, terms)) / total
        # "North" alone does not name "North Korean leader Kim Jong Un".
        return share if share >= MIN_OPTION_MATCH else 0.0

    def named(self, option: str, text: str, terms: set[str] | frozenset[str] | None, in_full: bool) -> float:
        """As `found`, but in a passage that names the option in full (`in_full`), any word of
        its own names it: news names someone in full once, then "Nadal", "JetBlue", "the Chiefs"."""
        terms = set(stems(text)) if terms is None else terms
        share = self.found(option, text, terms)
        if self.quantity[option] or not self.weights[option]:  # a number is named only as written
            return share
        if share < 1 and in_full and (share or any(matches(t, terms) for t in self.unique[option])):
            return 1.0
        return share


def verbatim(option: str, text: str) -> bool:
    """The option's words appear in the text as one run, in order ("next week", "Ukrainian" for
    "Ukraine"), not scattered ("6 months ... next week" is not "next month")."""
    pattern = written_out(option)
    return pattern is not None and pattern.search(text.lower()) is not None


@lru_cache(maxsize=1024)
def written_out(option: str) -> re.Pattern[str] | None:
    """The pattern `verbatim` looks for, built once per option rather than once per sentence."""
    parts = re.split(r"(\w+)", option.lower())
    words, gaps = parts[1::2], parts[2:-1:2]
    if not words:
        return None
    pattern = r"(?<!\w)(?<!\d[.,])"
    for n, word in enumerate(words):
        if n:
            # "3-1" is not "3.1" or "March 3, 10": a hyphen or space in the option allows only those.
            pattern += r"[\s\-\u2010-\u2015]+" if re.fullmatch(r"[\s\-\u2010-\u2015]+", gaps[n - 1]) else r"\W+"
        pattern += word_pattern(word)
    # A number ends where the option ends: "$5" is not "$50" or "$5.5".
    return re.compile(pattern + r"(?![.,]?\d)")


def word_pattern(word: str) -> str:
    """A word with its inflections: "lady" as "lad…" (its stem "ladi" is no prefix of it); a
    number, a single letter or a word whose stem cuts it short only as written."""
    prefix = os.path.commonprefix([word, stem(word)])
    if word.isalpha() and len(prefix) >= max(3, len(word) - 2):
        return re.escape(prefix) + r"\w*"
    return re.escape(word) + r"(?!\w)"


def freshest(values: Sequence[tuple[float, Evidence]], passages: Sequence[Passage]) -> Evidence:
    """The sentence to cite for a choice: the best one, unless a report weeks newer states it nearly as well.

    News restates a fact as it develops (the team "reached the final", then "are champions";
    a couple's engagement, then their wedding), and the current report is the one a reader
    wants cited. `values` are (score, sentence) pairs naming the choice, best first.
    """
    best_value, best = values[0]
    day = passages[best.passage].published
    if day is None:
        return best
    nearly_as_good = [
        (passages[e.passage].published, value, e)
        for value, e in values
        if value >= FRESH_RATIO * best_value and passages[e.passage].published is not None
    ]
    newest_day, _, newest = max(nearly_as_good, key=lambda n: n[:2])
    return newest if (newest_day - day).days > STALE_DAYS else best


def pick(evidence: Sequence[Evidence], asked: frozenset[str] = frozenset()) -> list[int]:
    """The best sentence, then those nearly as good that add something (maximal marginal relevance).

    What a sentence adds is judged by its words beyond the question's (`asked`), not by its
    vector: vectors pooled in their passage's context (sentence_vectors.py) make neighbouring
    sentences alike whatever they say, and every answer repeats the question's words.
    """
    floor = max(MIN_SUPPORT, KEEP_RATIO * evidence[0].support)
    # A further sentence must itself take up the question, by at least one of its words: in
    # context, a relevant passage's every sentence resembles the question.
    candidates = [i for i in range(1, len(evidence)) if evidence[i].support >= floor and evidence[i].coverage > 0]
    picked = [0]
    while candidates and len(picked) < MAX_SENTENCES:

        def repeats(i: int) -> float:
            terms = evidence[i].terms - asked
            return max(len(terms & evidence[j].terms) for j in picked) / len(terms) if terms else 1.0

        best = max(candidates, key=lambda i: evidence[i].support - NOVELTY * repeats(i))
        candidates.remove(best)
        if repeats(best) < REDUNDANT:
            picked.append(best)
    return picked


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
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    parts = []
    for item in picked:
        if item.passage not in numbers:
            numbers[item.passage] = len(numbers) + 1
            citations.append(Citation.from_passage(numbers[item.passage], passages[item.passage], item.sentence))
        parts.append(cite(item.sentence, numbers[item.passage]))
    return Answer(question=question, text=" ".join(parts), citations=citations, passages=list(passages))


def cite(sentence: str, number: int) -> str:
    """Put the marker inside the sentence's final stop: "... in Beijing [1]."."""
    sentence = sentence.rstrip()
    if sentence and sentence[-1] in ".!?":
        return f"{sentence[:-1]} [{number}]{sentence[-1]}"
    return f"{sentence} [{number}]."
