"""What a question gets back: the Answer, its Citations, and the Passages behind it."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterator

from .sources import AlsoReported, Citation, Passage, jsonable

if TYPE_CHECKING:
    from .briefings import Briefing

__all__ = ["AlsoReported", "Answer", "Citation", "Passage", "text_pieces"]


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
        return jsonable(data)

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


def text_pieces(text: str) -> Iterator[str]:
    """Split a finished text into word-sized pieces that join back to it exactly (for streaming faces)."""
    start = 0
    for match in re.finditer(r"\S+\s*", text):
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]
