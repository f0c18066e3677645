"""Where an answer comes from: the retrieved Passages, the Citations made of them, other outlets' copies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


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


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
