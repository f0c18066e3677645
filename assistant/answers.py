"""What a question gets back: the Answer, its Citations, and the Passages behind it."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from .briefings import Briefing


@dataclass(frozen=True)
class AlsoReported:
    """Another outlet's copy of the same story, grouped under the passage that ranked best."""

    article_id: str
    title: str
    source: str
    url: str
    published: date | None


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its article's metadata and how it ranked."""

    chunk_id: str
    article_id: str
    title: str
    source: str
    url: str
    published: date | None
    text: str
    start: int
    end: int
    score: float  # fused rank score; higher is better
    similarity: float | None = None  # cosine to the query, when dense search saw it
    lexical: float | None = None  # BM25 score, when lexical search saw it
    path: str = ""
    authors: tuple[str, ...] = ()
    also_reported_by: tuple[AlsoReported, ...] = ()


@dataclass(frozen=True)
class Citation:
    number: int  # the n in [n]
    article_id: str
    title: str
    source: str
    published: date | None
    url: str
    passage: str  # the quoted passage
    sentence: str = ""  # the sentence of the passage that supports the claim
    chunk_id: str = ""
    also_reported_by: tuple[AlsoReported, ...] = ()

    @classmethod
    def from_passage(cls, number: int, passage: Passage, sentence: str = "") -> "Citation":
        return cls(
            number=number,
            article_id=passage.article_id,
            title=passage.title,
            source=passage.source,
            published=passage.published,
            url=passage.url,
            passage=passage.text,
            sentence=sentence,
            chunk_id=passage.chunk_id,
            also_reported_by=passage.also_reported_by,
        )

    def label(self) -> str:
        """One line naming the source: title — outlet, date."""
        bits = [b for b in (self.source, self.published.isoformat() if self.published else "") if b]
        return f"{self.title} — {', '.join(bits)}" if bits else self.title


@dataclass
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    abstained: bool = False
    # Which answerer produced the text: "extractive" (no LLM configured); "llm:openai", "llm:ollama",
    # "llm:llama-cpp" (a checked generated answer); "extractive (fallback: <reason>)" when a configured
    # model failed or said nothing its sources support (reasons: generative.failure_reason and
    # "no supported sentence", "declined", "empty output", "nothing retrieved").
    path: str = "extractive"
    choice: str | None = None  # the offered option the answer names, if any
    as_of: date | None = None
    # The answer itself in a few words (a name, number, amount, date, place, title) when the question
    # asks for one, else None; `text` then leads with the cited sentence that states it.
    short: str | None = None
    searched: str = ""  # what was searched for: the question, or a follow-up with what it refers to
    # How likely the answer is right (the answerer's calibrated estimate, 0..1); None when not estimated.
    confidence: float | None = None
    # For an overview question ("What happened this week?"): the stories the text lists, in order.
    briefing: Briefing | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return _jsonable(data)

    def with_sources(self) -> str:
        """The short answer, the answer, then its numbered sources, as plain text for a terminal."""
        lines = [self.short, "", self.text] if self.short else [self.text]
        sources = self.sources_text()
        return "\n".join(lines + ["", sources] if sources else lines)

    def sources_text(self) -> str:
        """The numbered sources, one per line with its link and other outlets; "" without citations."""
        lines = []
        for c in self.citations:
            lines.append(f"[{c.number}] {c.label()}" + (f"\n    {c.url}" if c.url else ""))
            if c.also_reported_by:
                lines.append("    also reported by: " + ", ".join(a.source or a.title for a in c.also_reported_by))
        return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def text_pieces(text: str) -> Iterator[str]:
    """Split a finished text into word-sized pieces that join back to it exactly (for streaming faces)."""
    start = 0
    for match in re.finditer(r"\S+\s*", text):
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]
