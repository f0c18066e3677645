"""Find the passages for a question: dense (Chroma) and lexical (BM25) search, fused and filtered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Sequence

import numpy as np

from .answers import Passage
from .embedding import Embedder
from .fusion import convex_fusion
from .lexical import LexicalIndex
from .store import Store, day_number


@dataclass(frozen=True)
class Filters:
    """What the reader allows: an as-of date (nothing published later exists), a date range, outlets."""

    as_of: date | None = None
    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()

    @property
    def last_day(self) -> date | None:
        days = [d for d in (self.as_of, self.until) if d]
        return min(days) if days else None

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.last_day:
            # Unknown dates are day 0 and pass: an undated article is not known to be from the future.
            clauses.append({"published_day": {"$lte": day_number(self.last_day)}})
        if self.since:
            clauses.append({"published_day": {"$gte": day_number(self.since)}})
        if self.sources:
            clauses.append({"source": {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def mask(self, days: np.ndarray, sources: Sequence[str]) -> np.ndarray | None:
        keep = np.ones(len(days), dtype=bool)
        if self.last_day:
            keep &= days <= day_number(self.last_day)
        if self.since:
            keep &= days >= day_number(self.since)
        if self.sources:
            allowed = set(self.sources)
            keep &= np.fromiter((s in allowed for s in sources), dtype=bool, count=len(sources))
        return None if keep.all() else keep


class Retriever:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        lexical: LexicalIndex | None,
        *,
        candidates: int = 40,
        per_article: int = 2,
        dense_weight: float = 0.5,
    ):
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.candidates = candidates
        self.per_article = per_article
        self.dense_weight = dense_weight

    def search(self, query: str, *, k: int = 6, filters: Filters = Filters()) -> list[Passage]:
        vector = self.embedder.embed([query])[0]
        dense = self.store.query(vector, self.candidates, filters.chroma_where())
        found = {cid: (doc, meta) for cid, _, doc, meta in dense}
        similarity = {cid: sim for cid, sim, _, _ in dense}
        lexical_hits: list[tuple[str, float]] = []
        if self.lexical is not None:
            rows = self.lexical.rows
            lexical_hits = self.lexical.search(query, self.candidates, filters.mask(rows.days, rows.sources))
        bm25 = dict(lexical_hits)
        missing = [cid for cid in bm25 if cid not in found]
        found.update(self.store.get(missing))
        fused = convex_fusion([(cid, sim) for cid, sim, _, _ in dense], lexical_hits, self.dense_weight)

        passages: list[Passage] = []
        per_article: dict[str, int] = {}
        for cid, score in fused:
            if cid not in found:  # deleted between the BM25 build and now
                continue
            text, meta = found[cid]
            article = meta["article_id"]
            if per_article.get(article, 0) >= self.per_article:
                continue
            per_article[article] = per_article.get(article, 0) + 1
            passages.append(to_passage(cid, text, meta, score, similarity.get(cid), bm25.get(cid)))
            if len(passages) >= k:
                break
        return passages


def to_passage(
    cid: str, text: str, meta: dict, score: float, similarity: float | None, lexical: float | None
) -> Passage:
    published = meta.get("published") or ""
    return Passage(
        chunk_id=cid,
        article_id=meta["article_id"],
        title=meta.get("title", ""),
        source=meta.get("source", ""),
        url=meta.get("url", ""),
        published=date.fromisoformat(published) if published else None,
        text=text,
        start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)),
        score=score,
        similarity=similarity,
        lexical=lexical,
        path=meta.get("path", ""),
        authors=tuple(a for a in meta.get("authors", "").split("; ") if a),
    )
