"""The seed article answered end to end with the real model and a real Chroma folder."""

import re

import pytest

SEED_ID = None  # filled from the index: the seed's article id


def cited_articles(answer):
    return {c.article_id for c in answer.citations}


def assert_cited(answer):
    assert not answer.abstained, answer.text
    assert answer.citations, answer.text
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert numbers, f"no [n] marker in: {answer.text}"
    assert numbers == {c.number for c in answer.citations}
    for c in answer.citations:
        assert c.title == "North Korea Joins Global Leaders at Beijing's Military Parade"
        assert c.passage and c.sentence in " ".join(c.passage.split())
        assert "000_a256e67ae6222007.txt" in [p.path for p in answer.passages if p.chunk_id == c.chunk_id]


def test_parade_date(seed_assistant):
    answer = seed_assistant.answer("When is the military parade in Beijing?")
    assert_cited(answer)
    assert "September 3" in answer.text


def test_who_attends(seed_assistant):
    answer = seed_assistant.answer("Who attends the parade in Beijing?")
    assert_cited(answer)
    assert "Kim Jong Un" in answer.text

    leaders = seed_assistant.answer("Which leaders will attend the Beijing military parade?")
    assert_cited(leaders)
    assert "Putin" in leaders.text or "Xi Jinping" in leaders.text


def test_china_share_of_trade(seed_assistant):
    answer = seed_assistant.answer("What share of North Korea's trade does China account for?")
    assert_cited(answer)
    assert "98%" in answer.text


def test_denuclearization_stance(seed_assistant):
    answer = seed_assistant.answer("What is North Korea's stance on denuclearization?")
    assert_cited(answer)
    assert "dismissed the idea of denuclearization" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "What did the EPA tell truck makers about limp mode?",
        "Which team leads the predictive ranking chart, Ingolstadt?",
        "What is the weather forecast for Paris tomorrow?",
    ],
)
def test_read_also_and_unrelated_questions_abstain(seed_assistant, question):
    answer = seed_assistant.answer(question)
    assert answer.abstained, answer.text
    assert not answer.citations
    assert "[" not in answer.text


def test_offered_options_are_chosen_by_evidence(seed_assistant):
    answer = seed_assistant.answer("When is the parade in Beijing: August 15, September 3 or October 1?")
    assert_cited(answer)
    assert answer.choice == "September 3"
    assert answer.text.startswith("September 3")

    same = seed_assistant.answer("When is the parade in Beijing?", choices=["October 1", "September 3"])
    assert same.choice == "September 3"


def test_follow_up_uses_the_conversation(seed_assistant):
    history = [
        {"role": "user", "content": "When is the military parade in Beijing?"},
        {"role": "assistant", "content": "The military parade, scheduled for September 3 [1]."},
    ]
    answer = seed_assistant.answer("Who else is attending?", history)
    assert_cited(answer)
    assert re.search(r"Putin|Xi Jinping|Lukaschenko|Peseschkian|Prabowo|Woo Won-shik|Kim Jong Un", answer.text)


def test_empty_and_overlong_questions_get_a_clear_reply(seed_assistant):
    assert seed_assistant.answer("   ").abstained
    long = seed_assistant.answer("parade " * 1000)
    assert long.abstained and "limit" in long.text


def test_an_undated_article_stays_visible_as_of_any_day(seed_assistant):
    answer = seed_assistant.answer("When is the military parade in Beijing?", as_of="2020-01-01")
    assert not answer.abstained


def test_answer_serialises(seed_assistant):
    data = seed_assistant.answer("When is the military parade in Beijing?").to_dict()
    assert data["citations"][0]["title"].startswith("North Korea Joins")
    assert set(data) >= {"text", "citations", "abstained", "passages", "path"}
