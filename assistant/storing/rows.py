"""The per-chunk columns kept beside BM25 (article, day, outlet, vector), and the dense search among the rows a filter allows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass
class Rows:
    """Per-chunk columns kept beside BM25 so that filters, and a search among the few chunks
    they allow, need no trip to Chroma."""

    ids: list[str]
    article_ids: list[str]
    days: np.ndarray  # published day number, 0 when unknown
    sources: list[str]
    # Unit embedding per chunk, None when not all are known: float32 as saved (numpy converts
    # float16 at ~1 ns a number, 4 ms for a year of news), float16 in the builder's own memory.
    vectors: np.ndarray | None = None

    def nearest(self, vector: np.ndarray, n: int, allowed: np.ndarray) -> list[tuple[str, float]]:
        """The `n` chunks among the row numbers `allowed` nearest `vector`, as (id, cosine)."""
        assert self.vectors is not None
        sims = np.asarray(self.vectors[allowed], dtype=np.float32) @ vector.astype(np.float32)
        top = np.argpartition(-sims, n - 1)[:n] if len(sims) > n else np.arange(len(sims))
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.ids[allowed[i]], float(sims[i])) for i in top]

    @cached_property
    def position(self) -> dict[str, int]:
        """Row number of each chunk id."""
        return {cid: i for i, cid in enumerate(self.ids)}
