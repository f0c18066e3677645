"""The live index in a real browser: while `serve --refresh-every` runs, a new feed item becomes answerable
in the open window without a restart, and questions asked during that rebuild are answered."""

import fcntl
import os
import subprocess
import sys
import time

import pytest
from feed_server import Site, article_html, rss
from support import ROOT, free_port, seed_folder, stop, wait_for_port
from test_browser import CHROMIUM, DESKTOP, FLAGS, ask, shot

from assistant.faces.cli import main

pytestmark = pytest.mark.slow  # the real model, the app, Chromium

DAY = "Tue, 04 Mar 2025 08:00:00 GMT"
BRIDGE_QUESTION = "How much did the Riverside bridge repair cost?"
FERRY_FACT = "The harbour ferry resumed service on Thursday with a single fare of 3 euros, the port authority said."


def bridge_page() -> str:
    return article_html(
        "Riverside bridge reopens",
        [
            "The Riverside bridge reopened to traffic on Monday after a two-year repair that cost 48 million "
            "dollars, the county engineer Marta Oszkiewicz said.",
            "Commuters had used a ferry across the river while the bridge was closed for the long repair works.",
        ],
        "Valley Courier",
        "2025-03-04",
    )


def ferry_page() -> str:
    # Long enough that indexing it takes a while: questions are asked while that rebuild runs.
    filler = [
        f"Timetable note {i}: sailing {i} leaves pier {i % 7} at minute {i % 60} and calls at stop {i * 3} "
        f"on route {i % 11}, with deck {i % 5} reserved for bicycles and cargo batch {i * 7}."
        for i in range(1200)
    ]
    return article_html("Harbour ferry resumes service", [FERRY_FACT, *filler], "Harbour Post", "2025-03-06")


def rebuilding(index_dir) -> bool:
    """Whether a rebuild holds the index lock (probed with a shared lock, released at once)."""
    fd = os.open(index_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


@pytest.fixture
def site():
    site = Site().start()
    yield site
    site.stop()


def test_a_new_feed_item_becomes_answerable_in_the_open_window(site, tmp_path):
    from playwright.sync_api import sync_playwright

    bridge, ferry = site.url + "/bridge.html", site.url + "/ferry.html"
    site.put("/bridge.html", bridge_page())
    site.put("/rss.xml", rss("Valley Courier", [("Bridge", bridge, DAY, "")]), "application/rss+xml")
    seeds, index = seed_folder(tmp_path), tmp_path / "index"
    where = ["--seeds", str(seeds), "--index", str(index)]
    assert main(["feeds", "add", site.url + "/rss.xml", "--name", "courier", *where]) == 0
    assert main(["fetch", *where]) == 0

    port, log = free_port(), tmp_path / "app.log"
    command = [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--refresh-every", "3s", *where]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    with open(log, "w") as out:
        app = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    try:
        wait_for_port(port, app, log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#question textarea")
            freshness = page.locator("#freshness")
            freshness.locator(":text('0 new articles since this page was opened')").wait_for(timeout=30_000)
            assert "Updated " in freshness.inner_text()
            assert "48 million" in ask(page, BRIDGE_QUESTION).inner_text()

            site.put("/ferry.html", ferry_page())
            items = [("Bridge", bridge, DAY, ""), ("Ferry", ferry, "Thu, 06 Mar 2025 08:00:00 GMT", "")]
            site.put("/rss.xml", rss("Valley Courier", items), "application/rss+xml")

            during, answered_mid_rebuild = [], 0
            deadline = time.monotonic() + 600
            while "1 new article since" not in freshness.inner_text():
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                assert app.poll() is None, log.read_text()[-3000:]
                if rebuilding(index):
                    text = ask(page, BRIDGE_QUESTION).inner_text()
                    during.append(text)
                    answered_mid_rebuild += rebuilding(index)  # answered before that rebuild finished
                else:
                    time.sleep(0.2)

            assert during, "no question was asked while the index was being rebuilt"
            assert all("48 million" in text for text in during), during
            assert answered_mid_rebuild >= 1, "questions waited for the rebuild instead of being answered"
            answer = ask(page, "What is the fare on the harbour ferry?")
            assert "3 euros" in answer.inner_text()
            assert "Harbour ferry resumes service" in answer.locator("details.na-source").first.inner_text()
            assert ferry in answer.inner_html()
            shot(page, "desktop-live-index")
            browser.close()
    finally:
        stop(app)
    assert site.hits["/bridge.html"] == 1  # fetched once, before serving; every refresh after it knew the page
