"""The Chroma collection holding chunks: embedded folder or server, with its build settings checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit

import numpy as np

from .. import checkpoints
from ..reading.chunking import Chunk
from . import remote
from .chunk_meta import ChunkMeta
from .chunk_mirror import ChunkMirror

SCHEMA = 1
PAGE = 2000  # rows per Chroma get(); keeps memory flat on big collections
STAGED = "-rebuild"  # a full rebuild's collection, built beside the live one under this suffix


class IndexMismatch(RuntimeError):
    """The index was built with other settings than the ones in force now."""


@dataclass
class StoredArticle:
    """What the store knows of one article: enough to tell whether it changed."""

    hashes: set[str] = field(default_factory=set)
    chunk_ids: set[str] = field(default_factory=set)
    expected_chunks: int = 0
    path: str = ""


class Store:
    def __init__(self, index_dir: Path, collection: str, build: dict[str, Any], chroma_url: str | None = None):
        """`build` names what the vectors depend on (model, chunking); it is recorded and checked."""
        import chromadb

        self.index_dir = Path(index_dir)
        self.name = collection
        self.build = {**build, "schema": SCHEMA}
        self.chroma_url = chroma_url
        settings = chromadb.Settings(anonymized_telemetry=False)
        if chroma_url:
            parts = urlsplit(chroma_url)
            # A server that is down or goes away mid-query is one clear StoreUnavailable error.
            self.client: Any = remote.connect(
                lambda: chromadb.HttpClient(
                    host=parts.hostname or "127.0.0.1",
                    port=parts.port or (443 if parts.scheme == "https" else 8000),
                    ssl=parts.scheme == "https",
                    settings=settings,
                ),
                chroma_url,
            )
        else:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(self.index_dir / "chroma"), settings=settings)
        self._collection = None
        # Texts and metadata of the chunks written from here, read first by `get`.
        self.mirror = ChunkMirror(self.index_dir / "chunks" / f"{collection}.sqlite3")

    @property
    def where(self) -> str:
        return self.chroma_url or str(self.index_dir / "chroma")

    def exists(self) -> bool:
        if self._collection is not None:  # opened already: no need to list every collection again
            return True
        return self.name in {c.name if hasattr(c, "name") else c for c in self.client.list_collections()}

    @property
    def collection(self):
        if self._collection is None:
            if self.exists():
                col = self.client.get_collection(self.name, embedding_function=None)
                self.check(col.metadata or {})
            else:
                col = self.client.create_collection(
                    self.name,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={**self.build, "digest": ""},
                    embedding_function=None,  # we always pass our own vectors
                )
            self._collection = col
        return self._collection

    def check(self, metadata: dict[str, Any]) -> None:
        recorded = {k: metadata.get(k) for k in self.build}
        if recorded != self.build:
            diff = ", ".join(
                f"{k}: index has {recorded[k]!r}, settings say {v!r}" for k, v in self.build.items() if recorded[k] != v
            )
            raise IndexMismatch(
                f"The index at {self.where} was built with other settings ({diff}). "
                "Rebuild it with `news-assistant index --full`."
            )

    def reset(self) -> None:
        """Drop the collection; the next use creates it empty with the current settings."""
        self.mirror.reset()
        if self.exists():
            self.client.delete_collection(self.name)
        self._collection = None

    @property
    def staged_name(self) -> str:
        return self.name + STAGED

    def mark_complete(self) -> None:
        """Record that this (staged) collection is whole: only then may it replace the live one."""
        self.collection.modify(metadata={**(self.collection.metadata or {}), "complete": True})

    def take_over(self, staged: "Store") -> None:
        """Become the complete collection `staged` built beside this one: drop this one, rename that.

        Between the two steps no collection has this name; `finish_take_over`, run by whoever
        opens the index next, completes a switch stopped there.
        """
        staged.mark_complete()
        self.mirror.reset()  # rows of the old chunks; the staged ones are copied in below
        if self.exists():
            self.client.delete_collection(self.name)
        self._collection = None
        checkpoints.reached("switch")
        self.finish_take_over()
        self.mirror.replace_rows(staged.mirror)

    def finish_take_over(self) -> bool:
        """Give this name to a complete staged collection when no collection has it; True if it did."""
        names = {c.name if hasattr(c, "name") else c for c in self.client.list_collections()}
        if self.name in names or self.staged_name not in names:
            return False
        staged = self.client.get_collection(self.staged_name, embedding_function=None)
        if not (staged.metadata or {}).get("complete"):
            return False  # a rebuild that stopped half-way: never a partial index in the live place
        staged.modify(name=self.name)
        self._collection = None
        return True

    def count(self) -> int:
        return self.collection.count() if self.exists() else 0

    def articles(self) -> dict[str, StoredArticle]:
        found: dict[str, StoredArticle] = {}
        if not self.exists():
            return found
        for ids, metas, _ in self.scan(include=["metadatas"]):
            for cid, meta in zip(ids, metas):
                entry = found.setdefault(meta.article_id, StoredArticle())
                entry.chunk_ids.add(cid)
                entry.hashes.add(meta.article_hash)
                entry.expected_chunks = meta.article_chunks
                entry.path = meta.path
        return found

    def scan(self, include: list[str]) -> Iterator[tuple[list[str], list[ChunkMeta], list[str] | None]]:
        """Every row, a page at a time: ids, metadata (when included) and texts (when included)."""
        offset = 0
        while True:
            page = self.collection.get(include=include, limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            metas = [ChunkMeta.from_chroma(m) for m in page.get("metadatas") or []]
            yield page["ids"], metas, page.get("documents")
            offset += len(page["ids"])

    def scan_chunks(self) -> Iterator[tuple[list[str], list[ChunkMeta], list[str], np.ndarray]]:
        """Every chunk's id, metadata, text and vector, a page at a time."""
        offset = 0
        while True:
            page = self.collection.get(include=["documents", "metadatas", "embeddings"], limit=PAGE, offset=offset)
            if not page["ids"]:
                return
            metas = [ChunkMeta.from_chroma(m) for m in page["metadatas"]]
            yield page["ids"], metas, page["documents"], np.asarray(page["embeddings"])
            offset += len(page["ids"])

    # The mirror's rows are cleared before Chroma changes and written after: a crash in
    # between leaves rows missing (read from Chroma), never a chunk's old text or metadata.

    def add(self, chunks: Sequence[Chunk], vectors: np.ndarray, metadatas: Sequence[ChunkMeta]) -> None:
        ids = [c.id for c in chunks]
        self.mirror.delete(ids)
        self.collection.upsert(
            ids=ids,
            embeddings=vectors,
            documents=[c.text for c in chunks],
            metadatas=[m.to_chroma() for m in metadatas],
        )
        self.mirror.put((c.id, c.text, m) for c, m in zip(chunks, metadatas))

    def update(self, ids: Sequence[str], metadatas: Sequence[ChunkMeta]) -> None:
        if not ids:
            return
        texts = {cid: text for cid, (text, _) in self.mirror.get(ids).items()}
        self.mirror.delete(ids)
        self.collection.update(ids=list(ids), metadatas=[m.to_chroma() for m in metadatas])
        self.mirror.put((cid, texts[cid], m) for cid, m in zip(ids, metadatas) if cid in texts)

    def delete(self, ids: Sequence[str]) -> None:
        ids = list(ids)
        self.mirror.delete(ids)
        for i in range(0, len(ids), PAGE):
            self.collection.delete(ids=ids[i : i + PAGE])

    def get(self, ids: Sequence[str]) -> dict[str, tuple[str, ChunkMeta]]:
        """Text and metadata of each of `ids` still stored: from the mirror, else from Chroma."""
        if not ids:
            return {}
        found = self.mirror.get(ids)
        missing = [cid for cid in ids if cid not in found]
        if missing:
            page = self.collection.get(ids=missing, include=["documents", "metadatas"])
            found.update(
                (i, (d, ChunkMeta.from_chroma(m))) for i, d, m in zip(page["ids"], page["documents"], page["metadatas"])
            )
        return found

    def nearest(self, vector: np.ndarray, n: int, *, where: dict | None = None) -> list[tuple[str, float]]:
        """Nearest chunks as (id, cosine similarity), optionally among those `where` allows.

        Only ids and distances: Chroma takes ~20 ms to return the texts and metadata of 120
        chunks and ~5 ms without them, so texts are fetched later, for the few passages kept.
        """
        result = self.collection.query(
            query_embeddings=[vector],
            n_results=n,
            where=where or None,
            include=["distances"],
        )
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0])]

    @property
    def digest(self) -> str:
        """Changes whenever the set of chunks changes; the lexical index is keyed by it."""
        return (self.collection.metadata or {}).get("digest", "")

    def set_digest(self, digest: str) -> None:
        meta = dict(self.collection.metadata or {})
        meta["digest"] = digest
        self.collection.modify(metadata=meta)
