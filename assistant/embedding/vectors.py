"""Vector helpers: unit-length rows, token vectors pooled over spans, int8 codes with a scale per row."""

from __future__ import annotations

from typing import Sequence

import numpy as np


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 in float32 (bfloat16 and int8 rounding leave norms a little off); zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


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
