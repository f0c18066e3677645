"""The answer a person asked for: the short answer first, from the newest report, or "the articles don't say".

Real embedding model, real Chroma folder; the articles are written here, one news week of them
with older reports and unrelated stories around.
"""

import pytest
from support import indexed_feed

from assistant.answering.extractive import NOT_FOUND

ARTICLES = [
    (
        "pm-2017",
        "2017-05-15",
        "France 24",
        "Macron names Edouard Philippe as prime minister",
        "President Emmanuel Macron on Monday appointed Edouard Philippe, the centre-right mayor of Le Havre, "
        "as France's new prime minister. Philippe, 46, is a member of the Republicans party. "
        "The appointment is seen as an attempt to win over moderate conservatives before the legislative elections.",
    ),
    (
        "pm-2024",
        "2024-01-09",
        "Reuters",
        "Gabriel Attal becomes France's youngest prime minister",
        "French President Emmanuel Macron on Tuesday appointed Gabriel Attal as prime minister, replacing "
        "Elisabeth Borne. At 34, Attal is the youngest prime minister in the country's modern history. "
        "Attal previously served as education minister, where he banned the abaya in state schools.",
    ),
    (
        "tetris",
        "2024-01-04",
        "CNN",
        "Oklahoma teenager becomes the first person to beat Tetris",
        "How did an Oklahoma teenager beat Tetris? Willis Gibson, a 13-year-old from Stillwater, "
        "became the first person known to beat the original Nintendo version of Tetris. "
        "Gibson reached level 157 before the game froze, a moment players call the kill screen.",
    ),
    (
        "boeing",
        "2024-01-08",
        "NBC News",
        "FAA grounds Boeing 737 Max 9 jets after door plug blowout",
        "The Federal Aviation Administration ordered the temporary grounding of 171 Boeing 737 Max 9 planes "
        "after a door plug blew out of an Alaska Airlines flight shortly after takeoff from Portland. "
        "No one was seriously injured, the airline said.",
    ),
    (
        "bridge",
        "2024-01-07",
        "Halvard Courier",
        "Halvard Bridge opens to traffic",
        "The Halvard Bridge, designed by the engineer Marta Lindqvist, opened to traffic on Saturday after four years "
        "of construction. Drivers will cross for free until the toll starts on March 1, the transport authority said. "
        "The toll will be $3 for cars and $9 for trucks.",
    ),
    (
        "storm",
        "2024-01-06",
        "Houston Chronicle",
        "Texas storm death toll rises to 12",
        "The death toll from the winter storm that swept across Texas rose to 12 on Friday, state officials said. "
        "More than 200,000 homes were still without power in the Houston area.",
    ),
    (
        "globes",
        "2024-01-08",
        "The Week",
        "Golden Globes 2024: Oppenheimer dominates",
        "Oppenheimer won five awards at the 81st Golden Globes on Sunday, the most of any film, including best "
        "motion picture drama. Here are more of the most surprising omissions of the night. "
        "Who else took home honors at the Globes? Poor Things won best musical or comedy.",
    ),
    (
        "fed",
        "2024-01-05",
        "Associated Press",
        "Unemployment holds steady as employers add jobs",
        "Employers added 216,000 jobs in December, the Labor Department said Friday, and the unemployment rate "
        "held at 3.7%. Average hourly wages rose 4.1% from a year earlier.",
    ),
    (
        "auction",
        "2024-01-03",
        "CNN",
        "Baseball card sells for record price",
        "A 1952 Mickey Mantle baseball card sold at auction for $12.6 million, making it the most expensive piece "
        "of sports memorabilia ever sold. The previous record was $9.3 million.",
    ),
    (
        "volcano",
        "2024-01-02",
        "BBC",
        "Volcano erupts in Iceland, forcing evacuation",
        "A volcano erupted on the Reykjanes peninsula in Iceland, sending lava toward the town of Grindavik. "
        "About 4,000 residents of Grindavik had been evacuated before the eruption began.",
    ),
]


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory, real_embedder):
    return indexed_feed(tmp_path_factory.mktemp("answer-first"), ARTICLES, real_embedder)


def test_the_newest_report_of_a_superseded_fact_wins(newsroom):
    answer = newsroom.answer("Who did Emmanuel Macron appoint as France's new prime minister?")
    assert answer.short == "Gabriel Attal"
    assert answer.text.startswith(answer.citations[0].sentence[:20])
    assert answer.citations[0].article_id == "pm-2024"
    # As of 2018 the newer report does not exist: the fact as it stood then.
    then = newsroom.answer("Who did Emmanuel Macron appoint as France's new prime minister?", as_of="2018-01-01")
    assert then.short == "Edouard Philippe" and then.citations[0].article_id == "pm-2017"


def test_a_new_question_after_an_unrelated_one_is_searched_on_its_own(newsroom):
    history = [("What happened to the Boeing 737 Max 9?", "The FAA ordered the grounding of 171 planes [1].")]
    answer = newsroom.answer("Who beat Tetris?", history)
    assert answer.searched == "Who beat Tetris?"
    assert answer.short == "Willis Gibson"
    assert not answer.text.rstrip().endswith("?") and "Willis Gibson" in answer.text


def test_a_follow_up_is_searched_with_the_subject_of_the_turn_before(newsroom):
    first = newsroom.answer("Who designed the Halvard Bridge?")
    assert first.short == "Marta Lindqvist"
    follow_up = newsroom.answer("When will the toll start?", [("Who designed the Halvard Bridge?", first.text)])
    assert "Halvard Bridge" in follow_up.searched
    assert follow_up.short == "March 1"
    assert {c.article_id for c in follow_up.citations} == {"bridge"}


def test_a_question_the_articles_cannot_answer_gets_an_honest_no(newsroom):
    answer = newsroom.answer("Who won the 2024 Super Bowl?")
    assert answer.abstained and answer.text.startswith(NOT_FOUND) and "mentions “Super Bowl”" in answer.text
    assert answer.short is None and not answer.citations
    assert answer.passages  # the closest passages are offered below it
    assert newsroom.answer("Who is the president of Brazil?").abstained


def test_one_article_is_cited_under_one_number(newsroom):
    answer = newsroom.answer("What happened at the Halvard Bridge, and how much will the toll be?")
    numbers = {}
    for c in answer.citations:
        numbers.setdefault(c.article_id, set()).add(c.number)
    assert all(len(n) == 1 for n in numbers.values())
    assert len({c.number for c in answer.citations}) == len(answer.citations)


@pytest.mark.parametrize(
    ("question", "short", "article"),
    [
        ("Which film won the most awards at the 2024 Golden Globes?", "Oppenheimer", "globes"),  # a title
        ("How many jobs did employers add in December?", "216,000", "fed"),  # a number
        ("How much did the 1952 Mickey Mantle baseball card sell for?", "$12.6 million", "auction"),  # an amount
        ("Who designed the Halvard Bridge?", "Marta Lindqvist", "bridge"),  # a person
        ("Where did the volcano erupt?", "Iceland", "volcano"),  # a place
        ("When does the Halvard Bridge toll start?", "March 1", "bridge"),  # a date
    ],
)
def test_a_short_answer_of_each_kind_leads(newsroom, question, short, article):
    answer = newsroom.answer(question)
    assert answer.short == short, (answer.short, answer.text)
    assert short in answer.text.split("[")[0]  # the first cited sentence states it
    assert answer.citations[0].article_id == article


def test_a_why_question_leads_with_the_sentence_that_answers_not_a_teaser(newsroom):
    answer = newsroom.answer("Why were the Boeing 737 Max 9 planes grounded?")
    assert answer.short is None
    lead = answer.text.split("[")[0]
    assert "door plug" in lead and not lead.rstrip().endswith("?")


def test_the_json_and_chat_faces_return_the_short_answer(newsroom):
    from assistant.faces.chat import ChatApp

    data = ChatApp(newsroom).api_chat("Who designed the Halvard Bridge?")
    assert data["short"] == "Marta Lindqvist" and data["searched"] == "Who designed the Halvard Bridge?"
    assert newsroom.answer("Who designed the Halvard Bridge?").to_dict()["short"] == "Marta Lindqvist"


@pytest.mark.slow
def test_a_long_repetitive_record_does_not_hide_its_fact(tmp_path, real_embedder):
    """One short fact, then a long run of near-identical filler: the fact is still the answer."""
    fact = "The Harbor Bridge toll will rise to 7 dollars on June 1, the transit authority said."
    filler = " ".join(f"Update {i}: more on the Harbor Bridge toll later." for i in range(1500))
    rows = [
        ("toll", "2025-05-01", "Bay Times", "Harbor Bridge toll to rise", f"{fact} {filler}"),
        ("ferry", "2025-04-20", "Bay Times", "Ferry service resumes", "The ferry resumed on Monday after repairs."),
    ]
    bot = indexed_feed(tmp_path, rows, real_embedder)
    answer = bot.answer("How much will the Harbor Bridge toll rise to?")
    assert answer.text.startswith(fact.rstrip(".")), answer.text
    assert "Update" not in answer.text
