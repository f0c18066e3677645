"""The ranked short answers of a question: each with the sentences that state it, and the winner's margin."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_MARGIN = 10.0  # the margin of a lone candidate


@dataclass(frozen=True)
class Choice:
    """A short answer and what backs it: the evidence sentences (indexes) that state it, best first."""

    text: str
    key: str
    score: float  # the model's logit
    share: float  # its softmax share among this question's candidates
    stated_in: tuple[int, ...]
    shape: str = ""
    row: int = 0  # its feature row among the question's candidates


@dataclass(frozen=True)
class Scored:
    """Every candidate of a question, ranked, with the features the confidence model reads."""

    choices: list[Choice]
    margin: float  # logit of the best minus the second best (MAX_MARGIN for a lone candidate)
    rows: np.ndarray | None = None  # the candidates' feature rows (Choice.row indexes them)

    @property
    def best(self) -> Choice | None:
        return self.choices[0] if self.choices else None
