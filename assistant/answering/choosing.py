"""Choosing among offered options ("...: A, B or C?"): which option the evidence names, and which report to cite for it."""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Callable, Mapping, Sequence

import numpy as np

from ..answers import Answer, Passage
from ..embedding.embedder import Embedder
from ..reading.terms import stem, stems
from .amounts import is_quantity, states
from .evidence import MIN_ANSWER_SUPPORT, Evidence, compose, matches
from .questions import Question

CLOSEST_SENTENCES = 10  # best sentences an unnamed option is compared with
MIN_OPTION_MATCH = 0.5  # share of an option's distinctive words a sentence must hold to name it
MIN_CHOICE_SUPPORT = 0.15  # an option named only in sentences weaker than this is a guess: abstain
SCATTERED = 0.9  # an option not written out as such (words apart, a short name, a rounded amount) counts a little less
HEADLINE_WEIGHT = 0.5  # for an option named in every retrieved headline, at the top passage's rank
STALE_DAYS = 14  # a statement this much older than another of the same choice is not the one to cite
FRESH_RATIO = 0.8  # ... provided the newer statement backs the choice nearly as well


def choose(
    question: Question,
    passages: Sequence[Passage],
    evidence: list[Evidence],
    vectors: np.ndarray,
    idf: Callable[[str], dict[str, float]],
    embedder: Embedder,
) -> Answer:
    """Name the offered option the evidence supports best.

    An option scores by its distinctive words found in a sentence, times how well that
    sentence answers the question; its best two sentences count, so one stray mention
    does not outweigh steady support. A story's subject is in its headline, so an option
    the retrieved stories' headlines name gains a little more.
    """
    names = OptionNames(question.options, idf(" ".join(question.options)))
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
        return closest(question, passages, evidence, vectors, embedder)
    answer = compose(question.text, [freshest(values, passages)], passages)
    number = answer.citations[0].number
    answer.text = f"{option} [{number}]. {answer.text}"
    answer.choice = option
    return answer


def closest(
    question: Question, passages: Sequence[Passage], evidence: list[Evidence], vectors: np.ndarray, embedder: Embedder
) -> Answer:
    """No sentence names an option: offer the option nearest in meaning to the best passages, saying so.

    Abstains only when nothing retrieved answers the question at all.
    """
    relevant = [i for i, e in enumerate(evidence[:CLOSEST_SENTENCES]) if e.support >= MIN_ANSWER_SUPPORT]
    if not relevant:
        text = f"The articles do not say which of {', '.join(question.options)} it is."
        return Answer(question=question.text, text=text, passages=list(passages), abstained=True)
    options = embedder.embed([f"{question.stem} {o}" for o in question.options])
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
        (published, value, e)
        for value, e in values
        if value >= FRESH_RATIO * best_value and (published := passages[e.passage].published) is not None
    ]
    newest_day, _, newest = max(nearly_as_good, key=lambda n: n[:2])
    return newest if (newest_day - day).days > STALE_DAYS else best


def normalise(text: str) -> str:
    """NFKC, lower case, every run of non-alphanumerics one space (the eval sets' own rule)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " " + re.sub(r"[^0-9a-z]+", " ", text).strip() + " "


def names(text: str, choice: str) -> bool:
    """The text names the choice as written (normalised)."""
    return normalise(choice).strip() != "" and normalise(choice) in normalise(text)
