"""Briefings in the chat window, in real Chromium: the collection card, starters that ask, stories with citations."""

import json

import pytest
from support import start_app, stop
from test_briefings import ROWS
from test_browser import DESKTOP, PHONE, ask, browser, shot  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def news_app(tmp_path_factory):
    base = tmp_path_factory.mktemp("briefing-window")
    seeds = base / "seeds"
    seeds.mkdir()
    with open(seeds / "feed.jsonl", "w") as fh:
        for aid, day, source, title, text in ROWS:
            fh.write(json.dumps({"id": aid, "published": day, "source": source, "title": title, "text": text}) + "\n")
    proc, url = start_app(base, seeds)
    try:
        yield url
    finally:
        stop(proc)


def open_page(browser, url, viewport=DESKTOP):  # noqa: F811
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#question textarea")
    page.wait_for_selector("#chat .na-collection")
    return context, page


def test_the_empty_window_shows_the_collection_and_its_latest_top_stories(browser, news_app):  # noqa: F811
    context, page = open_page(browser, news_app)
    try:
        card = page.locator("#chat .na-collection").inner_text()
        assert "9 articles" in card and "2025-02-05 to 2025-03-12" in card
        assert all(o in card for o in ("Coastal Times", "Harbour Post", "The Daily Ledger", "Valley Courier"))
        starters = page.locator("#chat button.example")
        assert starters.count() == 3
        assert "Kessler Bridge" in starters.nth(0).inner_text()  # three outlets: the top story
        assert "Duarte" in starters.nth(1).inner_text()
        shot(page, "briefing-empty-window")
    finally:
        context.close()


def test_a_starter_asks_its_question(browser, news_app):  # noqa: F811
    context, page = open_page(browser, news_app)
    try:
        page.locator("#chat button.example").nth(1).click()
        page.wait_for_selector("#chat .na-answer:not(.na-pending)", timeout=120_000)
        assert 'Summarize the news about "Elena Duarte' in page.locator("#chat .na-question").first.inner_text()
        answer = page.locator("#chat .na-briefing").first
        assert "Duarte" in answer.inner_text()
        assert answer.locator("a.na-cite").count() >= 1
    finally:
        context.close()


def test_a_briefings_stories_fold_and_their_citations_open_the_passage(browser, news_app):  # noqa: F811
    context, page = open_page(browser, news_app)
    try:
        answer = ask(page, "What happened this week?")
        stories = answer.locator("details.na-story")
        assert stories.count() == 5  # the collapse, the election, the divers, the investigators, the library
        assert stories.nth(0).get_attribute("open") is not None and stories.nth(1).get_attribute("open") is None
        stories.nth(1).locator("> summary").click()
        cite = stories.nth(1).locator("a.na-cite").first
        number = cite.inner_text().strip("[]")
        source = stories.nth(1).locator(f"details.na-src-1-{number}")
        assert source.get_attribute("open") is None
        cite.click()
        page.wait_for_function(f"() => document.querySelector('details.na-src-1-{number}').open")
        assert "Duarte" in source.locator("blockquote").inner_text()
        assert "Harlow" not in answer.inner_text()  # last month's storm is not this week's news
        assert page.locator("#sources .na-card.na-cited").count() == 5  # each story's cited passage, beside
        page.evaluate("document.querySelector('#chat [role=log]').scrollTop = 0")
        shot(page, "briefing-desktop")
    finally:
        context.close()
    context, page = open_page(browser, news_app, PHONE)
    try:
        ask(page, "What happened this week?")
        page.evaluate("document.querySelector('#chat [role=log]').scrollTop = 0")
        shot(page, "briefing-phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1  # nothing forces sideways scrolling on a phone
    finally:
        context.close()
