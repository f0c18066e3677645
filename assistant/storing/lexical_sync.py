"""Keep the BM25 index in step with the store: updated with a rebuild's changes, or rebuilt from the stored chunks.

The store's collection records a digest of its chunk ids; the saved BM25 index records the
digest it was built for. They match when the two agree; a rebuild blanks the store's digest
while it writes, so a crash half-way leaves a mismatch the next reader or rebuild repairs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..reading.chunking import Chunk
from .bm25 import LexicalBuilder, LexicalIndex
from .chunk_meta import ChunkMeta
from .store import Store


def lexical_text(meta: ChunkMeta, text: str) -> str:
    """What BM25 sees of a chunk: the headline counts for every chunk, as it does for the embedder."""
    return f"{meta.title}\n{text}"


def lexical_columns(meta: ChunkMeta) -> tuple[str, int, str]:
    """The columns kept beside BM25 for filtering: article, publication day, outlet."""
    return meta.article_id, meta.day, meta.source


@dataclass
class LexicalChanges:
    """BM25 rows kept up to date while a rebuild writes, so it need not read every chunk back.

    The builder starts from the saved index of the store's state before the rebuild (or from
    nothing, for a store that was empty); without one, `builder` is None and BM25 is rebuilt
    from the store at the end. Only term counts and vectors are held, never the chunks' texts.
    """

    builder: LexicalBuilder | None

    @classmethod
    def start(cls, store: Store, folder: Path, from_empty: bool) -> "LexicalChanges":
        if from_empty:
            return cls(LexicalBuilder())
        before = store.digest if store.exists() else ""
        return cls(LexicalBuilder.resume(folder, before))

    def write(
        self,
        new: list[Chunk],
        new_meta: list[ChunkMeta],
        vectors: np.ndarray | list,
        kept: list[Chunk],
        kept_meta: list[ChunkMeta],
        stale: list[str],
    ) -> None:
        builder = self.builder
        if builder is None:
            return
        old_vectors = builder.vectors_of([c.id for c in kept])
        builder.drop({c.id for c in new} | {c.id for c in kept} | set(stale))
        for chunk, meta, vector in zip(new, new_meta, vectors):
            builder.add(chunk.id, lexical_text(meta, chunk.text), *lexical_columns(meta), vector)
        for chunk, meta in zip(kept, kept_meta):
            builder.add(chunk.id, lexical_text(meta, chunk.text), *lexical_columns(meta), old_vectors.get(chunk.id))

    def remove(self, ids: list[str]) -> None:
        if self.builder is not None:
            self.builder.drop(set(ids))


def updated_lexical(store: Store, changes: LexicalChanges) -> LexicalBuilder | None:
    """The BM25 rows the rebuild kept up to date, or None when they cannot be trusted to match the store."""
    builder = changes.builder
    if builder is None:
        return None
    stored = {cid for page_ids, _, _ in store.scan(include=[]) for cid in page_ids}
    # Another process may have written to a shared store meanwhile: then only a full rebuild is right.
    return builder if stored == set(builder.ids) and len(stored) == len(builder.ids) else None


def refresh_lexical(
    store: Store, folder: Path, force: bool = False, save: bool = True, changes: LexicalChanges | None = None
) -> LexicalIndex:
    """The BM25 index for the store's current chunks: loaded when it matches, updated with a
    rebuild's `changes` when the saved one is of the state before them, else rebuilt.

    With save=False (a reader, not a rebuild) an index rebuilt while the store is marked as
    being rebuilt stays in memory: only the rebuild that owns the lock may record a digest.
    """
    rebuilding = not save and store.exists() and store.digest == ""
    if not force:
        current = LexicalIndex.load(folder)
        if current is not None and current.digest and current.digest == store.digest:
            return current
    builder = updated_lexical(store, changes) if changes is not None and store.exists() else None
    if builder is None:
        builder = LexicalBuilder()
        if store.exists():
            # A page of chunks at a time: only term numbers are kept, never every chunk's text.
            # BM25 is rebuilt from the store when it changed in ways this index folder did not
            # see (another machine's rebuild on a shared server, a crash, an older index), so
            # the mirror is refilled by the same pass rather than trusted; but not while a
            # rebuild is under way, which keeps the mirror itself.
            if not rebuilding:
                store.mirror.reset()
            for page_ids, metas, docs, vectors in store.scan_chunks():
                for cid, meta, doc, vector in zip(page_ids, metas, docs, vectors):
                    builder.add(cid, lexical_text(meta, doc), *lexical_columns(meta), vector)
                if not rebuilding:
                    store.mirror.put(zip(page_ids, docs, metas), replace=False)
    digest = hashlib.sha256("\n".join(sorted(builder.ids)).encode()).hexdigest()[:16]
    lexical = builder.finish(digest)
    if rebuilding:
        return lexical
    lexical.save(folder, counts=builder)
    if store.exists() and store.digest != digest:
        store.set_digest(digest)
    return lexical
