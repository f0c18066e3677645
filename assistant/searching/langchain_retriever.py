"""Our retrieval as a LangChain BaseRetriever, so it drops into anyone's chain; Passages travel as Documents."""

from __future__ import annotations

from datetime import date
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ..answers import AlsoReported, Passage
from .filters import Filters
from .retriever import Retriever


class NewsRetriever(BaseRetriever):
    """Dense + BM25 retrieval with dates, outlets and one-story-once, as `assistant.as_retriever()`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    retriever: Retriever  # the search behind it
    filters: Filters = Filters()
    k: int = 6

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        passages = self.retriever.search(query, k=self.k, filters=self.filters)
        return [to_document(p) for p in passages]


def to_document(p: Passage) -> Document:
    """A Passage as a Document: its text as page content, everything else as plain metadata."""
    meta = {
        "chunk_id": p.chunk_id,
        "article_id": p.article_id,
        "title": p.title,
        "source": p.source,
        "url": p.url,
        "published": p.published.isoformat() if p.published else "",
        "start": p.start,
        "end": p.end,
        "score": p.score,
        "similarity": p.similarity,
        "lexical": p.lexical,
        "path": p.path,
        "authors": list(p.authors),
        "also_reported_by": [
            {**vars(a), "published": a.published.isoformat() if a.published else ""} for a in p.also_reported_by
        ],
    }
    return Document(page_content=p.text, metadata=meta, id=p.chunk_id)


def passage_from_document(doc: Document) -> Passage:
    """The Passage a Document from NewsRetriever was made from."""
    m = doc.metadata
    also = tuple(
        AlsoReported(a["article_id"], a["title"], a["source"], a["url"], _date(a.get("published")))
        for a in m.get("also_reported_by", ())
    )
    return Passage(
        chunk_id=m.get("chunk_id") or doc.id or "",
        article_id=m.get("article_id", ""),
        title=m.get("title", ""),
        source=m.get("source", ""),
        url=m.get("url", ""),
        published=_date(m.get("published")),
        text=doc.page_content,
        start=int(m.get("start", 0)),
        end=int(m.get("end", 0)),
        score=float(m.get("score", 0.0)),
        similarity=m.get("similarity"),
        lexical=m.get("lexical"),
        path=m.get("path", ""),
        authors=tuple(m.get("authors", ())),
        also_reported_by=also,
    )


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
