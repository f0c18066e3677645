"""`make train`: fit the same-story model (briefing/same_story.py) on rtqa-2024's articles and quiz questions.

Two articles published within the grouping's NEAR_DAYS of each other are labelled one event when
the quiz retrieved both for the same question, and two events when it retrieved them for two
different questions; articles retrieved for several questions, or none, are left out. The index is
the one the short-answer training builds (each article's lead, under the same cache). A logistic
model over same_story.FEATURES, deterministic: the same index gives the same weights. rtqa-2022 is
never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ..briefing.grouping import NEAR_DAYS, StoryIndex
from ..briefing.same_story import FEATURES, MODEL_FILE, pair_features
from .briefing_eval import retrieved_for
from .eval_sets import EvalQuestion, load_questions
from .training import LEAD_CHARS, fit_logistic, log_stderr, training_corpus, training_index, yardstick

L2 = 1.0


def labelled(questions: Sequence[EvalQuestion], known: set[str]) -> dict[str, str]:
    """Article id -> the one question that retrieved it, for the articles in `known`."""
    return {a: q for a, q in retrieved_for(questions).items() if a in known}


def pairs(stories: StoryIndex, label: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels (1: the same question) of every labelled pair within NEAR_DAYS."""
    ids = sorted(label, key=lambda a: (stories.entries[a].day, a))
    sides = [stories.side(stories.entries[a]) for a in ids]
    days = [s.day for s in sides]
    xs: list[np.ndarray] = []
    ys: list[float] = []
    for i, one in enumerate(sides):
        end = i + 1
        while end < len(ids) and days[end] - days[i] <= NEAR_DAYS:
            end += 1
        if end > i + 1:
            xs.append(pair_features(one, sides[i + 1 : end]))
            ys.extend(float(label[ids[i]] == label[b]) for b in ids[i + 1 : end])
    x = np.concatenate(xs) if xs else np.zeros((0, len(FEATURES)), dtype=np.float32)
    return x, np.array(ys, dtype=np.float32)


def average_precision(scores: np.ndarray, y: np.ndarray) -> float:
    order = np.argsort(-scores, kind="stable")
    hits = y[order]
    if not hits.sum():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision * hits).sum() / hits.sum())


def train(stories: StoryIndex, questions: Sequence[EvalQuestion], log: Callable[[str], None]) -> dict:
    label = labelled(questions, set(stories.entries))
    x, y = pairs(stories, label)
    if not len(y) or not y.sum():
        raise ValueError("no labelled pairs of articles: is this the rtqa-2024 corpus with its questions?")
    weights, bias = fit_logistic(x.astype(np.float64), y.astype(np.float64), L2)
    model_ap = average_precision(x @ weights + bias, y)
    meaning_ap = average_precision(x[:, 0], y)
    log(f"train: {len(y)} pairs of {len(label)} articles, {int(y.sum())} of one event;")
    log(f"train: average precision {model_ap:.3f} (the mean cosine alone: {meaning_ap:.3f})")
    return {
        "features": list(FEATURES),
        "weights": [round(float(w), 6) for w in weights],
        "bias": round(bias, 6),
        "training": {
            "pairs": len(y),
            "same_event": int(y.sum()),
            "articles": len(label),
            "within_days": NEAR_DAYS,
            "l2": L2,
            "average_precision": round(model_ap, 4),
            "average_precision_meaning_only": round(meaning_ap, 4),
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.measuring.story_training", description=__doc__)
    parser.add_argument("--corpus", type=Path, required=True, help="rtqa-2024 corpus.jsonl")
    parser.add_argument("--questions", type=Path, required=True, help="rtqa-2024 questions.jsonl")
    parser.add_argument("--cache", type=Path, default=Path(".cache/eval"), help="where the index is kept (as eval)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--lead-chars", type=int, default=LEAD_CHARS, help="as the short-answer training")
    args = parser.parse_args(argv)
    if yardstick(args.questions):
        return 2
    questions = load_questions(args.questions)
    assistant = training_index(training_corpus(args.corpus, args.lead_chars), questions, args.cache, log_stderr)
    data = train(assistant.stories(), questions, log_stderr)
    data["training"]["corpus"] = args.corpus.parent.name
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    log_stderr(f"train: wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
