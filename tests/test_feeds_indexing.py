"""Fetched articles through the ordinary index: cited with the item's URL, one story once, changed text replaced."""

import json

import pytest
from feed_server import Site, article_html, rss

from assistant.core import Assistant
from assistant.faces.cli import main
from assistant.fetching.feed_list import Feed
from assistant.fetching.fetch_run import fetch_feeds
from assistant.fetching.polite_http import Limits

pytestmark = pytest.mark.slow  # the real model

DAY = "Tue, 04 Mar 2025 08:00:00 GMT"
BRIDGE = [
    "The Riverside bridge reopened to traffic on Monday after a two-year repair that cost {cost}, "
    "the county engineer Marta Oszkiewicz said at the opening ceremony.",
    "Commuters had used a ferry across the river while the bridge was closed, adding up to forty minutes "
    "to their journeys each way, according to the county's transport office.",
    "The repair replaced the bridge deck and strengthened its three piers against spring floods.",
]


@pytest.fixture
def site():
    site = Site().start()
    yield site
    site.stop()


def fetch(tmp_path, feeds):
    return fetch_feeds(feeds, tmp_path / "seeds", tmp_path / "index", Limits(timeout_s=5))


def test_fetch_index_ask_cites_the_items_url(site, tmp_path, capsys):
    page = site.url + "/2025/03/bridge.html"
    site.put(
        "/2025/03/bridge.html",
        article_html(
            "Riverside bridge reopens",
            [p.format(cost="48 million dollars") for p in BRIDGE],
            "Valley Courier",
            "2025-03-04",
        ),
    )
    site.put("/rss.xml", rss("Valley Courier", [("Riverside bridge reopens", page, DAY, "")]), "application/rss+xml")
    where = ["--seeds", str(tmp_path / "seeds"), "--index", str(tmp_path / "index")]

    assert main(["feeds", "add", site.url + "/rss.xml", *where]) == 0
    assert main(["fetch", *where]) == 0
    assert main(["index", "--quiet", *where]) == 0
    capsys.readouterr()
    assert main(["ask", "How much did the Riverside bridge repair cost?", "--json", *where]) == 0

    answer = json.loads(capsys.readouterr().out)
    assert "48 million" in answer["text"]
    assert answer["citations"][0]["url"] == page
    assert answer["citations"][0]["source"] == "Valley Courier"


def test_the_same_story_in_two_feeds_is_cited_once_with_also_reported_by(site, tmp_path, real_embedder):
    text = [p.format(cost="48 million dollars") for p in BRIDGE]
    one, two = site.url + "/courier/bridge.html", site.url + "/herald/bridge.html"
    site.put("/courier/bridge.html", article_html("Riverside bridge reopens", text, "Valley Courier", "2025-03-04"))
    site.put("/herald/bridge.html", article_html("Riverside bridge reopens", text, "County Herald", "2025-03-04"))
    site.put("/courier.xml", rss("Valley Courier", [("Bridge", one, DAY, "")]), "application/rss+xml")
    # The Herald's feed carries its own copy and also links the Courier's page: that page is fetched once.
    site.put(
        "/herald.xml",
        rss("County Herald", [("Bridge", two, DAY, ""), ("Bridge (Courier)", one, DAY, "")]),
        "application/rss+xml",
    )
    report = fetch(tmp_path, [Feed("courier", site.url + "/courier.xml"), Feed("herald", site.url + "/herald.xml")])
    assert len(report.new) == 2 and report.known == 1 and report.failures == []
    assert site.hits["/courier/bridge.html"] == 1

    bot = Assistant(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index", embedder=real_embedder)
    bot.index()
    answer = bot.answer("How much did the Riverside bridge repair cost?")

    assert "48 million" in answer.text
    assert len(answer.citations) == 1
    cited = answer.citations[0]
    also = {a.source for a in cited.also_reported_by}
    assert {cited.source} | also == {"Valley Courier", "County Herald"}


def test_an_item_whose_text_changed_is_fetched_again_and_its_old_text_is_gone(site, tmp_path, real_embedder):
    page = site.url + "/bridge.html"

    def publish(cost, day):
        site.put(
            "/bridge.html",
            article_html(
                "Riverside bridge reopens", [p.format(cost=cost) for p in BRIDGE], "Valley Courier", "2025-03-04"
            ),
        )
        site.put(
            "/rss.xml", rss("Valley Courier", [("Riverside bridge reopens", page, day, "")]), "application/rss+xml"
        )

    publish("48 million dollars", DAY)
    feeds = [Feed("courier", site.url + "/rss.xml")]
    first = fetch(tmp_path, feeds)
    bot = Assistant(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index", embedder=real_embedder)
    bot.index()
    assert "48 million" in bot.answer("How much did the Riverside bridge repair cost?").text

    publish("52 million dollars", "Wed, 05 Mar 2025 10:00:00 GMT")  # corrected; the feed says it was updated
    second = fetch(tmp_path, feeds)
    assert second.updated == first.new and second.new == []  # the same file, rewritten
    assert site.hits["/bridge.html"] == 2
    report = bot.index()
    assert len(report.plan.changed) == 1 and not report.plan.added

    answer = bot.answer("How much did the Riverside bridge repair cost?")
    assert "52 million" in answer.text and answer.citations[0].url == page
    texts = [doc for _, _, docs in bot.store.scan(include=["documents"]) for doc in docs or []]
    assert any("52 million" in t for t in texts) and not any("48 million" in t for t in texts)
