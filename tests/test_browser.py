"""The chat window in a real browser: Debian Chromium driven by Playwright against `python app.py`.

Screenshots land in tests/screenshots/ (git-ignored) for a person to look at.
"""

from pathlib import Path

import pytest
from support import ROOT, md, seed_folder, start_app, stop

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google's hosts on a closed network.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = ROOT / "tests" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PARADE = "When is the military parade in Beijing?"
pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.model]  # Chromium, app.py, the model

HOSTILE = md(
    "Harbour festival draws record crowds <script>window.__xss = 1</script><img src=x onerror=window.__xss=2>",
    [
        "The harbour festival drew record crowds of 40,000 people on Saturday "
        "<img src=x onerror=\"window.__xss = 2; alert('xss')\">, organisers said.",
        "The mayor praised the volunteers who ran the festival for three days.",
    ],
    date="2017-09-01",
    source="Test Gazette",
)
BRIDGE = md(
    "Riverside bridge reopens after two-year repair",
    [
        "The Riverside bridge reopened to traffic on Monday after a two-year repair that cost 48 million dollars, "
        "the county engineer Marta Oszkiewicz said.",
        "Commuters had used a ferry while the bridge was closed.",
    ],
    date="2017-08-28",
    source="Valley Courier",
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    base = tmp_path_factory.mktemp("browser")
    seeds = seed_folder(base)
    (seeds / "harbour.md").write_text(HOSTILE)
    proc, url = start_app(base, seeds)
    try:
        yield url, seeds, base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (make test installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.goto(app[0])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page, question, timeout=120_000):
    """Type a question, press Ask, wait for the finished answer; returns its element."""
    done = page.locator("#chat .na-answer:not(.na-pending)")
    before = done.count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .na-answer:not(.na-pending)').length > n", arg=before, timeout=timeout
    )
    return done.nth(before)


def new_chat(page):
    page.click("#new-chat")
    page.wait_for_function("() => document.querySelectorAll('#chat .na-answer').length === 0")


def test_parade_answer_streams_in_with_a_citation_that_opens_its_passage(page):
    new_chat(page)
    # Record every state the answer passes through before it is finished.
    page.evaluate(
        """() => {
        window.__states = [];
        new MutationObserver(() => {
            const pending = document.querySelector('#chat .na-pending');
            if (pending) window.__states.push(pending.textContent);
        }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
    }"""
    )
    answer = ask(page, PARADE)
    assert page.evaluate("window.__states.length") >= 1, "the answer appeared at once instead of streaming in"
    assert "September 3" in answer.inner_text()
    cite = answer.locator("a.na-cite").first
    assert cite.inner_text() == "[1]"
    source = answer.locator("details.na-source").first
    assert not source.evaluate("e => e.open")
    cite.click()
    assert source.evaluate("e => e.open")
    passage = source.locator("blockquote")
    assert passage.is_visible()
    assert "The military parade, scheduled for September 3" in passage.inner_text()
    assert source.locator("mark").count() == 1  # the supporting sentence is highlighted
    assert "North Korea Joins Global Leaders" in source.locator("summary").inner_text()
    panel = page.locator("#sources .na-card.na-cited").first
    assert "North Korea Joins Global Leaders" in panel.inner_text() and "match " in panel.inner_text()
    shot(page, "desktop-answer")


def test_follow_up_question_is_answered_in_context(page):
    new_chat(page)
    ask(page, PARADE)
    follow = ask(page, "Who else is attending?")
    assert "Putin" in follow.inner_text()
    assert follow.locator("a.na-cite").count() >= 1


def test_the_short_answer_is_shown_first_and_the_search_run_under_the_answer(page):
    new_chat(page)
    answer = ask(page, PARADE)
    short = answer.locator(".na-short")
    assert short.count() == 1 and short.inner_text().strip() == "September 3"
    # Shown first, in bold, above the cited sentence.
    assert answer.locator(":scope > *").first.evaluate("e => e.classList.contains('na-short')")
    assert short.locator("b").count() == 1
    assert answer.locator(".na-searched").inner_text() == f"Searched for: {PARADE}"
    # "Now" is the newest article's date: the window says what it answers from.
    assert page.locator("#collection").inner_text().strip() == "2 articles, up to 2017-09-01"
    follow = ask(page, "Who else is attending?")
    searched = follow.locator(".na-searched").inner_text()
    assert searched.startswith("Searched for: ") and "military parade" in searched and "attending" in searched
    shot(page, "desktop-short-answer")


def test_history_survives_a_reload_and_new_chat_clears_it(page):
    new_chat(page)
    ask(page, PARADE)
    page.reload()
    page.wait_for_selector("#chat .na-answer")
    assert "September 3" in page.locator("#chat").inner_text()
    new_chat(page)
    page.reload()
    page.wait_for_selector("#question textarea")
    # The page's load event brings back the stored history and fills in the collection line, in one update.
    page.wait_for_function("() => document.querySelector('#collection').innerText.trim() !== ''")
    assert page.locator("#chat .na-answer").count() == 0


def test_article_markup_shows_as_text_and_runs_nothing(page):
    new_chat(page)
    answer = ask(page, "How many people did the harbour festival draw?")
    text = answer.inner_text()
    assert "40,000" in text
    answer.locator("a.na-cite").first.click()
    title = answer.locator("summary").first.inner_text()
    assert "<script>window.__xss = 1</script>" in title and "<img src=x onerror=" in title
    assert "<script>" in page.locator("#sources").inner_text()
    assert page.evaluate("window.__xss") is None
    assert page.dialogs == []
    shot(page, "desktop-hostile-article")


def test_as_of_filter_hides_later_articles(page):
    new_chat(page)
    page.click("#filters")
    page.fill("#as-of textarea", "2017-08-15")
    answer = ask(page, "How many people did the harbour festival draw?")
    assert "Harbour festival" not in answer.inner_text()
    assert "as of 2017-08-15" in answer.inner_text()
    page.fill("#as-of textarea", "")


def test_upload_rebuild_and_ask_about_the_new_article(page, app, tmp_path):
    _, seeds, _ = app
    upload = tmp_path / "riverside bridge (draft).md"
    upload.write_text(BRIDGE)
    page.click("#articles")
    page.set_input_files("#upload input[type=file]", str(upload))
    page.wait_for_selector("#index-status :text('Saved to the seeds folder')")
    assert "Press Rebuild index to add it." in page.locator("#index-status").inner_text()  # one file: "it"
    assert (seeds / "riverside_bridge_draft.md").read_text() == BRIDGE  # a safe name, inside seeds/
    page.click("#rebuild")
    status = page.locator("#index-status")
    status.locator(":text('Index rebuilt')").wait_for(timeout=180_000)
    assert "1 added" in status.inner_text()
    new_chat(page)
    answer = ask(page, "How much did the Riverside bridge repair cost?")
    assert "48 million" in answer.inner_text()
    assert "Riverside bridge reopens" in answer.locator("details.na-source").first.inner_text()
    shot(page, "desktop-upload")


def test_phone_width_layout(browser, app):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(app[0])
        page.wait_for_selector("#question textarea")
        answer = ask(page, PARADE)
        shot(page, "phone-answer")
        answer.locator("a.na-cite").first.click()
        assert answer.locator("details.na-source").first.evaluate("e => e.open")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1  # nothing spills sideways
        shot(page, "phone-citation")
    finally:
        context.close()


def test_the_trash_icon_clears_the_conversation_for_good(page):
    new_chat(page)
    ask(page, PARADE)
    page.click("#chat button[aria-label='Clear']")
    page.wait_for_function("() => document.querySelectorAll('#chat .na-answer').length === 0")
    # The sources panel goes back to idle in the same clear; it must not keep the last answer's passages.
    page.wait_for_function(
        "() => !document.querySelector('#sources').innerText.includes('Passages behind')", timeout=30_000
    )
    page.reload()
    page.wait_for_selector("#question textarea")
    # The page's load event brings back any stored history and fills in the collection line, in one update.
    page.wait_for_function("() => document.querySelector('#collection').innerText.trim() !== ''")
    assert page.locator("#chat .na-answer").count() == 0


def overlaps(a, b):
    return not (
        a["right"] <= b["left"] or a["left"] >= b["right"] or a["bottom"] <= b["top"] or a["top"] >= b["bottom"]
    )


def test_the_chat_toolbar_covers_no_message_and_every_control_is_named(page):
    new_chat(page)
    answer = ask(page, PARADE)
    page.evaluate("document.querySelector('#chat .bubble-wrap').scrollTop = 0")
    rect = "e => { const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"
    buttons = page.locator("#chat .top-panel button")
    assert buttons.count() >= 1
    messages = page.locator('#chat [aria-label*="\'s message:"]')
    assert messages.count() == 2
    for i in range(buttons.count()):
        assert buttons.nth(i).get_attribute("aria-label"), "a toolbar button without a name"
        for j in range(messages.count()):
            assert not overlaps(buttons.nth(i).evaluate(rect), messages.nth(j).evaluate(rect))
    assert page.locator("#chat button[aria-label='Share'], #chat button[aria-label='']").count() == 0
    label = messages.nth(1).get_attribute("aria-label")
    assert "<" not in label and label.startswith("bot's message: ")
    assert label[len("bot's message: ") :][:40] == " ".join(answer.inner_text().split())[:40]
    shot(page, "desktop-toolbar")


def test_rebuild_progress_covers_neither_the_sources_nor_the_status(page):
    page.click("#articles")
    page.evaluate(
        """() => {
        window.__shown = []; window.__covered = [];
        const box = e => e.getBoundingClientRect();
        const hit = (a, b) => !(a.right <= b.left || a.left >= b.right || a.bottom <= b.top || a.top >= b.bottom);
        new MutationObserver(() => {
            for (const wrap of document.querySelectorAll('.wrap.translucent:not(.hide)')) {
                const r = box(wrap);
                if (!r.width || !r.height) continue;
                window.__shown.push(wrap.className);
                for (const id of ['#sources', '#index-status']) {
                    const el = document.querySelector(id);
                    if (el && box(el).height && hit(r, box(el))) window.__covered.push(id);
                }
            }
        }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['class']});
    }"""
    )
    page.click("#rebuild")
    page.locator("#index-status :text('Index rebuilt')").wait_for(timeout=180_000)
    assert page.evaluate("window.__shown.length") > 0, "no progress was shown at all"
    assert page.evaluate("window.__covered") == []


def test_bold_titles_render_in_one_font(page):
    """Every capital of a bold title drawn from the same installed face as the rest (no fallback mid-word)."""
    page.evaluate(
        """() => {
        const card = document.createElement('div');
        card.className = 'na-card';
        card.id = 'font-probe';
        card.innerHTML = '<div><b>FKA twigs</b></div><div><b>Alaska Airlines</b></div><div class="na-meta">Reuters</div>';
        document.querySelector('#sources').appendChild(card);
    }"""
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    families = set()
    for selector in ("#font-probe div:nth-child(1) b", "#font-probe div:nth-child(2) b", "#font-probe .na-meta"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        used = {f["familyName"] for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]}
        assert len(used) == 1, f"{selector} is drawn in {used}"
        families |= used
    assert len(families) == 1, families
    shot(page, "desktop-fonts")
