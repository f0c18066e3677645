"""Metric code on tiny hand-made cases with known answers."""

from datetime import date

import pytest

from assistant.measuring import metrics
from assistant.measuring.eval_sets import EvalQuestion, select
from assistant.measuring.outcomes import Outcome, summarise


def test_hits_and_mrr_count_articles_not_passages():
    ranked = ["a", "a", "b", "c", "d"]
    assert metrics.hits_at(ranked, {"b"}, 1) == 0.0
    assert metrics.hits_at(ranked, {"b"}, 2) == 1.0  # "a" twice is one article
    assert metrics.mrr_at(ranked, {"c"}, 10) == pytest.approx(1 / 3)
    assert metrics.mrr_at(ranked, {"z"}, 10) == 0.0
    assert metrics.mrr_at(ranked, {"d"}, 3) == 0.0


def test_citation_precision_and_recall():
    assert metrics.citation_precision(["a", "b"], {"a"}) == 0.5
    assert metrics.citation_precision([], {"a"}) is None
    assert metrics.citation_recall(["a"], {"a", "b"}) == 0.5


@pytest.mark.parametrize(
    "text, chosen, correct",
    [
        ("It was Tigger [1].", None, True),
        ("Tigger or Eeyore, the articles say [1].", None, False),  # names another choice too
        ("Nothing about it.", None, False),
        ("whatever", "Tigger", True),
        ("whatever", "Owl", False),
    ],
)
def test_choice_correct(text, chosen, correct):
    assert metrics.choice_correct(text, chosen, ["Owl", "Eeyore", "Roo", "Tigger"], "Tigger") is correct


def test_a_choice_inside_the_correct_one_does_not_count_against_it():
    assert metrics.choice_correct("Iran and Iraq signed it.", None, ["Iran", "Iran and Iraq", "Chad"], "Iran and Iraq")


def test_percentile():
    assert metrics.percentile([1, 2, 3, 4], 50) == 2.5
    assert metrics.percentile([10], 95) == 10
    assert metrics.percentile([], 50) is None


def q(qid, gold=(), search=()):
    return EvalQuestion(qid, date(2022, 7, 1), "Who won?", ("A", "B"), "A", frozenset(gold), tuple(search), "CNN")


def test_question_offers_its_choices_as_a_person_would():
    question = EvalQuestion(
        "1", date(2022, 1, 1), "Which city hosts the games?", ("Paris", "Rome", "Oslo"), "Paris", frozenset(), (), ""
    )
    assert question.asked() == "Which city hosts the games: Paris, Rome or Oslo?"


def test_sample_keeps_own_articles_and_k_times_as_many_others():
    questions = [
        q("q1", gold={"g1"}, search=("s1", "s2")),
        q("q2", search=("s3",)),
        q("q3", gold={"g2"}, search=("s4",)),
    ]
    corpus = ["s1", "s2", "s3", "s4", "g1", "g2"] + [f"x{i}" for i in range(20)]
    chosen = select(questions, corpus, sample=2, seed=1, distractors=2, answerable_only=True)
    assert {x.id for x in chosen.questions} == {"q1", "q3"}
    own = {"s1", "s2", "g1", "s4", "g2"}
    assert own <= set(chosen.article_ids)
    assert len(chosen.article_ids) == len(own) * 3
    again = select(questions, corpus, sample=2, seed=1, distractors=2, answerable_only=True)
    assert again.article_ids == chosen.article_ids  # seeded


def outcome(qid, ranked, cited, correct, abstained=False, answerable=True, late=0):
    return Outcome(qid, "CNN", answerable, ranked, cited, "", None, correct, abstained, 10.0, late, 10)


def test_summary_on_known_outcomes():
    gold = {"q1": frozenset({"g"}), "q2": frozenset({"h"}), "q3": frozenset()}
    outcomes = [
        outcome("q1", ["g", "x"], ["g"], True),
        outcome("q2", ["x", "y", "h"], ["x", "h"], False),
        outcome("q3", ["x"], [], False, abstained=True, answerable=False, late=2),
    ]
    s = summarise(outcomes, gold)
    assert s["hits@1"] == 0.5 and s["hits@5"] == 1.0
    assert s["mrr@10"] == pytest.approx((1 + 1 / 3) / 2)
    assert s["citation_precision"] == pytest.approx((1 + 0.5) / 2)
    assert s["citation_recall"] == 1.0
    assert s["mc_accuracy"] == pytest.approx(1 / 3)
    assert s["abstain_rate"] == pytest.approx(1 / 3)
    assert s["late_share"] == pytest.approx(2 / 30)
