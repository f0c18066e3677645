"""What the store keeps about each chunk besides its text and vector, as one typed record with its Chroma form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from ..articles import Article
from ..reading.chunking import Chunk

# The Chroma metadata keys that filters search on.
DAY = "published_day"
SOURCE = "source"


def day_number(day: date | None) -> int:
    """A date as a sortable number; 0 for an unknown date, which sorts before any real one."""
    return day.toordinal() if day else 0


@dataclass(frozen=True)
class ChunkMeta:
    """One chunk's article metadata and place in it, as written beside the chunk in Chroma."""

    article_id: str
    title: str = ""
    source: str = ""
    url: str = ""
    authors: tuple[str, ...] = ()
    published: date | None = None
    path: str = ""
    position: int = 0
    start: int = 0
    end: int = 0
    article_hash: str = ""  # the article's content hash: another one means the article changed
    article_chunks: int = 0  # how many chunks the whole article has, to spot a half-written one
    copies: tuple[str, ...] = ()  # other files/URLs with the same article, indexed once

    @classmethod
    def of(cls, article: Article, chunk: Chunk, n_chunks: int) -> "ChunkMeta":
        return cls(
            article_id=article.id,
            title=article.title,
            source=article.source,
            url=article.url,
            authors=article.authors,
            published=article.published,
            path=article.path,
            position=chunk.position,
            start=chunk.start,
            end=chunk.end,
            article_hash=article.content_hash,
            article_chunks=n_chunks,
            copies=article.copies,
        )

    @property
    def day(self) -> int:
        return day_number(self.published)

    def to_chroma(self) -> dict[str, Any]:
        # Chroma metadata holds no None and no lists: unknown dates are "" and day 0, lists are joined.
        return {
            "article_id": self.article_id,
            "title": self.title,
            SOURCE: self.source,
            "url": self.url,
            "authors": "; ".join(self.authors),
            "published": self.published.isoformat() if self.published else "",
            DAY: self.day,
            "path": self.path,
            "position": self.position,
            "start": self.start,
            "end": self.end,
            "article_hash": self.article_hash,
            "article_chunks": self.article_chunks,
            "copies": "\n".join(self.copies),
        }

    @classmethod
    def from_chroma(cls, meta: Mapping[str, Any]) -> "ChunkMeta":
        published = str(meta.get("published") or "")
        return cls(
            article_id=str(meta["article_id"]),
            title=str(meta.get("title", "")),
            source=str(meta.get(SOURCE, "")),
            url=str(meta.get("url", "")),
            authors=tuple(a for a in str(meta.get("authors", "")).split("; ") if a),
            published=date.fromisoformat(published) if published else None,
            path=str(meta.get("path", "")),
            position=int(meta.get("position", 0)),
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            article_hash=str(meta.get("article_hash", "")),
            article_chunks=int(meta.get("article_chunks", 0)),
            copies=tuple(c for c in str(meta.get("copies", "")).split("\n") if c),
        )
