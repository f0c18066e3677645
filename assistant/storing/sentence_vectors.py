"""Sentence vectors pooled from each chunk's own embedding pass, kept beside the index for answers.

An extractive answer scores every candidate sentence by meaning. Embedding those sentences at
question time was most of an answer's latency; instead, when a chunk is embedded, the
model's token vectors that fall inside each sentence are averaged ("late chunking"): a
vector per sentence at no extra model cost, and one that knows its headline and neighbours.
They live in a SQLite file beside the BM25 index, keyed by chunk id (a content hash, so a
stored row can never describe other text). A chunk without a row, or whose sentences no
longer split the same way, is embedded at question time as before.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..embedding.vectors import dequantise, quantise
from ..reading.sentences import sentence_spans
from .chunk_table import ChunkTable

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ChunkSentences:
    """A chunk's sentences as the answerer splits them, and a vector for each (rows, unit length)."""

    digest: str
    vectors: np.ndarray


def sentences_digest(sentences: Sequence[str]) -> str:
    """Identifies the split, so vectors stored under one sentence splitter are never read under another."""
    return hashlib.sha1("\x1f".join(sentences).encode()).hexdigest()[:16]


def spans_in(text: str, prefix: int) -> tuple[str, list[tuple[int, int]]] | None:
    """The split's digest and each sentence's character span in the embedded text (`prefix` characters precede `text`).

    None when a sentence cannot be located: that chunk is then left to question time.
    """
    found = sentence_spans(text)
    if not found or any(start < 0 for _, start, _ in found):
        return None
    return sentences_digest([s for s, _, _ in found]), [(prefix + a, prefix + b) for _, a, b in found]


class SentenceVectorStore(ChunkTable):
    """chunk id -> its sentences' vectors."""

    name = "vectors"
    columns = "chunk_id TEXT PRIMARY KEY, digest TEXT, dim INTEGER, codes BLOB, scales BLOB"

    def __init__(self, path: Path, model: str):
        super().__init__(path)
        self.model = model

    def opened(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS about (key TEXT PRIMARY KEY, value TEXT)")
        about = dict(db.execute("SELECT key, value FROM about").fetchall())
        wanted = {"model": self.model, "version": str(SCHEMA_VERSION)}
        if about != wanted:
            # Vectors of another model (or layout) are not comparable with this one's queries.
            db.execute("DELETE FROM vectors")
            db.execute("DELETE FROM about")
            db.executemany("INSERT INTO about VALUES (?, ?)", wanted.items())

    def put(self, rows: dict[str, ChunkSentences]) -> None:
        records = [(cid, r.digest, r.vectors.shape[1], *quantise(r.vectors)) for cid, r in rows.items()]
        self.write("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?, ?)", records)

    def get(self, chunk_ids: Iterable[str]) -> dict[str, ChunkSentences]:
        found = self.select("chunk_id, digest, dim, codes, scales", list(chunk_ids))
        return {
            cid: ChunkSentences(digest, dequantise(codes, scales, dim)) for cid, digest, dim, codes, scales in found
        }
