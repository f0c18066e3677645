"""Briefings on articles written here, with the real model: stories, their leads, windows, timelines, updates."""

import json
from datetime import date

import pytest
from support import indexed_feed

from assistant.briefing.overview import read_overview
from assistant.faces.cli import main

pytestmark = pytest.mark.slow

BRIDGE = [
    (
        "b1",
        "2025-03-10",
        "Coastal Times",
        "Kessler Bridge collapses after cargo ship strike in Port Amberly",
        "PORT AMBERLY (AP) — The Kessler Bridge in Port Amberly collapsed early on Monday after the cargo ship "
        "Northern Star struck one of its pillars, killing two road workers, the port authority said.\n\n"
        "Traffic across the harbour was diverted to the old ferry route. Governor Ada Lindqvist declared a state "
        "of emergency for Port Amberly.",
    ),
    (
        "b2",
        "2025-03-10",
        "Harbour Post",
        "Port Amberly's Kessler Bridge falls into the harbour",
        "Here's what you need to know about the disaster that shocked Port Amberly.\n\n"
        "The Kessler Bridge collapsed into the harbour on Monday when the cargo ship Northern Star hit a pillar, "
        "and two road workers died, Port Amberly officials said. Governor Ada Lindqvist called it a tragedy.",
    ),
    (
        "b5",
        "2025-03-10",
        "The Daily Ledger",
        "Kessler Bridge in Port Amberly collapses after ship strike",
        "The Kessler Bridge collapsed in Port Amberly on Monday when the cargo ship Northern Star struck a pillar, "
        "and two road workers were killed, according to the port authority.\n\nGovernor Ada Lindqvist declared "
        "a state of emergency in Port Amberly.",
    ),
    (
        "b3",
        "2025-03-11",
        "Valley Courier",
        "Divers recover bodies of two workers from Kessler Bridge wreckage",
        "Divers recovered the bodies of the two road workers from the Kessler Bridge wreckage in Port Amberly "
        "harbour on Tuesday, the coast guard said.\n\nThe Northern Star's crew of 21 were unhurt. Governor Ada "
        "Lindqvist visited the families of the workers.",
    ),
    (
        "b4",
        "2025-03-12",
        "The Daily Ledger",
        "Northern Star lost power before hitting the Kessler Bridge, investigators say",
        "The cargo ship Northern Star lost all power two minutes before it struck the Kessler Bridge in Port "
        "Amberly, federal investigators said on Wednesday.\n\nThe ship's owner said it was cooperating with the "
        "inquiry. Governor Ada Lindqvist said the bridge would be rebuilt within four years.",
    ),
]
ELECTION = [
    (
        "e1",
        "2025-03-09",
        "Coastal Times",
        "Elena Duarte re-elected mayor of Brookfield",
        "Elena Duarte won a second term as mayor of Brookfield on Sunday, taking 58 percent of the vote against "
        "the challenger Tomas Berg, the city election office said.",
    ),
    (
        "e2",
        "2025-03-10",
        "Valley Courier",
        "Brookfield returns Mayor Duarte for a second term",
        "Brookfield voters gave Mayor Elena Duarte four more years on Sunday, with Tomas Berg conceding defeat "
        "late in the evening after winning 42 percent of the vote.",
    ),
]
LIBRARY = (
    "l1",
    "2025-03-11",
    "Harbour Post",
    "Greyton council approves budget for a new central library",
    "The Greyton town council approved 12 million dollars on Tuesday for a new central library, to open in "
    "2027 beside the railway station.",
)
STORM = (
    "s1",
    "2025-02-05",
    "Valley Courier",
    "Winter storm closes schools across Harlow county",
    "A winter storm dropped 40 centimetres of snow on Harlow county on Wednesday, closing every school and "
    "cutting power to 9,000 homes, the county said.",
)
ROWS = BRIDGE + ELECTION + [LIBRARY, STORM]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, real_embedder):
    return indexed_feed(tmp_path_factory.mktemp("briefings"), ROWS, real_embedder)


def story_of(assistant, article_id):
    return assistant.stories().entries[article_id].story


def test_two_outlets_reports_of_one_event_make_one_story(assistant):
    assert story_of(assistant, "e1") == story_of(assistant, "e2")
    assert story_of(assistant, "b1") == story_of(assistant, "b2") == story_of(assistant, "b5")
    # Different events stay apart, even in the same week and outlets; so do an event's later turns
    # (the divers' recovery, the investigators' finding), which its timeline and summary bring together.
    assert story_of(assistant, "l1") != story_of(assistant, "b1") != story_of(assistant, "e1")
    assert len({story_of(assistant, a) for a in ("b1", "b3", "b4")}) == 3


def test_the_most_widely_covered_story_leads_this_week(assistant):
    briefing = assistant.brief()
    assert briefing.window.until == date(2025, 3, 12)  # "now": the newest article, no as-of given
    first = briefing.stories[0]
    assert set(first.articles) == {"b1", "b2", "b5"}
    assert len(first.outlets) == 3
    assert first.first_seen == first.last_seen == date(2025, 3, 10)
    assert set(briefing.stories[1].articles) == {"e1", "e2"}
    assert sorted(s.articles for s in briefing.stories[2:]) == [("b3",), ("b4",), ("l1",)]
    assert all(s.citations and f"[{s.citations[0].number}]" in s.lead for s in briefing.stories)


def test_a_storys_lead_is_its_news_not_a_teaser(assistant):
    lead = assistant.brief().stories[0].lead
    assert "need to know" not in lead
    assert "Kessler Bridge" in lead or "Northern Star" in lead


def test_last_months_stories_stay_out_of_this_week(assistant):
    answer = assistant.answer("What happened this week?")
    assert answer.briefing is not None and answer.path == "briefing"
    ids = {a for s in answer.briefing.stories for a in s.articles}
    assert "s1" not in ids and "b1" in ids
    assert "Harlow" not in answer.text
    # Asked as of February, the storm is the news and nothing later exists.
    february = assistant.answer("What are the top stories?", as_of="2025-02-06")
    assert [s.articles for s in february.briefing.stories] == [("s1",)]


def test_today_and_a_named_month(assistant):
    today = assistant.answer("What happened today?").briefing
    assert today.window.since == today.window.until == date(2025, 3, 12)
    assert [s.articles for s in today.stories] == [("b4",)]
    february = assistant.answer("What happened in February?").briefing
    assert {a for s in february.stories for a in s.articles} == {"s1"}


def test_a_timeline_is_in_date_order_and_cited(assistant):
    answer = assistant.answer("Timeline of the Kessler Bridge collapse")
    story = answer.briefing.stories[0]
    days = [line.split(":")[0] for line in story.facts]
    assert days == sorted(days) and len(days) == 3  # one development a day: the 10th, 11th and 12th, three stories
    assert days[0] == "2025-03-10" and days[-1] == "2025-03-12"
    numbers = {c.number for c in answer.citations}
    assert all(any(f"[{n}]" in line for n in numbers) for line in story.facts)


def test_a_summary_puts_the_newest_first_and_tells_each_fact_once(assistant):
    answer = assistant.answer("Summarize the news about the Kessler Bridge")
    facts = answer.briefing.stories[0].facts
    assert len(facts) >= 2
    assert "lost all power" in facts[0]  # Wednesday's news before Monday's
    cited_days = [c.published for c in answer.citations]
    assert cited_days == sorted(cited_days, reverse=True)
    # Monday's collapse is told by three outlets; the summary says it once, the others "also reported" it,
    # and the investigators' finding, a story of its own, was reported by its outlet alone.
    assert sum("collapsed" in f for f in facts) == 1
    by_article = {c.article_id: c for c in answer.citations}
    assert not by_article["b4"].also_reported_by
    collapse = next(c for a, c in by_article.items() if a in {"b1", "b2", "b5"})
    assert len({o.source for o in collapse.also_reported_by}) == 2
    latest = assistant.answer("What's the latest on the Brookfield mayor race?")
    assert {c.article_id for c in latest.citations} <= {"e1", "e2"} and latest.citations


def test_ordinary_questions_are_not_briefings(assistant):
    assert read_overview("What happened to the two road workers?") is None
    answer = assistant.answer("How many people were on the Northern Star's crew?")
    assert answer.briefing is None and answer.path != "briefing"


def test_brief_command_prints_json(assistant, capsys):
    s = assistant.settings
    code = main(["brief", "--seeds", str(s.seeds_dir), "--index", str(s.index_dir), "--top", "2", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["stories"]) == 2 and data["window"]["until"] == "2025-03-12"
    assert set(data["stories"][0]["outlets"]) == {"Coastal Times", "Harbour Post", "The Daily Ledger"}
    code = main(["brief", "--seeds", str(s.seeds_dir), "--index", str(s.index_dir), "--topic", "Brookfield mayor"])
    out = capsys.readouterr().out
    assert code == 0 and "Duarte" in out and "[1]" in out
    # `ask` recognises an overview question too, and prints the stories with their sources.
    code = main(["ask", "What's new?", "--seeds", str(s.seeds_dir), "--index", str(s.index_dir)])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("Top stories, 2025-03-06 to 2025-03-12:") and "Kessler" in out.split("\n")[1]


def test_an_incremental_rebuild_updates_the_stories_it_touches_and_no_others(tmp_path, real_embedder):
    assistant = indexed_feed(tmp_path, ROWS, real_embedder)
    before = {sid: [e.id for e in members] for sid, members in assistant.stories().members().items()}
    saved = (assistant.settings.index_dir / "stories" / "news.json").read_text()
    extra = (
        "e3",
        "2025-03-10",
        "Harbour Post",
        "Brookfield keeps Elena Duarte as mayor",
        "Mayor Elena Duarte was re-elected in Brookfield on Sunday with 58 percent of the vote, defeating Tomas "
        "Berg, according to the city election office.",
    )
    with open(tmp_path / "seeds" / "feed.jsonl", "a") as fh:
        aid, day, source, title, text = extra
        fh.write(json.dumps({"id": aid, "published": day, "source": source, "title": title, "text": text}) + "\n")
    assistant.index()
    after = {sid: [e.id for e in members] for sid, members in assistant.stories().members().items()}
    election = story_of(assistant, "e1")
    assert after[election] == before[election] + ["e3"]
    assert {k: v for k, v in after.items() if k != election} == {k: v for k, v in before.items() if k != election}
    # The file beside the index was updated by the rebuild, and a fresh reader finds the same stories.
    assert (assistant.settings.index_dir / "stories" / "news.json").read_text() != saved
    from assistant.briefing.grouping import StoryIndex

    reread = StoryIndex(assistant.settings.index_dir / "stories" / "news.json")
    assert {aid: e.story for aid, e in reread.entries.items()} == {
        aid: e.story for aid, e in assistant.stories().entries.items()
    }


def test_the_brief_endpoint_and_the_collection_card(assistant):
    from assistant.faces.chat import ChatApp

    app = ChatApp(assistant)
    data = app.api_brief(topic="Kessler Bridge")
    assert data["kind"] == "summary" and "lost all power" in data["stories"][0]["facts"][0]
    data = app.api_brief(as_of="2025-03-10", top=5)
    assert data["window"] == {"since": "2025-03-04", "until": "2025-03-10", "today": "2025-03-10"}
    assert {a for s in data["stories"] for a in s["articles"]} == {"b1", "b2", "b5", "e1", "e2"}
    card, starters = app.starters()
    assert "9 articles" in card and "2025-02-05 to 2025-03-12" in card
    assert [s["display_text"] for s in starters][:2] == [assistant.brief().stories[i].title for i in range(2)]
    assert all(read_overview(s["text"]).kind == "summary" for s in starters)
