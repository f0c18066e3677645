"""The offline answerer: quote the retrieved sentences that answer the question, each with its [n]."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date
from typing import Callable, Mapping, Sequence

import numpy as np

from ..answers import Answer, Passage
from ..embedding.embedder import Embedder
from ..reading.sentences import split_sentences
from ..reading.terms import stems
from ..storing.sentence_vectors import ChunkSentences, sentences_digest
from .answer_confidence import confidence_features, held_terms, sentence_scores, subject_coverage, unmentioned
from .answer_features import TEASER
from .candidates import answer_key
from .choices import Choice
from .choosing import choose, freshest
from .evidence import MIN_ANSWER_SUPPORT, Evidence, compose, local_weights, matches
from .questions import Question, answer_kind, answer_shape
from .short_answers import listed, load_model, rank
from .wanted import wanted

NOT_FOUND = "The indexed articles don't say."
# Photo captions and credits: "(Photo: Jane Doe/AP)", "Getty Images".
CAPTION = re.compile(r"\((?:photo|image|video|credit)s?\b|\b(?:getty images|associated press photo|file photo)\b", re.I)
# Sentences scored by meaning per answer, the likeliest by words and rank. Most come with
# vectors stored at indexing time; the rest are embedded now, which is what bounds this.
MAX_EMBEDDED = 24
REPEATS = 2  # sentences of one pattern (words but numbers) kept per article; see unrepeated()
KEEP_RATIO = 0.75  # further sentences must be nearly as good as the best one
# A short answer's sentence needs this share of the best sentence's support (no rtqa-2024 answer changes).
STATED_RATIO = 0.4
MAX_ANSWER_SENTENCES = 3  # sentences quoted in an answer
# The sentence cited for the short answer also weighs the other candidates it states (their share of
# the model's belief): when the model is wrong, the answer's first sentence may still hold the answer.
LEAD_MASS = 1.0
NOVELTY = 0.5  # how much repeating sentences already picked counts against the next one
REDUNDANT = 0.6  # share of a sentence's words already picked above which it only repeats them


class ExtractiveAnswerer:
    def __init__(
        self,
        embedder: Embedder,
        idf: Callable[[str], dict[str, float]],
        stored: Callable[[Sequence[str]], Mapping[str, ChunkSentences]] | None = None,
        min_confidence: float | None = None,
    ):
        self.embedder = embedder
        self.min_confidence = min_confidence  # None: the threshold trained with the model
        self.idf = idf  # term weights from the corpus, so rare names count more than common words
        self.stored = stored  # chunk id -> its sentences' vectors from indexing (sentence_vectors.py)

    def answer(
        self, question: Question, passages: Sequence[Passage], context: str = "", today: date | None = None
    ) -> Answer:
        """The answer first (Answer.short, when the question asks for a name, number, date...), then the
        cited sentence that states it; or "the articles don't say" when the model is not confident enough.

        `today` is "now" for recency: the as-of date, or the newest article's date.
        """
        evidence, vectors = self.evidence(question.stem, passages, context)
        if question.options:
            return choose(question, passages, evidence, vectors, self.idf, self.embedder)
        if not evidence:
            return not_found(question, passages, 0.0)
        held = held_terms(passages)
        missing = unmentioned(question.stem, held)
        if missing:
            return not_found(question, passages, 0.0, missing)
        asked = wanted(question.stem)
        model = load_model()
        scored = rank(model, asked, question.stem, evidence, passages, today, self.embedder)
        subject = subject_coverage(question.stem, held, self.idf)
        confidence = model.confidence(confidence_features(scored, sentence_scores(evidence), asked.short, subject))
        # The model judges whether a short answer is right; a why/how question has none, and is
        # answered when its best sentence takes the question up well enough.
        if asked.short:
            unsure = confidence < (model.threshold if self.min_confidence is None else self.min_confidence)
        else:
            unsure = evidence[0].support < MIN_ANSWER_SUPPORT
        if unsure:
            return not_found(question, passages, confidence)
        best = scored.best
        if best is not None and evidence[best.stated_in[0]].support < STATED_RATIO * evidence[0].support:
            # The best candidate only stands in a sentence far weaker than the one that takes the
            # question up ("The mayor praised the volunteers", with no name in it): that sentence
            # answers, and a name from elsewhere would not.
            best = None
        if asked.short and best is not None:
            named = listed(scored, asked)
            mass: dict[int, float] = {}
            for other in scored.choices:
                for i in set(other.stated_in):
                    mass[i] = mass.get(i, 0.0) + other.share
            statements = []
            for choice in named:
                # Cite a sentence that writes the answer out ("Serena Williams", not a later "Williams").
                whole = [i for i in choice.stated_in if f" {choice.key} " in f" {answer_key(evidence[i].sentence)} "]
                values = sorted(
                    (
                        (evidence[i].support + LEAD_MASS * (mass.get(i, 0.0) - choice.share), evidence[i])
                        for i in whole or choice.stated_in
                    ),
                    key=lambda v: -v[0],
                )
                stating = freshest(values, passages)
                if stating not in statements:
                    statements.append(stating)
            if asked.plural:
                # "Which leaders ...?": the model may name one; the sentences that name the others follow.
                for i in pick(evidence):
                    if len(statements) < MAX_ANSWER_SENTENCES and evidence[i] not in statements:
                        statements.append(evidence[i])
            answer = compose(question.text, statements, passages)
            answer.short = join_names([c.text for c in named])
        else:
            answer = compose(question.text, [evidence[i] for i in lead_first(evidence, best)], passages)
        answer.confidence = confidence
        return answer

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
        evidence = unrepeated(sorted(evidence, key=lambda e: e.support, reverse=True), passages)[:MAX_EMBEDDED]
        known = self.known_vectors(passages, splits)
        rows: list[np.ndarray | None] = [
            None if (vectors := known[e.passage]) is None else vectors[e.order] for e in evidence
        ]
        missing = [n for n, v in enumerate(rows) if v is None]
        queries = [query, f"{context} {query}"] if context else [query]
        embedded = self.embedder.embed(queries + [evidence[n].sentence for n in missing])
        qv = embedded[: len(queries)]
        for n, vector in zip(missing, embedded[len(queries) :]):
            rows[n] = vector
        sv = np.array(rows, dtype=np.float32)
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
            row = stored.get(p.chunk_id)
            same = row is not None and len(row.vectors) == len(sentences) and row.digest == sentences_digest(sentences)
            known.append(row.vectors if row is not None and same else None)
        return known


def unrepeated(evidence: Sequence[Evidence], passages: Sequence[Passage]) -> list[Evidence]:
    """The evidence (best first) with no sentence pattern counted more than REPEATS times per article.

    A pattern is a sentence's words but for its numbers ("Update 7: more on the toll later."):
    filler repeated down a long record would otherwise fill every slot and outvote the one
    sentence that states the fact.
    """
    seen: Counter[tuple[str, frozenset[str]]] = Counter()
    kept = []
    for e in evidence:
        pattern = (passages[e.passage].article_id, frozenset(t for t in e.terms if not any(c.isdigit() for c in t)))
        seen[pattern] += 1
        if seen[pattern] <= REPEATS:
            kept.append(e)
    return kept


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def not_found(
    question: Question, passages: Sequence[Passage], confidence: float, missing: Sequence[str] = ()
) -> Answer:
    """The honest answer when the passages do not answer: they stay attached, as the closest found; the
    names of the question none of them mentions are said."""
    text = NOT_FOUND
    if missing:
        text += f" None of them mentions {join_names([f'“{m}”' for m in missing])}."
    return Answer(question.text, text, passages=list(passages), abstained=True, confidence=confidence)


def lead_first(evidence: Sequence[Evidence], best: Choice | None) -> list[int]:
    """The sentences of an answer with no short form: the one stating the best candidate leads (not a
    question, teaser or caption), then those nearly as good that add something."""
    usable = [i for i, e in enumerate(evidence) if not unfit(e.sentence)] or list(range(len(evidence)))
    lead = best.stated_in[0] if best is not None and best.stated_in[0] in usable else usable[0]
    ordered = [lead] + [i for i in usable if i != lead]
    return [ordered[i] for i in pick([evidence[i] for i in ordered])]


def unfit(sentence: str) -> bool:
    """A sentence no answer should lead with: a question, a teaser, a caption."""
    return sentence.rstrip(" ”\"'").endswith("?") or bool(TEASER.search(sentence)) or bool(CAPTION.search(sentence))


def pick(evidence: Sequence[Evidence], asked: frozenset[str] = frozenset()) -> list[int]:
    """The best sentence, then those nearly as good that add something (maximal marginal relevance).

    What a sentence adds is judged by its words beyond the question's (`asked`), not by its
    vector: vectors pooled in their passage's context (sentence_vectors.py) make neighbouring
    sentences alike whatever they say, and every answer repeats the question's words.
    """
    floor = max(MIN_ANSWER_SUPPORT, KEEP_RATIO * evidence[0].support)
    # A further sentence must itself take up the question, by at least one of its words: in
    # context, a relevant passage's every sentence resembles the question.
    candidates = [i for i in range(1, len(evidence)) if evidence[i].support >= floor and evidence[i].coverage > 0]
    picked = [0]
    while candidates and len(picked) < MAX_ANSWER_SENTENCES:

        def repeats(i: int) -> float:
            terms = evidence[i].terms - asked
            return max(len(terms & evidence[j].terms) for j in picked) / len(terms) if terms else 1.0

        best = max(candidates, key=lambda i: evidence[i].support - NOVELTY * repeats(i))
        candidates.remove(best)
        if repeats(best) < REDUNDANT:
            picked.append(best)
    return picked
