"""Which questions are overviews (answered as briefings), what they are about, and the window they cover."""

from datetime import date

import pytest

from assistant.briefing.overview import read_overview, window_for

NOW = date(2024, 3, 20)


@pytest.mark.parametrize(
    "question, kind, topic",
    [
        ("What happened this week?", "top", ""),
        ("what happened today", "top", ""),
        ("What happened in March?", "top", ""),
        ("What are the top stories?", "top", ""),
        ("What's new?", "top", ""),
        ("What’s the news today?", "top", ""),
        ("Catch me up", "top", ""),
        ("Summarize the news about the Golden Globes", "summary", "the Golden Globes"),
        ("What's the latest on the Boeing door plug?", "summary", "the Boeing door plug"),
        ('Summarize the news about "Iowa caucus results"', "summary", "Iowa caucus results"),
        ("Timeline of the Kessler Bridge collapse", "timeline", "the Kessler Bridge collapse"),
        ("How has the Gaza ceasefire unfolded?", "timeline", "the Gaza ceasefire"),
        ("What happened to Tristyn Bailey?", None, None),
        ("What happened in Ukraine this week?", None, None),
        ("When is the military parade in Beijing?", None, None),
        ("Who won the Golden Globe for best drama?", None, None),
    ],
)
def test_overview_questions_are_recognised(question, kind, topic):
    found = read_overview(question)
    assert (found.kind, found.topic) == (kind, topic) if kind else found is None


@pytest.mark.parametrize(
    "question, since, until",
    [
        ("What are the top stories?", date(2024, 3, 14), NOW),  # the week up to now
        ("What happened today?", NOW, NOW),
        ("What happened in February?", date(2024, 2, 1), date(2024, 3, 7)),  # and the week after, reporting late
    ],
)
def test_the_window_an_overview_covers(question, since, until):
    assert window_for(read_overview(question), NOW, None, None) == (since, until)


def test_filters_win_over_time_words_and_a_topic_has_no_default_window():
    assert window_for(read_overview("What happened this week?"), NOW, date(2024, 1, 1), date(2024, 1, 31)) == (
        date(2024, 1, 1),
        date(2024, 1, 31),
    )
    assert window_for(read_overview("Timeline of the Boeing door plug"), NOW, None, None) == (None, NOW)


def test_a_question_offering_options_is_never_a_briefing():
    assert read_overview("What are the top stories: the election or the storm?") is None
    assert read_overview("Which of these was among the biggest news stories this week?") is None
