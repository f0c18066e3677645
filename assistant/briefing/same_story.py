"""Whether two articles report one event: a logistic model of their meaning, leads, shared names, days and outlet.

Trained by `make train` (measuring/story_training.py) on rtqa-2024's articles, two articles counting
as one event when the quiz retrieved both for the same question; weights in same_story_model.json
beside this module. A story is joined when the mean of this model's log-odds over its articles is
at least JOIN: more likely one event than not.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

MODEL_FILE = Path(__file__).with_name("same_story_model.json")
FEATURES = ("meaning", "lead", "names", "days", "same_outlet")
NAMES_CAP = 3  # shared names counted up to this many: beyond, they say little more


@dataclass(frozen=True)
class Side:
    """What the model reads of one article."""

    vector: np.ndarray  # the mean of its chunk vectors, unit length
    lead: np.ndarray  # its first chunk's vector
    names: frozenset[str]
    day: int
    source: str
    # Every run of words inside its names: "mayor elena duarte" holds "elena duarte".
    within: frozenset[str] = frozenset()

    @staticmethod
    def of(vector: np.ndarray, lead: np.ndarray, names: Sequence[str], day: int, source: str) -> Side:
        runs: set[str] = set()
        for name in names:
            words = name.split()
            runs.update(" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1))
        return Side(vector, lead, frozenset(names), day, source, frozenset(runs))


def shared_names(a: Side, b: Side) -> int:
    """Names of either article that the other's names hold, a title or a first name more or less, each pair once."""
    return len(a.names & b.within) + len(b.names & a.within) - len(a.names & b.names)


def pair_features(one: Side, others: Sequence[Side]) -> np.ndarray:
    """One row per article of `others`, in the order of FEATURES."""
    if not others:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    meaning = np.stack([o.vector for o in others]) @ one.vector
    lead = np.stack([o.lead for o in others]) @ one.lead
    names = [min(shared_names(one, o), NAMES_CAP) for o in others]
    days = [abs(one.day - o.day) for o in others]
    same = [float(bool(one.source) and one.source == o.source) for o in others]
    return np.column_stack([meaning, lead, names, days, same]).astype(np.float32)


@dataclass(frozen=True)
class SameStoryModel:
    weights: np.ndarray
    bias: float
    digest: str  # changes with the weights: stories grouped under other weights are regrouped

    def log_odds(self, rows: np.ndarray) -> np.ndarray:
        return rows @ self.weights + self.bias


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_FILE) -> SameStoryModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{path}: features {data['features']} are not {list(FEATURES)}; run `make train`")
    weights = np.array(data["weights"], dtype=np.float32)
    digest = hashlib.sha1(json.dumps([data["weights"], data["bias"]]).encode()).hexdigest()[:12]
    return SameStoryModel(weights, float(data["bias"]), digest)
