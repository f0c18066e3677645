"""Evaluation metrics on plain lists: ranking hits, MRR, citation precision/recall, choices, percentiles."""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Set
from typing import Iterable, Sequence

from ..answering.choosing import names, normalise


def dedupe(ids: Iterable[str]) -> list[str]:
    """Article ids in first-seen order: several passages of one article count once."""
    return list(dict.fromkeys(ids))


def hits_at(ranked: Sequence[str], gold: Set[str], k: int) -> float:
    return 1.0 if gold & set(dedupe(ranked)[:k]) else 0.0


def mrr_at(ranked: Sequence[str], gold: Set[str], k: int) -> float:
    for rank, item in enumerate(dedupe(ranked)[:k], start=1):
        if item in gold:
            return 1.0 / rank
    return 0.0


def citation_precision(cited: Iterable[str], gold: Set[str]) -> float | None:
    """Share of cited articles that are gold; None when nothing was cited (undefined, not zero)."""
    cited = set(cited)
    return len(cited & gold) / len(cited) if cited else None


def citation_recall(cited: Iterable[str], gold: Set[str]) -> float:
    return len(set(cited) & gold) / len(gold) if gold else 0.0


def choice_correct(answer_text: str, chosen: str | None, choices: Sequence[str], correct: str) -> bool:
    """The answer names the correct choice and no other.

    An answer that states its choice (Answer.choice) is taken at its word; otherwise the text
    must mention the correct choice and none of the others (a choice contained in the correct
    one, like "Iran" in "Iran and Iraq", does not count against it).
    """
    if chosen is not None:
        return normalise(chosen) == normalise(correct)
    if not names(answer_text, correct):
        return False
    others = [c for c in choices if normalise(c) != normalise(correct) and normalise(c) not in normalise(correct)]
    return not any(names(answer_text, c) for c in others)


def mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), as numpy's default."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- free-form answers: SQuAD's normalisation and scores, as RealTimeQA's own anchors are scored ----------

SQUAD_PUNCTUATION = frozenset(string.punctuation)
POSSESSIVE = re.compile(r"(?<=\w)'s\b|(?<=s)'(?=\s|$)")


def squad_normalise(text: str) -> str:
    """Lower case, ASCII punctuation and the articles a/an/the removed, single spaces (SQuAD v1.1's rule)."""
    text = "".join(ch for ch in text.lower() if ch not in SQUAD_PUNCTUATION)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def exact_match(prediction: str | None, gold: str) -> float:
    return float(prediction is not None and squad_normalise(prediction) == squad_normalise(gold))


def token_f1(prediction: str | None, gold: str) -> float:
    """Harmonic mean of token precision and recall after normalisation; 0 for no prediction."""
    if prediction is None:
        return 0.0
    predicted, wanted = squad_normalise(prediction).split(), squad_normalise(gold).split()
    same = sum((Counter(predicted) & Counter(wanted)).values())
    if not same:
        return 0.0
    precision, recall = same / len(predicted), same / len(wanted)
    return 2 * precision * recall / (precision + recall)


def states(text: str, gold: str) -> bool:
    """The text holds the gold answer, normalised, on word boundaries.

    A possessive still states its owner ("Vladimir Putin’s invasion" names Vladimir Putin), and a
    typographic apostrophe or quote is punctuation (“Harry Styles and...” names Harry Styles), which
    SQuAD's ASCII-only rule would keep as a letter.
    """
    wanted = squad_normalise(_typographic(gold))
    if not wanted:
        return False
    plain = _typographic(text)
    return any(f" {wanted} " in f" {squad_normalise(t)} " for t in (plain, POSSESSIVE.sub("", plain)))


# Typographic apostrophes and quotes as their ASCII forms, dashes as spaces: punctuation, as SQuAD means it.
TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"', "—": " ", "–": " "})


def _typographic(text: str) -> str:
    return text.translate(TYPOGRAPHIC)
