"""News-native ranking: time words in questions, recency against the as-of date, one story once."""

from datetime import date

import pytest
from support import indexed_feed

from assistant.searching.dates import time_frame
from assistant.searching.stories import same_story, shingles

TODAY = date(2024, 8, 15)


@pytest.mark.parametrize(
    "question, since, until, recent",
    [
        ("Which hurricane hit Puerto Rico this week?", date(2024, 8, 8), TODAY, True),
        ("What happened last month in Paris?", date(2024, 7, 1), TODAY, True),
        ("What did the court decide in March?", date(2024, 3, 1), date(2024, 4, 7), False),
        ("What did the court decide in December?", date(2023, 12, 1), date(2024, 1, 7), False),
        ("Who won the vote in 2021?", date(2021, 1, 1), date(2022, 1, 31), False),
        ("What is the latest on the strike?", None, None, True),
        ("Who leads the party?", None, None, False),
    ],
)
def test_time_frame(question, since, until, recent):
    frame = time_frame(question, TODAY)
    assert (frame.since, frame.until, frame.recent) == (since, until, recent)


WIRE = (
    "Storm Ernesto knocked out power to half of Puerto Rico on Wednesday as it strengthened into a hurricane. "
    "Crews worked through the night to restore electricity to hospitals and water pumping stations, "
    "while the governor urged residents to stay indoors until the winds eased."
)
ARTICLES = [
    ("w1", "2024-08-14", "Island Times", "Ernesto leaves half of Puerto Rico without power", WIRE),
    ("w2", "2024-08-14", "Coast Daily", "Puerto Rico power cut as Ernesto strengthens", WIRE + " More updates follow."),
    (
        "old",
        "2023-08-20",
        "Island Times",
        "Hurricane season: a storm cut power to Puerto Rico",
        "A storm knocked out power to parts of Puerto Rico last year, and crews restored electricity within days.",
    ),
    (
        "new",
        "2024-08-13",
        "Coast Daily",
        "Hurricane watch for the islands",
        "Forecasters said a storm could knock out power across Puerto Rico as it strengthens into a hurricane this week.",
    ),
]


@pytest.fixture(scope="module")
def news(tmp_path_factory, real_embedder):
    return indexed_feed(tmp_path_factory.mktemp("news"), ARTICLES, real_embedder)


def test_the_same_story_from_two_outlets_is_listed_once(news):
    found = news.retrieve("Which storm knocked out power to Puerto Rico?", as_of=TODAY, k=6)
    ids = [p.article_id for p in found]
    assert len({"w1", "w2"} & set(ids)) == 1
    kept = next(p for p in found if p.article_id in {"w1", "w2"})
    assert [a.article_id for a in kept.also_reported_by] == list({"w1", "w2"} - {kept.article_id})
    assert kept.also_reported_by[0].source in {"Island Times", "Coast Daily"}

    answer = news.answer("Which storm knocked out power to Puerto Rico?", as_of=TODAY)
    assert "Ernesto" in answer.text
    naming = [c for c in answer.citations if "Ernesto" in c.sentence]
    assert naming and naming[0].also_reported_by
    assert "also reported by: " in answer.with_sources()

    from assistant.faces.chat_render import answer_html

    assert "Also reported by" in answer_html(answer, "1")


def test_this_week_prefers_this_weeks_articles(news):
    question = "Did a storm knock out power to Puerto Rico this week?"
    ids = [p.article_id for p in news.retrieve(question, as_of=TODAY, k=6)]
    assert ids.index("old") > ids.index("new")
    # A year later the same words point at the other article.
    later = [p.article_id for p in news.retrieve(question, as_of=date(2023, 8, 22), k=6)]
    assert later[0] == "old"


def test_a_republished_story_is_cited_in_its_newest_copy(tmp_path, real_embedder):
    rows = [(aid, day, "Wire", "Power cut", WIRE) for aid, day in (("first", "2023-05-01"), ("again", "2024-05-01"))]
    assistant = indexed_feed(tmp_path, rows, real_embedder)
    [kept] = assistant.retrieve("Which storm knocked out power?", as_of=date(2024, 6, 1))
    assert kept.article_id == "again"
    assert [a.article_id for a in kept.also_reported_by] == ["first"]


def test_shingle_containment():
    a = shingles(WIRE)
    assert same_story(a, shingles(WIRE + " And one more sentence at the end of the copy."))
    assert not same_story(a, shingles("A different story about the harbour festival and its crowds on Sunday night."))


def test_dates_off_the_calendar_are_read_as_no_date(tmp_path, fake_embedder):
    from support import seed_folder

    from assistant.core import Assistant

    assert time_frame("What happened in December 9999?", date(2025, 1, 1)) == time_frame(
        "What happened?", date(2025, 1, 1)
    )
    assert time_frame("What happened this week?", date(1, 1, 3)).recent
    bot = Assistant(seeds_dir=seed_folder(tmp_path), index_dir=tmp_path / "index", embedder=fake_embedder)
    bot.index()
    questions = [
        "What happened this week?",
        "What happened yesterday?",
        "What happened last month?",
        "What happened in December 9999?",
        "What happened in January 0001?",
        "When is the parade?",
    ]
    for as_of in ("0001-01-01", "0001-01-03", "9999-12-31", None):
        for question in questions:
            answer = bot.answer(question, as_of=as_of)
            assert answer.text, (as_of, question)
    # A question naming an out-of-range month still searches every article.
    assert bot.retrieve("When is the military parade in Beijing, as of December 9999?")
