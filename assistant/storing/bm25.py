"""BM25 over the stored chunks (bm25s), built a chunk at a time and updated in place when chunks change."""

from __future__ import annotations

import json
import shutil
from array import array
from collections import Counter
from functools import cached_property
from pathlib import Path

import numpy as np

from ..reading.terms import stems
from .rows import Rows

# Beside the bm25s files: each chunk's distinct term numbers and counts, and the terms in number
# order, so that the next rebuild updates the index instead of re-reading every chunk's text.
COUNTS_FILE, VOCAB_FILE = "counts.npz", "terms.json"
VECTORS_FILE = "vectors.npy"
ROWS_FORMAT = 2  # 2: each chunk's vector is kept too; an index saved in another format is rebuilt
ARTICLE_CHUNKS = 8  # an article's most chunks counted in term rarity: longer ones are rare in news


class LexicalBuilder:
    """Builds the BM25 index one chunk at a time, keeping only each chunk's distinct term numbers and counts.

    bm25s's own `index()` wants every document's token list at once (tens of millions of
    Python strings for a large corpus) and scores them in a Python loop; this keeps 6 bytes
    per distinct term of a chunk and scores everything with numpy at the end, with the same
    Lucene formula and parameters bm25s uses, so the saved index is an ordinary bm25s one.
    """

    K1, B = 1.5, 0.75  # bm25s defaults

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.ids: list[str] = []
        self.article_ids: list[str] = []
        self.days: list[int] = []
        self.sources: list[str] = []
        self._terms = array("i")  # each document's distinct term numbers, one document after another
        self._counts = array("H")  # how often each of those terms occurs in its document
        self._distinct = array("i")  # distinct terms per document
        self._lengths = array("i")  # tokens per document
        self._vectors = bytearray()  # each document's float16 vector, one after another
        self._present: set[str] = set()  # the ids, for telling quickly whether any of a batch is here
        self.dim = 0
        self.all_vectors = True  # False once a document came without one: then none are kept

    def add(
        self, cid: str, text: str, article_id: str, day: int, source: str, vector: np.ndarray | None = None
    ) -> None:
        # An empty document gets a placeholder term that matches no query, as bm25s would need.
        terms = stems(text) or ["\x00"]
        vocab = self.vocab
        counts = Counter(vocab.setdefault(t, len(vocab)) for t in terms)
        self._terms.extend(counts.keys())
        self._counts.extend(min(c, 65535) for c in counts.values())
        self._distinct.append(len(counts))
        self._lengths.append(len(terms))
        self.ids.append(cid)
        self._present.add(cid)
        self.article_ids.append(article_id)
        self.days.append(day)
        self.sources.append(source)
        self._add_vector(vector)

    def _add_vector(self, vector: np.ndarray | None) -> None:
        if vector is None or not self.all_vectors or (self.dim and len(vector) != self.dim):
            self.all_vectors, self._vectors = False, bytearray()
            return
        self.dim = len(vector)
        self._vectors += np.asarray(vector, dtype=np.float16).tobytes()

    def vectors(self) -> np.ndarray | None:
        """Every document's vector as rows, or None when not all are known."""
        if not self.all_vectors or not self.ids:
            return None
        return np.frombuffer(self._vectors, dtype=np.float16).reshape(len(self.ids), self.dim)

    def vectors_of(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The vectors of those of `ids` held here (none when not all vectors are known)."""
        wanted = set(ids) & self._present
        vectors = self.vectors()
        if not wanted or vectors is None:
            return {}
        # Copies: rows viewing the buffer itself would keep it from growing.
        return {cid: vectors[i].copy() for i, cid in enumerate(self.ids) if cid in wanted}

    def drop(self, ids: set[str]) -> None:
        """Forget the rows of these chunks (removed, or about to be added again with new text or dates)."""
        if self._present.isdisjoint(ids):
            return
        self._present -= ids
        keep = np.array([cid not in ids for cid in self.ids], dtype=bool)
        distinct = np.frombuffer(self._distinct, dtype=np.int32)
        entries = np.repeat(keep, distinct)
        self._terms = array("i", np.frombuffer(self._terms, dtype=np.int32)[entries].tobytes())
        self._counts = array("H", np.frombuffer(self._counts, dtype=np.uint16)[entries].tobytes())
        self._distinct = array("i", distinct[keep].tobytes())
        self._lengths = array("i", np.frombuffer(self._lengths, dtype=np.int32)[keep].tobytes())
        vectors = self.vectors()
        if vectors is not None:
            self._vectors = bytearray(vectors[keep].tobytes())
        for name in ("ids", "article_ids", "days", "sources"):
            setattr(self, name, [v for v, k in zip(getattr(self, name), keep) if k])

    @classmethod
    def resume(cls, folder: Path, digest: str) -> "LexicalBuilder | None":
        """The builder that made the index saved in `folder` for the store state `digest`, or None."""
        try:
            meta = json.loads((folder / "rows.json").read_text())
            if not digest or meta["digest"] != digest or meta.get("format") != ROWS_FORMAT:
                return None
            days = np.load(folder / "days.npy")
            vectors = np.load(folder / VECTORS_FILE, mmap_mode="r") if meta.get("vectors") else None
            with np.load(folder / COUNTS_FILE) as saved:
                arrays = {k: saved[k] for k in ("terms", "counts", "distinct", "lengths")}
            vocab = json.loads((folder / VOCAB_FILE).read_text())
        except (OSError, ValueError, KeyError):
            return None
        builder = cls()
        builder.vocab = {t: i for i, t in enumerate(vocab)}
        builder.ids, builder.article_ids, builder.sources = meta["ids"], meta["article_ids"], meta["sources"]
        builder._present = set(builder.ids)
        builder.days = [int(d) for d in days]
        builder._terms = array("i", arrays["terms"].astype(np.int32).tobytes())
        builder._counts = array("H", arrays["counts"].astype(np.uint16).tobytes())
        builder._distinct = array("i", arrays["distinct"].astype(np.int32).tobytes())
        builder._lengths = array("i", arrays["lengths"].astype(np.int32).tobytes())
        if vectors is None or len(vectors) != len(builder.ids):
            builder.all_vectors = False
        else:
            builder.dim = vectors.shape[1]
            builder._vectors = bytearray(vectors.astype(np.float16).tobytes())
        if len(builder._distinct) != len(builder.ids) or len(builder._terms) != int(arrays["distinct"].sum()):
            return None
        return builder

    def save_counts(self, folder: Path) -> None:
        np.savez(
            folder / COUNTS_FILE,
            terms=np.frombuffer(self._terms, dtype=np.int32),
            counts=np.frombuffer(self._counts, dtype=np.uint16),
            distinct=np.frombuffer(self._distinct, dtype=np.int32),
            lengths=np.frombuffer(self._lengths, dtype=np.int32),
        )
        (folder / VOCAB_FILE).write_text(json.dumps(list(self.vocab)))

    def finish(self, digest: str) -> "LexicalIndex":
        rows = Rows(self.ids, self.article_ids, np.array(self.days, dtype=np.int64), self.sources, self.vectors())
        if not self.ids:
            return LexicalIndex(None, rows, digest)
        import bm25s

        n_docs, n_vocab = len(self.ids), len(self.vocab)
        terms = np.frombuffer(self._terms, dtype=np.int32)
        # A stable sort by term keeps each term's documents ascending: the CSC layout bm25s keeps.
        order = np.argsort(terms, kind="stable")
        docs = np.repeat(np.arange(n_docs, dtype=np.int32), np.frombuffer(self._distinct, dtype=np.int32))[order]
        tf = np.frombuffer(self._counts, dtype=np.uint16)[order].astype(np.float32)
        df = np.bincount(terms, minlength=n_vocab)
        del order, terms
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        lengths = np.frombuffer(self._lengths, dtype=np.int32).astype(np.float32)
        norm = (self.K1 * ((1 - self.B) + self.B * lengths / lengths.mean())).astype(np.float32)
        # Scored in place, one float32 array: the term of each entry is implied by indptr.
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        scores = norm[docs]
        scores += tf
        np.divide(tf, scores, out=scores)
        scores *= np.repeat(idf, df)
        del tf
        retriever = bm25s.BM25(k1=self.K1, b=self.B)
        retriever.scores = {"data": scores, "indices": docs, "indptr": indptr, "num_docs": n_docs}
        retriever.vocab_dict = self.vocab
        retriever.unique_token_ids_set = set(self.vocab.values())
        retriever.nonoccurrence_array = None
        return LexicalIndex(retriever, rows, digest)


class LexicalIndex:
    def __init__(self, retriever, rows: Rows, digest: str):
        self.retriever = retriever
        self.rows = rows
        self.digest = digest

    def save(self, folder: Path, counts: LexicalBuilder | None = None) -> None:
        """Write the index; with the builder that made it, also its counts, for the next update in place."""
        # Write beside, then swap, so a reader never sees half an index (or counts of another one).
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(tmp))
        np.save(tmp / "days.npy", self.rows.days)
        if self.rows.vectors is not None:
            _save_float32(tmp / VECTORS_FILE, self.rows.vectors)
        meta = {
            "format": ROWS_FORMAT,
            "vectors": self.rows.vectors is not None,
            "digest": self.digest,
            "ids": self.rows.ids,
            "article_ids": self.rows.article_ids,
            "sources": self.rows.sources,
        }
        (tmp / "rows.json").write_text(json.dumps(meta))
        if counts is not None:
            counts.save_counts(tmp)
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        import bm25s

        try:
            meta = json.loads((folder / "rows.json").read_text())
            if meta.get("format") != ROWS_FORMAT:
                return None
            retriever = bm25s.BM25.load(str(folder)) if meta["ids"] else None
            days = np.load(folder / "days.npy")
            # Mapped, not read: only the rows a filtered search looks at are paged in.
            vectors = np.load(folder / VECTORS_FILE, mmap_mode="r") if meta.get("vectors") else None
        except (OSError, ValueError, KeyError):
            return None
        if vectors is not None and vectors.shape[0] != len(meta["ids"]):
            return None
        rows = Rows(meta["ids"], meta["article_ids"], days, meta["sources"], vectors)
        return cls(retriever, rows, meta["digest"])

    def __len__(self) -> int:
        return len(self.rows.ids)

    def search(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """Best chunks as (chunk id, BM25 score); `mask` is 1 for chunks the filters allow."""
        if not len(self):
            return []
        vocab = self.retriever.vocab_dict
        terms = [t for t in dict.fromkeys(stems(query)) if t in vocab]
        if not terms:
            return []
        k = min(k, len(self))
        weights = None if mask is None else mask.astype(np.float32)
        docs, scores = self.retriever.retrieve([terms], k=k, show_progress=False, weight_mask=weights, n_threads=1)
        return [(self.rows.ids[d], float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]

    def idf(self, query: str) -> dict[str, float]:
        """Inverse document frequency of each query term (stemmed), for weighting overlap.

        Counted in chunks, but no article counts for more than ARTICLE_CHUNKS of them: one long
        article (its headline rides in every chunk, its filler repeats) must not make its own
        words look common and so hide the fact it states. Ordinary articles are shorter than
        that, so for them this is the plain per-chunk count.
        """
        articles, n = self._articles
        n = max(n, 1)
        vocab = self.retriever.vocab_dict if self.retriever is not None else {}
        weights = {}
        for stem in stems(query):
            if stem in vocab:
                df = self._article_freq(vocab[stem], articles)
                weights[stem] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
            else:
                weights[stem] = float(np.log(1 + (n + 0.5) / 0.5))  # unseen: as rare as it gets
        return weights

    @cached_property
    def _articles(self) -> tuple[np.ndarray, int]:
        """Each row's article as a number, and the chunk count with each article's share capped."""
        numbers: dict[str, int] = {}
        rows = np.fromiter(
            (numbers.setdefault(a, len(numbers)) for a in self.rows.article_ids), np.int64, len(self.rows.article_ids)
        )
        return rows, int(np.minimum(np.bincount(rows), ARTICLE_CHUNKS).sum()) if len(rows) else 0

    def _article_freq(self, token_id: int, articles: np.ndarray) -> int:
        """How many chunks hold the term, each article's share capped at ARTICLE_CHUNKS."""
        indptr, docs = self.retriever.scores["indptr"], self.retriever.scores["indices"]
        _, per_article = np.unique(articles[docs[indptr[token_id] : indptr[token_id + 1]]], return_counts=True)
        return int(np.minimum(per_article, ARTICLE_CHUNKS).sum())


def _save_float32(path: Path, rows: np.ndarray, block: int = 8192) -> None:
    """Save `rows` as float32, converted a block at a time rather than all at once in memory."""
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=rows.shape)
    for start in range(0, len(rows), block):
        out[start : start + block] = rows[start : start + block]
    out.flush()
    del out
