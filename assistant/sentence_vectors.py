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

from .chunk_table import ChunkTable
from .embedding import unit_rows
from .sentences import sentence_spans

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


def pool(tokens: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]]) -> np.ndarray | None:
    """Mean of the token vectors inside each span, normalised; None if a span holds no token (it was truncated)."""
    starts = np.array([a for a, _ in offsets])
    ends = np.array([b for _, b in offsets])
    real = ends > starts  # special tokens ([CLS], [SEP]) have empty offsets
    out = np.empty((len(spans), tokens.shape[1]), dtype=np.float32)
    for row, (a, b) in enumerate(spans):
        inside = real & (starts >= a) & (ends <= b)
        if not inside.any():
            return None
        out[row] = tokens[inside].mean(axis=0)
    return unit_rows(out)


def quantise(vectors: np.ndarray) -> tuple[bytes, bytes]:
    """int8 with one scale per vector: a quarter of float32's bytes, cosines within ~0.001."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    codes = np.round(vectors / scales[:, None]).astype(np.int8)
    return codes.tobytes(), scales.astype(np.float32).tobytes()


def dequantise(codes: bytes, scales: bytes, dim: int) -> np.ndarray:
    s = np.frombuffer(scales, dtype=np.float32)
    return unit_rows(np.frombuffer(codes, dtype=np.int8).reshape(len(s), dim) * s[:, None])


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
