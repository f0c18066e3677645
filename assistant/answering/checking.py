"""Check a generated answer sentence by sentence: parse its [n] markers and score each claim against its source."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from ..answers import Citation, Passage
from ..embedding.embedder import Embedder
from ..reading.sentences import split_sentences
from ..reading.terms import stems
from .evidence import SIMILARITY_WEIGHT, cite, matches
from .prompting import INSTRUCTION_LIKE

# [1], [1, 2], [1][2], [Source 3], [1-2]: what models write when asked for "[n]".
MARKER = re.compile(r"\[\s*(?:sources?\s*|doc(?:ument)?\s*)?(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]", re.IGNORECASE)
# Claim support = SIMILARITY_WEIGHT * best cosine to a source sentence + the rest * rare-term coverage.
# With MiniLM a paraphrase of the source scores 0.7-0.95, an unrelated claim 0.1-0.3, and SmolLM2's
# on-topic word salad about 0.5. A claim that reuses the source's words to say something else (the
# wrong country) can still pass: telling that needs an NLI model, which cannot be had offline here.
MIN_CLAIM_SUPPORT = 0.6
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
UNSUPPORTED = "[unsupported]"  # appended to a sentence its sources do not back, when marking
ABBREVIATIONS = {"mr", "mrs", "ms", "dr", "st", "gen", "sen", "rep", "gov", "prof", "jr", "sr", "vs", "no", "lt", "col"}
ABBREVIATIONS |= {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "corp"}


def markers(sentence: str) -> list[int]:
    """The source numbers a sentence cites, in order, each once ("[2-4]" is 2, 3, 4)."""
    found: list[int] = []
    for match in MARKER.finditer(sentence):
        for part in re.split(r"\s*(?:,|;|and)\s*", match.group(1)):
            bounds = [int(x) for x in re.split(r"\s*[-–]\s*", part) if x]
            numbers = range(bounds[0], bounds[-1] + 1) if len(bounds) == 2 and bounds[1] - bounds[0] < 10 else bounds
            found.extend(n for n in numbers if n not in found)
    return found


def claim_text(sentence: str) -> str:
    """The sentence without its markers, spaced as prose."""
    text = MARKER.sub("", sentence)
    return " ".join(re.sub(r"\s+([.,;:!?])", r"\1", text).split())


def figures(text: str) -> set[str]:
    """The numbers in a text, written plainly: "1,200" and "1200" are one number; "80th" is 80."""
    return {n.replace(",", "").rstrip(".") for n in NUMBER.findall(text)}


class SentenceSplitter:
    """Cut streamed text into sentences as soon as each is complete, markers after the stop included."""

    # A stop, closing quotes, any markers, then space and the start of something new. No "[" in the
    # look-ahead: a marker still arriving belongs to the sentence before it.
    END = re.compile(r"[.!?][\"'”’)\]]*(?:\s*\[[^\]\n]{1,20}\])*(?=\s+[\"“(A-Z0-9*-])|\n")

    def __init__(self) -> None:
        self.buffer = ""

    def feed(self, text: str) -> list[str]:
        self.buffer += text
        out = []
        start = 0
        for match in self.END.finditer(self.buffer):
            piece = self.buffer[start : match.end()]
            if self._abbreviation(piece):
                continue
            if piece.strip():
                out.append(" ".join(piece.split()))
            start = match.end()
        self.buffer = self.buffer[start:]
        return out

    def flush(self) -> list[str]:
        rest, self.buffer = " ".join(self.buffer.split()), ""
        return [rest] if rest else []

    @staticmethod
    def _abbreviation(piece: str) -> bool:
        """ "Mr." or "U.S." or a lone initial is not the end of a sentence."""
        if not piece.rstrip().endswith("."):
            return False
        last = re.search(r"(\S+)\.\s*$", piece.rstrip())
        word = last.group(1).lower().lstrip('("“') if last else ""
        return word in ABBREVIATIONS or bool(re.fullmatch(r"(?:[a-z]\.)*[a-z]", word))


@dataclass(frozen=True)
class Check:
    """One generated sentence and what its sources say about it."""

    sentence: str  # as the model wrote it
    claim: str  # without markers
    cited: tuple[int, ...]  # marker numbers that name a given passage (1-based)
    invalid: tuple[int, ...]  # marker numbers that name no given passage: removed
    supporting: tuple[int, ...]  # passage indexes (0-based) whose text backs the claim, best first
    support: float  # best score among the passages considered
    evidence: dict[int, str] = field(default_factory=dict)  # passage index -> its sentence closest to the claim

    @property
    def supported(self) -> bool:
        return bool(self.supporting)


class CitationChecker:
    """Scores claims against passages with the assistant's own embedder and corpus idf: no extra model."""

    def __init__(
        self,
        embedder: Embedder,
        idf: Callable[[str], dict[str, float]],
        passages: Sequence[Passage],
        min_support: float = MIN_CLAIM_SUPPORT,
    ):
        self.embedder = embedder
        self.idf = idf
        self.passages = list(passages)
        self.min_support = min_support
        self._evidence: dict[int, tuple[list[str], np.ndarray, set[str]]] = {}

    def numbers(self, index: int) -> set[str]:
        """Every number the passage states, its publication date's included."""
        p = self.passages[index]
        dated = f"{p.published.year} {p.published.day}" if p.published else ""
        return figures(f"{p.title} {p.text} {dated}")

    def evidence(self, index: int) -> tuple[list[str], np.ndarray, set[str]]:
        """A passage's sentences (title included), their vectors and stems; instruction-like sentences are no evidence."""
        if index not in self._evidence:
            p = self.passages[index]
            found = [p.title] if len(p.title.split()) >= 3 else []
            found += split_sentences(p.text) or [" ".join(p.text.split())]
            found = [s for s in found if s and not INSTRUCTION_LIKE.search(s)]
            vectors = self.embedder.embed(found) if found else np.zeros((0, 1), dtype=np.float32)
            terms = {t for s in found for t in stems(s)}
            self._evidence[index] = (found, vectors, terms)
        return self._evidence[index]

    def score(self, claim: str, claim_vector: np.ndarray, index: int) -> tuple[float, str]:
        sentences, vectors, terms = self.evidence(index)
        if not sentences or not figures(claim) <= self.numbers(index):
            # A number the source does not state (a year, a count) is the commonest invention.
            return 0.0, ""
        sims = vectors @ claim_vector
        best = int(np.argmax(sims))
        weights = self.idf(claim)
        total = sum(weights.values())
        # Rare words of the claim (names, numbers) missing from the source weigh most against it.
        coverage = sum(w for t, w in weights.items() if matches(t, terms)) / total if total else 0.0
        return SIMILARITY_WEIGHT * float(sims[best]) + (1 - SIMILARITY_WEIGHT) * coverage, sentences[best]

    def check(self, sentence: str) -> Check:
        numbers = markers(sentence)
        cited = tuple(n for n in numbers if 1 <= n <= len(self.passages))
        invalid = tuple(n for n in numbers if n not in cited)
        claim = claim_text(sentence)
        if not claim or not any(ch.isalnum() for ch in claim):
            return Check(sentence, claim, cited, invalid, (), 0.0)
        # A sentence that cites nothing (or only passages it was not given) is checked against them all.
        candidates = [n - 1 for n in cited] if cited else list(range(len(self.passages)))
        vector = self.embedder.embed([claim])[0]
        scored = {i: self.score(claim, vector, i) for i in candidates}
        supporting = sorted((i for i, (s, _) in scored.items() if s >= self.min_support), key=lambda i: -scored[i][0])
        if not cited:
            supporting = supporting[:1]  # the best source gets the marker the model left out
        best = max((s for s, _ in scored.values()), default=0.0)
        return Check(sentence, claim, cited, invalid, tuple(supporting), best, {i: scored[i][1] for i in supporting})


class Composer:
    """Builds the shown answer from checks: markers renumbered in order of first use, unsupported marked or dropped."""

    def __init__(self, passages: Sequence[Passage], unsupported: str = "mark"):
        if unsupported not in ("mark", "drop"):
            raise ValueError(f"unsupported must be 'mark' or 'drop', not {unsupported!r}")
        self.passages = list(passages)
        self.mode = unsupported
        self.numbers: dict[int, int] = {}  # passage index -> shown number
        self.citations: list[Citation] = []
        self.shown: list[str] = []
        self.claims: set[str] = set()
        self.supported = 0
        self.unsupported = 0
        self.invalid = 0

    def add(self, check: Check) -> str | None:
        """The sentence as shown, or None when it is dropped."""
        self.invalid += len(check.invalid)
        if not check.claim or check.claim in self.claims:
            return None  # a repeated sentence adds nothing (small models loop)
        self.claims.add(check.claim)
        if not check.supported:
            self.unsupported += 1
            if self.mode == "drop":
                return None
            text = f"{check.claim} {UNSUPPORTED}"
        else:
            self.supported += 1
            for i in check.supporting:
                if i not in self.numbers:
                    self.numbers[i] = len(self.numbers) + 1
                    self.citations.append(Citation.from_passage(self.numbers[i], self.passages[i], check.evidence[i]))
            text = cite(check.claim, 0).replace("[0]", "".join(f"[{self.numbers[i]}]" for i in check.supporting))
        self.shown.append(text)
        return text

    @property
    def text(self) -> str:
        return " ".join(self.shown)
