"""Pure logic of choosing between offered options: how a text names an option, and what tips the choice."""

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from assistant.answering.choosing import OptionNames, freshest, verbatim
from assistant.answering.evidence import Evidence
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.questions import parse_question
from assistant.answers import Passage
from assistant.reading.terms import stems

AIRLINES = ["JetBlue Airways", "Alaska Airlines", "Delta Air Lines", "United Airlines"]


def flat_idf(text: str) -> dict[str, float]:
    """Every word equally rare: what the tests show must not hinge on corpus statistics."""
    return {t: 1.0 for t in stems(text)}


def passage(n: int, title: str, text: str, score: float = 1.0) -> Passage:
    return Passage(f"c{n}", f"a{n}", title, "Wire", "", None, text, 0, len(text), score)


def test_a_word_two_options_share_names_neither():
    names = OptionNames(AIRLINES, flat_idf(" ".join(AIRLINES)))
    text = "JetBlue announces a deal to buy Spirit Airlines."
    assert names.found("United Airlines", text) == 0
    assert names.found("Alaska Airlines", text) == 0
    assert names.found("United Airlines", "United Airlines cut fares.") == 1


def test_a_partial_name_counts_where_the_passage_names_the_option_in_full():
    names = OptionNames(AIRLINES, flat_idf(" ".join(AIRLINES)))
    story = "JetBlue Airways on Thursday agreed to buy Spirit. JetBlue will pay $3.8 billion."
    other = "JetBlue will pay $3.8 billion for Spirit."
    assert names.found("JetBlue Airways", story) == 1
    assert names.found("JetBlue Airways", other) < 1
    sentence = "JetBlue will pay $3.8 billion."
    assert names.named("JetBlue Airways", sentence, None, in_full=True) == 1
    assert names.named("JetBlue Airways", sentence, None, in_full=False) < 1
    # A word shared with another option is no name of its own, even inside the story.
    assert names.named("United Airlines", "Airlines merged.", None, in_full=True) == 0


def test_options_written_out_are_told_from_their_words_scattered():
    sentence = "Vaccines could be available for children as young as 6 months as early as next week."
    assert verbatim("Next week", sentence)
    assert not verbatim("Next month", sentence)
    assert not verbatim("Next 6 months", sentence)


def choose(question: str, passages: list[Passage], fake_embedder) -> str | None:
    answerer = ExtractiveAnswerer(fake_embedder, lambda text: {t: 1.0 + len(t) / 10 for t in stems(text)})
    return answerer.answer(parse_question(question), passages).choice


def test_the_option_written_out_wins_when_the_same_sentence_holds_every_option(fake_embedder):
    text = "Covid vaccines could be available for children as young as 6 months as early as next week."
    found = choose(
        "How soon could Covid vaccines be available for children: Next month, Next 6 months or Next week?",
        [passage(1, "Covid vaccines for young children", text)],
        fake_embedder,
    )
    assert found == "Next week"


def test_a_story_that_names_someone_in_full_once_supports_the_short_name(fake_embedder):
    retires = passage(
        1,
        "A farewell in Madrid",
        "Rafael Nadal spoke to reporters in Madrid. Nadal retired after winning 22 grand slam singles titles. "
        "Novak Djokovic has won 24 grand slam singles titles.",
    )
    question = "Which tennis legend retired after winning 22 grand slam singles titles: Novak Djokovic or Rafael Nadal?"
    assert choose(question, [retires], fake_embedder) == "Rafael Nadal"
    # Where no sentence names him in full, "Nadal" alone is not enough to name the option.
    retold = passage(1, retires.title, retires.text.replace("Rafael Nadal spoke", "He spoke"))
    assert choose(question, [retold], fake_embedder) == "Novak Djokovic"


def test_the_stories_headlines_tip_evenly_supported_options(fake_embedder):
    # Both teams are named in the same sentences; the headlines say whose story it is.
    body = "The Avalanche beat the Lightning in the Stanley Cup Final on Sunday night in Tampa."
    passages = [
        passage(1, "Colorado Avalanche win the Stanley Cup", f"Colorado Avalanche and Tampa Bay Lightning. {body}"),
        passage(2, "Avalanche parade through Denver", f"Tampa Bay Lightning and Colorado Avalanche. {body}", 0.9),
    ]
    question = "Which team won the Stanley Cup Final: Tampa Bay Lightning or Colorado Avalanche?"
    assert choose(question, passages, fake_embedder) == "Colorado Avalanche"
    # Without the headlines the same sentences leave the first option offered ahead.
    untitled = [passage(n, "", p.text, p.score) for n, p in enumerate(passages, start=1)]
    assert choose(question, untitled, fake_embedder) == "Tampa Bay Lightning"


def test_option_weights_discount_shared_words():
    names = OptionNames(AIRLINES, flat_idf(" ".join(AIRLINES)))
    counts = Counter(t for o in AIRLINES for t in stems(o))
    assert counts["airlin"] == 2
    assert names.weights["United Airlines"]["airlin"] == 0.5
    assert names.weights["United Airlines"]["unit"] == 1.0


@pytest.mark.parametrize(
    "option, text, written_out",
    [
        ("$5", "Gas costs $5 a gallon.", True),
        ("$5", "Tickets cost $50.", False),
        ("$5", "It cost $5.50.", False),
        ("3-1", "City won 3-1 on Sunday.", True),
        ("3-1", "Rates rose 3.1% on March 3, 10 days ago.", False),
        ("0.50%", "a rate of 0.50% a year", True),
        ("0.50%", "a rate of 0.505% a year", False),
        ("Plan B", "Both plans backfired.", False),
        ("U.S. Senate", "Under some senate rules", False),
        ("First lady Dr. Jill Biden", "First lady Dr. Jill Biden tested positive.", True),
        ("Ukraine", "Ukrainian first lady Olena Zelenska", True),
    ],
)
def test_written_out_means_as_written_for_numbers_and_short_words(option, text, written_out):
    assert verbatim(option, text) is written_out


def test_options_named_by_no_word_of_their_own_are_matched_as_whole_words():
    names = OptionNames(["Plan A", "Plan B"], {})
    assert names.found("Plan A", "The plan announced today") == 0
    assert names.found("Plan A", "They chose Plan A.") == 1


def test_an_option_offered_twice_does_not_revive_a_word_every_option_shares():
    idf = {"universiti": 3.0, "florida": 1.0, "texa": 1.0}
    once = OptionNames(["University of Florida", "University of Texas"], idf)
    twice = OptionNames(["University of Florida", "University of Texas", "University of Florida"], idf)
    for names in (once, twice):
        assert names.found("University of Texas", "University officials said on Monday") == 0


def dated(n: int, day: date, text: str, score: float) -> Passage:
    return Passage(f"c{n}", f"a{n}", "", "Wire", "", day, text, 0, len(text), score)


def test_a_choice_is_cited_to_the_current_report_rather_than_a_stale_one(fake_embedder):
    question = "Which team won the 2022 Stanley Cup: Colorado Avalanche or Tampa Bay Lightning?"
    reached = dated(1, date(2022, 6, 6), "The Colorado Avalanche reached the 2022 Stanley Cup Final.", 1.0)
    won = dated(2, date(2022, 6, 27), "The Colorado Avalanche won the Stanley Cup on Sunday.", 0.9)
    answerer = ExtractiveAnswerer(fake_embedder, lambda text: {t: 1.0 + len(t) / 10 for t in stems(text)})
    answer = answerer.answer(parse_question(question), [reached, won])
    assert answer.choice == "Colorado Avalanche"
    assert [c.article_id for c in answer.citations] == ["a2"]
    # Days apart, the two are one news cycle: the better statement stays cited.
    answer = answerer.answer(parse_question(question), [reached, replace(won, published=date(2022, 6, 10))])
    assert [c.article_id for c in answer.citations] == ["a1"]


def test_a_newer_statement_must_back_the_choice_nearly_as_well_to_be_cited():
    passages = [dated(1, date(2022, 1, 3), "Old report.", 1.0), dated(2, date(2022, 6, 1), "New mention.", 0.5)]
    old, new = Evidence("Old report.", 0, 0.9, 0.9), Evidence("New mention.", 1, 0.5, 0.5)
    assert freshest([(1.0, old), (0.85, new)], passages) is new
    assert freshest([(1.0, old), (0.5, new)], passages) is old
    undated = [replace(passages[0], published=None), passages[1]]
    assert freshest([(1.0, old), (0.85, new)], undated) is old
