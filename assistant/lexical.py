"""BM25 over the stored chunks (bm25s), saved beside the store and rebuilt only when chunks change."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

TOKEN = re.compile(r"(?u)\b(?:\w\w+|\d)\b")  # single digits count: "September 3"


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def stems(text: str) -> list[str]:
    """The terms BM25 sees in `text`: lower-cased, stopwords dropped, stemmed.

    Stemming lets "attends" find "attend"; stopwords keep "the" from matching everything.
    """
    words = [w for w in TOKEN.findall(text.lower()) if w not in _stopwords()]
    return _stemmer().stemWords(words)


@dataclass
class Rows:
    """Per-chunk columns kept beside BM25 so filters need no trip to Chroma."""

    ids: list[str]
    article_ids: list[str]
    days: np.ndarray  # published day number, 0 when unknown
    sources: list[str]


class LexicalIndex:
    def __init__(self, retriever, rows: Rows, digest: str):
        self.retriever = retriever
        self.rows = rows
        self.digest = digest

    @classmethod
    def build(cls, texts: Sequence[str], rows: Rows, digest: str) -> "LexicalIndex":
        import bm25s

        if not texts:
            return cls(None, rows, digest)
        retriever = bm25s.BM25()
        # An empty token list would break bm25s; a placeholder term matches no query.
        retriever.index([stems(t) or ["\x00"] for t in texts], show_progress=False)
        return cls(retriever, rows, digest)

    def save(self, folder: Path) -> None:
        # Write beside, then swap, so a reader never sees half an index.
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.retriever is not None:
            self.retriever.save(str(tmp))
        np.save(tmp / "days.npy", self.rows.days)
        meta = {
            "digest": self.digest,
            "ids": self.rows.ids,
            "article_ids": self.rows.article_ids,
            "sources": self.rows.sources,
        }
        (tmp / "rows.json").write_text(json.dumps(meta))
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
            retriever = bm25s.BM25.load(str(folder)) if meta["ids"] else None
            days = np.load(folder / "days.npy")
        except (OSError, ValueError, KeyError):
            return None
        rows = Rows(meta["ids"], meta["article_ids"], days, meta["sources"])
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
        """Inverse document frequency of each query term (stemmed), for weighting overlap."""
        n = max(len(self), 1)
        vocab = self.retriever.vocab_dict if self.retriever is not None else {}
        weights = {}
        for stem in stems(query):
            if stem in vocab:
                df = self._doc_freq(vocab[stem])
                weights[stem] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
            else:
                weights[stem] = float(np.log(1 + (n + 0.5) / 0.5))  # unseen: as rare as it gets
        return weights

    def _doc_freq(self, token_id: int) -> int:
        indptr = self.retriever.scores["indptr"]
        return int(indptr[token_id + 1] - indptr[token_id])
