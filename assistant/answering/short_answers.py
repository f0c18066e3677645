"""The short answer across passages: candidates ranked by a learned model, and the ones to name.

The weights are learned from real quiz questions (`make train`, measuring/training.py) and kept in
short_answer_model.json beside this module.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from ..answers import Passage
from ..embedding.embedder import Embedder
from .answer_confidence import CONFIDENCE_FEATURES
from .answer_features import FEATURES, describe
from .candidates import answer_key
from .choices import MAX_MARGIN, Choice, Scored
from .evidence import Evidence
from .wanted import Wanted

MODEL_FILE = Path(__file__).with_name("short_answer_model.json")
MAX_LISTED = 3  # answers named for a question wanting several
LIST_GAP = 1.0  # how far below the best answer's logit another may be and still be named with it


@dataclass(frozen=True)
class ShortAnswerModel:
    """A log-linear ranking of candidates, and a logistic model of whether the best one is right."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    confidence_weights: np.ndarray  # over confidence_features(...)
    confidence_bias: float
    threshold: float  # below this probability of being right, the answer is "the articles don't say"

    def scores(self, rows: np.ndarray) -> np.ndarray:
        if not len(rows):
            return np.zeros(0, dtype=np.float32)
        return ((rows - self.mean) / self.scale) @ self.weights

    def confidence(self, values: np.ndarray) -> float:
        z = float(values @ self.confidence_weights + self.confidence_bias)
        return 1.0 / (1.0 + math.exp(-z))


def rank(
    model: ShortAnswerModel,
    wanted: Wanted,
    question: str,
    evidence: Sequence[Evidence],
    passages: Sequence[Passage],
    today: date | None,
    embedder: Embedder | None = None,
) -> Scored:
    """The question's candidates, best first, under the model."""
    found, rows = describe(wanted, question, evidence, passages, today, embedder)
    scored = ranking(
        model.scores(rows), [f.text for f in found], [f.stated_in for f in found], [f.shape for f in found]
    )
    return replace(scored, rows=rows)


def ranking(
    logits: np.ndarray, texts: Sequence[str], stated: Sequence[Sequence[int]], shapes: Sequence[str] = ()
) -> Scored:
    """Candidates ordered by their logits, with their softmax shares and the best one's margin."""
    if not len(logits):
        return Scored([], 0.0)
    shares = np.exp(logits - logits.max())
    shares /= shares.sum()
    order = np.argsort(-logits, kind="stable")
    choices = [
        Choice(
            texts[i],
            answer_key(texts[i]),
            float(logits[i]),
            float(shares[i]),
            tuple(stated[i]),
            shapes[i] if shapes else "",
            int(i),
        )
        for i in order
    ]
    margin = float(logits[order[0]] - logits[order[1]]) if len(order) > 1 else MAX_MARGIN
    return Scored(choices, margin)


def listed(scored: Scored, wanted: Wanted) -> list[Choice]:
    """The answers to give: the best one, and for a question wanting several ("which two countries",
    "who else") the others of its shape nearly as good, each a different name."""
    best = scored.best
    if best is None:
        return []
    chosen = [best]
    if not wanted.plural or re.search(r"\s(?:and|&)\s|,", best.text):
        return chosen
    for choice in scored.choices[1:]:
        if len(chosen) == MAX_LISTED or choice.score < best.score - LIST_GAP:
            break
        if choice.shape == best.shape and not any(
            f" {choice.key} " in f" {c.key} " or f" {c.key} " in f" {choice.key} " for c in chosen
        ):
            chosen.append(choice)
    return chosen


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> ShortAnswerModel:
    """The trained weights; their feature names must be this module's, or the file is from other code."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES or tuple(data["confidence"]["features"]) != CONFIDENCE_FEATURES:
        raise ValueError(f"{path} was trained on other features; run `make train` to rebuild it")
    return model_from(data)


def model_from(data: dict) -> ShortAnswerModel:
    """The model of a trained weights record (the JSON file's content)."""
    return ShortAnswerModel(
        mean=np.array(data["mean"], dtype=np.float32),
        scale=np.array(data["scale"], dtype=np.float32),
        weights=np.array(data["weights"], dtype=np.float32),
        confidence_weights=np.array(data["confidence"]["weights"], dtype=np.float32),
        confidence_bias=float(data["confidence"]["bias"]),
        threshold=float(data["threshold"]),
    )
