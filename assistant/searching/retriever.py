"""Find the passages for a question: dense (Chroma) and lexical (BM25) search, fused, dated and filtered."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from ..answers import AlsoReported, Passage
from ..embedding.embedder import Embedder
from ..storing.bm25 import LexicalIndex
from ..storing.chunk_meta import ChunkMeta
from ..storing.rows import Rows
from ..storing.store import Store
from .dates import TimeFrame, time_frame
from .filters import Filters
from .fusion import convex_fusion
from .stories import same_story, shingles

OVERFETCH = 3  # unfiltered nearest chunks fetched per candidate wanted, before the filters apply
TEXT_PAGE = 2  # candidates' texts fetched per trip to the store, per passage wanted
# BM25 for a question runs here while the question is embedded on the calling thread.
LEXICAL_SEARCH = ThreadPoolExecutor(max_workers=4, thread_name_prefix="bm25")


@dataclass(frozen=True)
class Ranking:
    """How time counts: news fades with age, and a question's own time window weighs most."""

    dense_weight: float = 0.5
    recency_weight: float = 0.2  # bonus for a passage published on the as-of day, halving every half-life
    half_life_days: float = 30.0
    recent_half_life_days: float = 7.0  # for "latest", "this week", ...
    window_weight: float = 0.3  # bonus for falling inside the question's time window


class Retriever:
    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        lexical: LexicalIndex | None,
        *,
        candidates: int = 40,
        per_article: int = 2,
        ranking: Ranking = Ranking(),
    ):
        self.store = store
        self.embedder = embedder
        self.lexical = lexical
        self.candidates = candidates
        self.per_article = per_article
        self.ranking = ranking

    def nearest(
        self,
        vector: np.ndarray,
        scope: Filters,
        rows: Rows | None,
        mask: np.ndarray | None,
        unfiltered: list[tuple[str, float]],
    ) -> list[tuple[str, float]]:
        """The chunks nearest the query that the filters allow, as (id, cosine).

        Chroma answers a metadata-filtered query by scanning metadata (83 ms against 5 ms
        unfiltered on 16.6k chunks here), and a query among named ids took 8-18 ms. Every
        chunk's date, outlet and vector are at hand in the lexical index's rows, so: fetch more
        without a filter and apply it here; when too few pass, search the allowed rows' vectors
        here (a week of news is ~800 chunks: well under a millisecond). `mask` is `scope.mask`
        over `rows`, already computed for BM25; `unfiltered` is shared by the question's
        scopes, so Chroma is asked once.
        """
        where = scope.chroma_where()
        if where is None:
            return self.store.nearest(vector, self.candidates)
        if rows is None:
            return self.store.nearest(vector, self.candidates, where=where)
        position = rows.position
        wanted = OVERFETCH * self.candidates
        if not unfiltered:
            unfiltered.extend(self.store.nearest(vector, wanted))
        hits = unfiltered
        # Chunks written since the rows were read (another process's rebuild) are judged by their own metadata.
        newer = {cid: meta for cid, (_, meta) in self.store.get([c for c, _ in hits if c not in position]).items()}

        def allowed(cid: str) -> bool:
            if cid in position:
                return mask is None or bool(mask[position[cid]])
            return cid in newer and scope.allows(newer[cid])

        kept = [hit for hit in hits if allowed(hit[0])]
        if len(kept) >= self.candidates or len(hits) < wanted:  # enough, or every chunk was seen
            return kept[: self.candidates]
        if not newer and rows.vectors is not None:  # the rows are the whole store
            allowed_rows = np.arange(len(rows.ids)) if mask is None else np.flatnonzero(mask)
            return rows.nearest(vector, self.candidates, allowed_rows)
        return self.store.nearest(vector, self.candidates, where=where)

    def lexical_hits(self, query: str, masks: list[np.ndarray | None]) -> dict[str, float]:
        hits: dict[str, float] = {}
        if self.lexical is not None:
            for mask in masks:
                hits.update(self.lexical.search(query, self.candidates, mask))
        return hits

    def search(
        self, query: str, *, k: int = 6, filters: Filters | None = None, today: date | None = None
    ) -> list[Passage]:
        filters = filters or Filters()
        today = today or filters.as_of or date.today()
        frame = time_frame(query, today)
        rows = self.lexical.rows if self.lexical is not None else None
        # The question's own window gets a search of its own, so its articles are candidates
        # even when older coverage of the same subject would crowd them out.
        scopes = [scope for scope in (filters, filters.narrowed(frame)) if scope is not None]
        masks = [scope.mask(rows.days, rows.sources) if rows is not None else None for scope in scopes]
        # BM25 runs on another core while the question is embedded: neither waits for the other.
        lexical_job = LEXICAL_SEARCH.submit(self.lexical_hits, query, masks)
        vector = self.embedder.embed([query])[0]
        dense: dict[str, float] = {}
        unfiltered: list[tuple[str, float]] = []
        for scope, mask in zip(scopes, masks):
            dense.update(self.nearest(vector, scope, rows, mask, unfiltered))
        lexical = lexical_job.result()
        fused = convex_fusion(
            sorted(dense.items(), key=lambda kv: -kv[1]),
            sorted(lexical.items(), key=lambda kv: -kv[1]),
            self.ranking.dense_weight,
        )
        # Dates come from the rows; texts and metadata are fetched only for the passages picked.
        known = rows.position if rows is not None else {}
        found = self.store.get([cid for cid, _ in fused if cid not in known])
        days = {cid: day for cid, _ in fused if (day := self.day_of(cid, rows, found)) is not None}
        scored = sorted(
            ((cid, score + self.time_bonus(days[cid], frame, today)) for cid, score in fused if cid in days),
            key=lambda kv: -kv[1],
        )
        passages = self.pick(scored, found, dense, lexical, k)
        return [p if p.similarity is not None else self.with_similarity(p, vector, rows) for p in passages]

    @staticmethod
    def with_similarity(passage: Passage, vector: np.ndarray, rows: Rows | None) -> Passage:
        """A passage BM25 alone found, with its cosine to the question too, when its vector is at hand:
        every passage then shows how close in meaning it is, not only how it ranked."""
        if rows is None or rows.vectors is None or passage.chunk_id not in rows.position:
            return passage
        row = np.asarray(rows.vectors[rows.position[passage.chunk_id]], dtype=np.float32)
        return replace(passage, similarity=float(row @ vector.astype(np.float32)))

    @staticmethod
    def day_of(cid: str, rows: Rows | None, found: dict[str, tuple[str, ChunkMeta]]) -> int | None:
        """The chunk's publication day (0 when unknown), or None for a chunk no longer stored."""
        if rows is not None and cid in rows.position:
            return int(rows.days[rows.position[cid]])
        if cid in found:
            return found[cid][1].day
        return None

    def time_bonus(self, day: int, frame: TimeFrame, today: date) -> float:
        if not day:
            return 0.0
        r = self.ranking
        age = max(today.toordinal() - day, 0)
        half_life = r.recent_half_life_days if frame.recent else r.half_life_days
        bonus = r.recency_weight * 0.5 ** (age / half_life)
        if (frame.since or frame.until) and (
            (not frame.since or day >= frame.since.toordinal()) and (not frame.until or day <= frame.until.toordinal())
        ):
            bonus += r.window_weight
        return bonus

    def pick(self, scored, found, dense, lexical, k: int) -> list[Passage]:
        """Best first, at most `per_article` from one article, each story once with its other outlets.

        Texts are fetched from the store a page at a time, in ranking order. Once k passages
        are kept, the candidates already fetched are still checked for copies of a kept story.
        """
        passages: list[Passage] = []
        prints: list[frozenset[int]] = []
        per_article: dict[str, int] = {}
        duplicate_of: dict[str, int] = {}  # article id -> index of the passage it was grouped under
        found = dict(found)
        fetched = 0  # candidates before this position have had their texts asked for
        for n, (cid, score) in enumerate(scored):
            if n >= fetched:
                if len(passages) >= k:
                    break
                fetched = n + TEXT_PAGE * k
                found.update(self.store.get([c for c, _ in scored[n:fetched] if c not in found]))
            if cid not in found:
                continue
            text, meta = found[cid]
            article = meta.article_id
            if article in duplicate_of or per_article.get(article, 0) >= self.per_article:
                continue
            fingerprint = shingles(text)
            twin = next(
                (i for i, p in enumerate(passages) if p.article_id != article and same_story(prints[i], fingerprint)),
                None,
            )
            if twin is not None:
                duplicate_of[article] = twin
                also = AlsoReported(article, meta.title, meta.source, meta.url, meta.published)
                passages[twin] = replace(passages[twin], also_reported_by=passages[twin].also_reported_by + (also,))
                continue
            if len(passages) >= k:
                continue  # full, but later candidates may still be copies of a kept story
            per_article[article] = per_article.get(article, 0) + 1
            passages.append(passage_from_chunk(cid, text, meta, score, dense.get(cid), lexical.get(cid)))
            prints.append(fingerprint)
        return passages


def passage_from_chunk(
    cid: str, text: str, meta: ChunkMeta, score: float, similarity: float | None, lexical: float | None
) -> Passage:
    """A stored chunk as a Passage, with how it ranked."""
    return Passage(
        chunk_id=cid,
        article_id=meta.article_id,
        title=meta.title,
        source=meta.source,
        url=meta.url,
        published=meta.published,
        text=text,
        start=meta.start,
        end=meta.end,
        score=score,
        similarity=similarity,
        lexical=lexical,
        path=meta.path,
        authors=meta.authors,
    )
