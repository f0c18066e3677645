"""Merge the dense and lexical rankings into one: a convex combination of normalised scores."""

from __future__ import annotations

from typing import Sequence


def convex_fusion(
    dense: Sequence[tuple[str, float]], lexical: Sequence[tuple[str, float]], dense_weight: float = 0.5
) -> list[tuple[str, float]]:
    """Ids by dense_weight * dense + (1 - dense_weight) * lexical, each min-max scaled over its hits.

    Unlike RRF it keeps how far ahead a hit is: a rare name matched exactly by BM25 stays on
    top even when the dense ranking has it twelfth (Bruch et al., "An Analysis of Fusion
    Functions for Hybrid Retrieval", 2023, found convex combination the better of the two).
    """
    scores: dict[str, float] = {}
    # BM25's floor is 0 by construction; cosine has no useful one, so the weakest candidate sets it.
    for hits, weight, floor in ((dense, dense_weight, None), (lexical, 1.0 - dense_weight, 0.0)):
        for item, value in _scaled(hits, floor):
            scores[item] = scores.get(item, 0.0) + weight * value
    return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def _scaled(hits: Sequence[tuple[str, float]], floor: float | None) -> list[tuple[str, float]]:
    if not hits:
        return []
    values = [s for _, s in hits]
    low, high = (min(values) if floor is None else floor), max(values)
    if high - low < 1e-9:
        return [(item, 1.0) for item, _ in hits]
    return [(item, (s - low) / (high - low)) for item, s in hits]
