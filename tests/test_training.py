"""The short-answer model's training: it learns what marks an answer, the same weights every time, and the
threshold keeps the asked share of answerable questions answered; free-form scoring at any threshold."""

import numpy as np

from assistant.answering.answer_confidence import CONFIDENCE_FEATURES
from assistant.answering.answer_features import FEATURES
from assistant.answering.short_answers import ShortAnswerModel
from assistant.measuring.free_form import FreeOutcome, decided, summarise_free
from assistant.measuring.training import Example, fit_ranking, pick_threshold, top1, train


def synthetic(n, seed=0):
    """Questions whose answer is the candidate with the highest `evidence`, among noise in every other feature."""
    rng = np.random.default_rng(seed)
    out = []
    for q in range(n):
        rows = rng.random(size=(6, len(FEATURES))).astype(np.float32)
        answer = int(np.argmax(rows[:, FEATURES.index("evidence")]))
        labels = np.zeros(6, dtype=np.float32)
        present = q % 3 != 0  # a third of the questions have no answer among their candidates
        if present:
            labels[answer] = 1.0
        out.append(
            Example(
                f"2024010{q % 9}_{q}",
                rows,
                labels,
                [f"candidate {q} {i}" for i in range(6)],
                [0] * 6,
                np.array([[0.8 if present else 0.2, 0.5, 1.0]], dtype=np.float32),
                True,
                present,
                1.0 if present else 0.3,
            )
        )
    return out


def test_the_ranking_learns_what_marks_the_answer_and_is_deterministic():
    train_set, test_set = synthetic(300), synthetic(100, seed=1)
    first, second = fit_ranking(train_set), fit_ranking(train_set)
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert top1(*first, test_set) > 0.8  # chance is one in six
    mean, scale, weights = first
    assert int(np.argmax(np.abs(weights))) == FEATURES.index("evidence")


def test_training_writes_a_model_that_abstains_on_questions_without_an_answer():
    data = train(synthetic(300), log=lambda line: None)
    assert data["features"] == list(FEATURES) and data["confidence"]["features"] == list(CONFIDENCE_FEATURES)
    model = ShortAnswerModel(
        np.array(data["mean"]),
        np.array(data["scale"]),
        np.array(data["weights"]),
        np.array(data["confidence"]["weights"]),
        data["confidence"]["bias"],
        data["threshold"],
    )
    assert 0 < model.threshold < 1
    probabilities = np.array([0.9, 0.8, 0.7, 0.1, 0.05])
    answerable = np.array([True, True, True, True, False])
    assert pick_threshold(probabilities, answerable) == 0.1  # 12% of four answerable questions: none left out


def outcome(qid, gold, short, confidence, in_search=True):
    return FreeOutcome(
        qid, "CNN", True, in_search, gold, short, f"{short} stated [1].", f"{short} stated [1].", False, confidence,
        ["a1"], [f"{short} stated."], 10.0,
    )  # fmt: skip


def test_free_form_figures_are_scored_exactly_at_any_threshold():
    outcomes = [
        outcome("q1", "Ford", "Ford", 0.9),
        outcome("q2", "Toyota", "Honda", 0.6),
        outcome("q3", "Tesla", "Tesla", 0.3, in_search=False),
        outcome("q4", "GM", "Nissan", 0.2, in_search=False),
    ]
    assert decided(outcomes[3], 0.5).abstained and decided(outcomes[3], 0.5).short is None
    assert not decided(outcomes[0], 0.5).abstained
    figures = summarise_free(outcomes, 0.5)
    assert figures["short_em"] == 0.25 and figures["gold_in_lead"] == 0.25
    assert figures["abstain_answerable"] == 0.0 and figures["abstain_unanswerable"] == 1.0
    assert figures["citation_support_right"] == 1.0 and figures["citation_support"] == 0.5
    everything = next(p for p in figures["abstention_curve"] if p["threshold"] == 0.0)
    assert everything["short_em"] == 0.5 and everything["abstain_unanswerable"] == 0.0
