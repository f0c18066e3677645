"""Bring the index in line with the seeds folder: plan the difference, then apply exactly that."""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from .. import checkpoints
from ..articles import Article, BadFile, Note
from ..embedding.embedder import Embedder
from ..reading.chunking import Chunk, Chunker
from .chunk_meta import ChunkMeta
from .lexical_sync import LexicalChanges, refresh_lexical
from .sentence_vectors import ChunkSentences, SentenceVectorStore, spans_in
from .store import Store, StoredArticle

BATCH_CHUNKS = 512  # chunks embedded and written together: bounded memory, few Chroma calls, length-sorted batches
Progress = Callable[[int, int], None]  # (articles embedded so far, articles to embed): known before the first batch
Planned = Callable[["IndexPlan"], None]  # told the plan before anything is written


class IndexBusy(RuntimeError):
    """Another rebuild holds the index lock."""


@dataclass
class IndexPlan:
    added: list[Article] = field(default_factory=list)
    changed: list[Article] = field(default_factory=list)
    removed: dict[str, StoredArticle] = field(default_factory=dict)
    unchanged: list[Article] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)
    kept: dict[str, StoredArticle] = field(default_factory=dict)  # unreadable now, left as indexed
    notes: list[Note] = field(default_factory=list)  # read all the same: no date, a duplicate, ...

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.changed or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.bad)} skipped"
            + (f" ({len(self.kept)} earlier article(s) of skipped files kept)" if self.kept else "")
        )


@dataclass
class IndexReport:
    plan: IndexPlan
    chunks_embedded: int = 0
    chunks_kept: int = 0
    chunks_deleted: int = 0
    chunks_total: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def summary(self) -> str:
        verb = "Would apply" if self.dry_run else "Applied"
        text = (
            f"{verb}: {self.plan.summary()}. "
            f"Chunks: {self.chunks_embedded} embedded, {self.chunks_kept} reused, {self.chunks_deleted} deleted; "
            f"{self.chunks_total} in the index. {self.seconds:.1f} s."
        )
        return text


def plan(articles: list[Article], bad: list[BadFile], stored: dict[str, StoredArticle]) -> IndexPlan:
    result = IndexPlan(bad=list(bad))
    seen: dict[str, Article] = {}
    for article in articles:
        if article.id in seen:
            first = seen[article.id]
            result.bad.append(BadFile(article.path, f"same article id {article.id} as {first.path}; kept that one"))
            continue
        seen[article.id] = article
        entry = stored.get(article.id)
        if entry is None:
            result.added.append(article)
        elif entry.hashes == {article.content_hash} and len(entry.chunk_ids) == entry.expected_chunks:
            result.unchanged.append(article)
        else:
            # Other text, or a rebuild that stopped half-way through this article.
            result.changed.append(article)
    # A file that could not be read this time keeps what it had in the index: a corrupted
    # copy must not silently delete the articles it used to hold.
    unreadable = {(b.path, b.line) for b in result.bad if b.line is not None} | {
        (b.path, None) for b in result.bad if b.line is None
    }
    for aid, entry in stored.items():
        if aid in seen:
            continue
        file, _, line = entry.path.partition("#")
        if (file, None) in unreadable or (line.isdigit() and (file, int(line)) in unreadable):
            result.kept[aid] = entry
        else:
            result.removed[aid] = entry
    return result


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """One rebuild at a time per index folder; a second one is refused, not queued."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusy(f"Another rebuild is running on {index_dir}; try again when it has finished.") from None
        yield
    finally:
        os.close(fd)


def apply(
    the_plan: IndexPlan,
    stored: dict[str, StoredArticle],
    store: Store,
    chunker: Chunker,
    embedder: Embedder,
    lexical_dir: Path,
    progress: Progress | None = None,
    sentence_store: SentenceVectorStore | None = None,
) -> IndexReport:
    started = time.perf_counter()
    report = IndexReport(plan=the_plan)
    todo = the_plan.added + the_plan.changed
    # Articles are chunked a batch at a time, just before they are embedded, so no more than
    # one batch of chunks is ever held: the chunk total is not known until the end, so progress
    # counts articles, whose total is.
    if progress:
        progress(0, len(todo))
    changes = None
    if not the_plan.is_empty:
        changes = LexicalChanges.start(store, lexical_dir, from_empty=not stored and store.count() == 0)
    if not the_plan.is_empty:
        # Marks the lexical index stale until the rebuild finishes: after a crash half-way, the
        # next reader or rebuild sees the mismatch and rebuilds BM25 from the chunks really stored.
        store.set_digest("")

    batch: list[tuple[Article, list[Chunk], set[str]]] = []
    pending = 0
    for number, article in enumerate(todo, start=1):
        entry = stored.get(article.id)
        item = (article, chunker.chunk(article), entry.chunk_ids if entry else set())
        batch.append(item)
        fresh = sum(1 for c in item[1] if c.id not in item[2])
        pending += fresh
        if pending >= BATCH_CHUNKS or number == len(todo):
            _write_batch(batch, store, embedder, report, sentence_store, changes)
            batch, pending = [], 0
            if progress:
                progress(number, len(todo))

    gone = [cid for entry in the_plan.removed.values() for cid in entry.chunk_ids]
    checkpoints.reached("delete")
    store.delete(gone)
    if sentence_store is not None:
        sentence_store.delete(gone)
    report.chunks_deleted += len(gone)
    if changes is not None:
        changes.remove(gone)

    checkpoints.reached("lexical")
    refresh_lexical(store, lexical_dir, force=not the_plan.is_empty, changes=changes)
    report.chunks_total = store.count()
    report.seconds = time.perf_counter() - started
    return report


def _write_batch(
    batch: list[tuple[Article, list[Chunk], set[str]]],
    store: Store,
    embedder: Embedder,
    report: IndexReport,
    sentence_store: SentenceVectorStore | None = None,
    changes: LexicalChanges | None = None,
) -> None:
    new_chunks: list[Chunk] = []
    kept: list[Chunk] = []
    new_meta: list[ChunkMeta] = []
    kept_meta: list[ChunkMeta] = []
    stale: list[str] = []
    vectors: np.ndarray | list = []
    for article, chunks, old in batch:
        for chunk in chunks:
            meta = ChunkMeta.of(article, chunk, len(chunks))
            if chunk.id in old:
                kept.append(chunk)
                kept_meta.append(meta)
            else:
                new_chunks.append(chunk)
                new_meta.append(meta)
        stale.extend(old - {c.id for c in chunks})
    kept_ids = [c.id for c in kept]
    # New chunks first, stale ones last: a crash in between leaves extra chunks the
    # next rebuild removes, never an article with nothing to answer from.
    if new_chunks:
        checkpoints.reached("embed")
        vectors = embed_chunks(new_chunks, embedder, sentence_store)
        store.add(new_chunks, vectors, new_meta)
        checkpoints.reached("write")
    store.update(kept_ids, kept_meta)
    store.delete(stale)
    if sentence_store is not None:
        sentence_store.delete(stale)
    if changes is not None:
        # Kept chunks too: their dates or outlet may be what changed; their vectors are the ones kept.
        changes.write(new_chunks, new_meta, vectors, kept, kept_meta, stale)
    report.chunks_embedded += len(new_chunks)
    report.chunks_kept += len(kept_ids)
    report.chunks_deleted += len(stale)


def embed_chunks(chunks: list[Chunk], embedder: Embedder, sentence_store: SentenceVectorStore | None) -> np.ndarray:
    """The chunks' vectors; with a sentence store, their sentences' vectors from the same pass are stored first.

    Stored first: after a crash before the chunks are written, the rows are only unused, and
    the rewrite replaces them (same ids, same text).
    """
    texts = [c.embed_text for c in chunks]
    if sentence_store is None:
        return embedder.embed(texts)
    splits = [spans_in(c.text, len(c.embed_text) - len(c.text)) for c in chunks]
    vectors, pooled = embedder.embed_with_spans(texts, [split[1] if split else None for split in splits])
    sentence_store.put(
        {
            c.id: ChunkSentences(split[0], rows)
            for c, split, rows in zip(chunks, splits, pooled)
            if split is not None and rows is not None
        }
    )
    return vectors
