"""Pure logic of the short answer: what a question asks for, the candidates a sentence offers, follow-ups, scores."""

import pytest

from assistant.answering.answer_features import acronyms
from assistant.answering.candidates import candidates
from assistant.answering.questions import follow_up_context, is_follow_up
from assistant.answering.wanted import Wanted, wanted
from assistant.measuring.metrics import exact_match, squad_normalise, states, token_f1


@pytest.mark.parametrize(
    ("question", "kind", "noun", "plural"),
    [
        ("Who did Emmanuel Macron appoint as prime minister?", "person", "", False),
        ("Which automaker recalled 2.9 million vehicles this week?", "thing", "automaker", False),
        ("Which two countries did NATO formally invite to join its alliance?", "place", "two countries", True),
        ("How much does a gallon of gas cost?", "amount", "", False),
        ("What percentage of US adults disapprove of the decision?", "percent", "", False),
        ("How many hot dogs did Joey Chestnut eat?", "number", "", False),
        ("When will NASA next attempt to launch Artemis I?", "date", "", False),
        ("Where in the US is it illegal to pump your own gas?", "place", "", False),
        ("Which show received the most nominations for the 2022 Emmy Awards?", "title", "show", False),
        ("Why did some cities cancel their fireworks?", "reason", "", False),
        ("Did the Fed raise rates?", "yesno", "", False),
        ("What happened to the Alaska Airlines plane?", None, "", False),
        ("The debate was cut short when what happened?", None, "", False),
        ("Who else is attending?", "person", "", True),
        ("Baseball legend Vin Scully died this week. Which team did he call games for?", "thing", "team", False),
    ],
)
def test_what_a_question_asks_for(question, kind, noun, plural):
    asked = wanted(question)
    assert (asked.kind, asked.noun, asked.plural) == (kind, noun, plural)


def test_questions_about_now_are_told_apart_from_names():
    assert wanted("Who is the new prime minister of France?").present
    assert wanted("Which team won this week?").present
    assert not wanted("Which New York team won the 1986 World Series?").present


def test_candidates_of_each_shape():
    sentence = (
        "UK Prime Minister Boris Johnson said on July 7, 2022 that “Succession” cost $12.6 million, "
        "60% more than climate change did, and 216,000 people watched."
    )
    found = {(c.text, c.shape) for c in candidates(sentence)}
    assert {
        ("Boris Johnson", "name"),
        ("UK Prime Minister Boris Johnson", "name"),
        ("July 7, 2022", "date"),
        ("“Succession”", "quoted"),
        ("$12.6 million", "amount"),
        ("60%", "percent"),
        ("climate change", "phrase"),
        ("216,000 people", "number"),
    } <= found
    # A day of a date and an ordinal are no numbers of their own; a verb of saying is no answer.
    texts = {text for text, _ in found}
    assert "7" not in texts and "said" not in texts
    assert "8" not in {c.text for c in candidates("It marks the 80th anniversary.")}


def test_a_phrase_gives_the_runs_inside_it_where_a_verb_sticks_to_its_noun():
    found = {c.text for c in candidates("The agency on Wednesday declared mpox a global health emergency.")}
    assert {"declared mpox", "mpox", "global health emergency", "health emergency"} <= found
    assert "Wednesday declared" not in found  # a name ends a phrase run


def test_a_follow_up_leans_on_the_latest_question_with_a_subject_of_its_own():
    assert not is_follow_up("Who beat Tetris?")
    assert is_follow_up("When will the toll start?") and is_follow_up("How old is he?")
    history = [("Who designed the Halvard Bridge?", "Marta Lindqvist [1]."), ("When will the toll start?", "March 1")]
    assert follow_up_context("How much will it cost?", history) == (
        "Who designed the Halvard Bridge? When will the toll start?"
    )
    assert follow_up_context("Who beat Tetris?", history) == ""


def test_squad_scores_match_the_benchmarks_rule():
    assert squad_normalise("The Eiffel Tower!") == "eiffel tower"
    assert exact_match("the Eiffel Tower", "Eiffel Tower") == 1.0
    assert token_f1("Gabriel Attal", "Attal") == pytest.approx(2 / 3)
    assert token_f1(None, "Attal") == 0.0
    assert states("It is the Eiffel Tower [1].", "Eiffel Tower") and not states("Eiffel Towers", "Eiffel Tower")


def test_a_possessive_or_a_typographic_apostrophe_still_states_the_answer():
    assert states("Vladimir Putin’s invasion of Ukraine", "Vladimir Putin")
    assert states("Bed Bath & Beyond's management", "Bed Bath & Beyond")
    assert states("the Joneses’ house", "Joneses")
    assert states("Domino's Italian job", "Domino’s")
    assert not states("Putin’s invasion", "Vladimir Putin")
    assert states("a class entitled “Harry Styles and the Cult of Celebrity”", "Harry Styles")
    assert states("the storm—Hurricane Ian—hit", "Hurricane Ian") and not states("“Harry Stylesy”", "Harry Styles")


def test_a_measure_noun_asks_for_a_number_and_the_noun_before_of_is_the_noun():
    assert wanted("A quake hit. What was the magnitude of the quake?") == Wanted("number", "magnitude")
    assert wanted("What is the population of Ohio?").kind == "number"
    assert wanted("What was the price of the ticket?").kind == "amount"
    assert wanted("What is the name of the new film?").kind == "title"
    assert wanted("What is the capital of France?") == Wanted("place", "capital")


def test_a_question_names_initials_repeat_it():
    assert acronyms("Which virus has the World Health Organization named?") == {"who"}
    assert "fr" in acronyms("The Federal Reserve raised rates. By how much?")
    assert acronyms("Who won the game?") == set()
