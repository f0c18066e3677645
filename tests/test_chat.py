"""The chat window: a real `python app.py` process on 127.0.0.1, asked through gradio_client."""

import os
import subprocess
import sys
from dataclasses import replace
from datetime import date

import pytest
from support import ROOT, free_port, seed_folder, start_app, stop

from assistant.answers import AlsoReported, Answer, Citation, Passage
from assistant.faces.chat import api_data, clean_records
from assistant.faces.chat_render import answer_html, panel_html
from assistant.faces.server import credentials, is_loopback


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("app")
    # No index yet: the app must build it from the seeds folder before it serves.
    proc, url = start_app(base, seed_folder(base))
    try:
        yield url
    finally:
        stop(proc)


@pytest.mark.server
@pytest.mark.model
def test_chat_endpoint_returns_text_and_structured_citations(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    reply = client.predict("When is the military parade in Beijing?", api_name="/chat")
    assert "September 3" in reply["text"] and "[1]" in reply["text"]
    assert reply["abstained"] is False and reply["answered_by"] == "extractive"
    first = reply["citations"][0]
    assert first["number"] == 1 and first["title"] == "North Korea Joins Global Leaders at Beijing's Military Parade"
    assert "September 3" in first["passage"]


@pytest.mark.server
@pytest.mark.model
def test_chat_endpoint_takes_history_and_filters(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    history = [
        {"role": "user", "content": "When is the military parade in Beijing?"},
        {"role": "assistant", "content": "The parade is on September 3 [1]."},
    ]
    reply = client.predict("Who else is attending?", history, api_name="/chat")
    assert "Putin" in reply["text"] and reply["citations"]
    refused = client.predict("When is the parade?", [], "", "", "not a date", api_name="/chat")
    assert "Not a date" in refused["text"]


@pytest.mark.server
@pytest.mark.model
def test_chat_page_is_served_on_loopback(app_url):
    import urllib.request

    with urllib.request.urlopen(app_url, timeout=30) as page:
        assert page.status == 200
        assert "News assistant" in page.read().decode()


def test_article_text_is_rendered_as_text_not_html():
    hostile = Citation(
        number=1,
        article_id="x",
        title="<script>alert(1)</script>",
        source="Evil",
        published=date(2025, 1, 1),
        url="javascript:alert(1)",
        passage="<img src=x onerror=alert(1)> text",
        sentence="<img src=x onerror=alert(1)> text",
    )
    passage = Passage(
        chunk_id="c",
        article_id="x",
        title=hostile.title,
        source="Evil",
        url=hostile.url,
        published=hostile.published,
        text=hostile.passage,
        start=0,
        end=10,
        score=1.0,
    )
    hostile = replace(hostile, chunk_id="c")
    answer = Answer(
        question="q", text="Claim with <b>markup</b> and *stars* [1].", citations=[hostile], passages=[passage]
    )
    for shown in (answer_html(answer, "1"), panel_html(answer, "1")):
        assert "<script>" not in shown and "<img" not in shown and "<b>markup" not in shown
        assert "&lt;script&gt;" in shown and "&lt;img" in shown
        assert "javascript:" not in shown  # only http(s) links become links
        assert "*stars*" not in shown  # Markdown in article or answer text is not interpreted
    assert "[1]</a>" in answer_html(answer, "1")


def serve_beyond_loopback(tmp_path, env: dict) -> subprocess.CompletedProcess:
    """`app.py --host 0.0.0.0` over an empty folder, run until it exits (it should refuse to start)."""
    return subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port", str(free_port())]
        + ["--seeds", str(tmp_path), "--index", str(tmp_path / "index")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_binding_beyond_loopback_needs_credentials(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEWS_ASSISTANT_AUTH"}
    result = serve_beyond_loopback(tmp_path, env)
    assert result.returncode == 2
    assert "without credentials" in result.stderr


def test_credentials_and_loopback_rules(tmp_path, monkeypatch):
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    monkeypatch.setenv("NEWS_ASSISTANT_AUTH", "ann:secret")
    assert credentials(None) == [("ann", "secret")]
    file = tmp_path / "auth"
    file.write_text("bob:pw1\n\n# a comment\ncy:pw2\n")
    assert credentials(str(file)) == [("bob", "pw1"), ("cy", "pw2")]


def test_credentials_hold_any_character_and_refuse_malformed_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_ASSISTANT_AUTH", "ann:p@ss,word")
    assert credentials(None) == [("ann", "p@ss,word")]  # a comma is part of the password
    file = tmp_path / "auth"
    file.write_text("ann:p@ss,word:with colon \nbob:#, ;\n", encoding="utf-8")
    assert credentials(str(file)) == [("ann", "p@ss,word:with colon "), ("bob", "#, ;")]
    for bad in ("bob:pw1\nno colon here\n", "bob:pw1\n:nouser\n", "bob:\n", "# only a comment\n"):
        file.write_text(bad, encoding="utf-8")
        with pytest.raises(ValueError, match=str(file)) as refused:
            credentials(str(file))
        assert "pw1" not in str(refused.value)  # a password is never echoed
    for bad in ("ann", "ann:", ":pw", "ann:pw\nbob:pw"):
        monkeypatch.setenv("NEWS_ASSISTANT_AUTH", bad)
        with pytest.raises(ValueError, match="NEWS_ASSISTANT_AUTH"):
            credentials(None)


def test_a_malformed_auth_file_stops_serve_with_the_line_named(tmp_path):
    file = tmp_path / "auth"
    file.write_text("ann:secret\nbob\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "NEWS_ASSISTANT_AUTH"}
    env["NEWS_ASSISTANT_AUTH_FILE"] = str(file)  # the setting names the file
    result = serve_beyond_loopback(tmp_path, env)
    assert result.returncode == 1
    assert f"{file} line 2 is not user:password" in result.stderr


HOSTILE_HTML = (
    '<div class="na-panel"><img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    '<p onclick="steal()" style="position:fixed">Passages</p><a href="javascript:alert(1)">link</a>'
    '<a href="https://example.org/a" onmouseover="steal()">ok</a><iframe src="https://evil.example"></iframe></div>'
)


def test_html_restored_from_browser_storage_is_sanitised():
    record = {"q": "When?", "a": "Soon [1].", "html": HOSTILE_HTML, "panel": HOSTILE_HTML}
    (restored,) = clean_records([record])
    html = restored["panel"]
    assert "<img" not in html and "<script" not in html and "<iframe" not in html
    assert "onerror" not in html and "onclick" not in html and "onmouseover" not in html
    assert "style=" not in html and "javascript:" not in html
    assert "Passages" in html and 'href="https://example.org/a"' in html and 'class="na-panel"' in html
    # What the window writes itself comes back intact.
    own = panel_html(None)
    assert clean_records([{**record, "panel": own}])[0]["panel"] == own


def test_chat_endpoint_drops_links_that_are_not_http():
    other = AlsoReported("b2", "<img src=x>", "Other", "javascript:alert(2)", None)
    cited = Citation(1, "a1", "<img src=x onerror=alert(1)>", "Gazette", None, "javascript:alert(1)", "p", "s")
    safe = Citation(2, "a3", "Fine", "Gazette", None, "https://example.org/x", "p", "s")
    answer = Answer(question="q", text="t [1] [2].", citations=[replace(cited, also_reported_by=(other,)), safe])
    data = api_data(answer)
    first, second = data["citations"]
    assert first["url"] == "" and first["also_reported_by"][0]["url"] == ""
    assert second["url"] == "https://example.org/x"
    assert first["title"] == "<img src=x onerror=alert(1)>"  # plain text, as documented: the caller escapes it


def test_brief_endpoint_drops_links_that_are_not_http(tmp_path, monkeypatch):
    from assistant.briefings import Briefing, Story, Window
    from assistant.core import Assistant
    from assistant.faces.chat import ChatApp

    other = AlsoReported("b2", "Other", "Other", "javascript:alert(2)", None)
    cited = Citation(1, "a1", "Bridge", "Gazette", None, "javascript:alert(1)", "p", "s", also_reported_by=(other,))
    safe = Citation(2, "a3", "Fine", "Gazette", None, "https://example.org/x", "p", "s")
    story = Story("s1", "Bridge", "The bridge reopened [1].", (cited, safe), ("a1", "a3"), ("Gazette",), None, None)
    app = ChatApp(Assistant(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index", embedder=object()))
    monkeypatch.setattr(app.assistant, "brief", lambda **options: Briefing(Window(None, None), [story]))
    first, second = app.api_brief()["stories"][0]["citations"]
    assert first["url"] == "" and first["also_reported_by"][0]["url"] == ""
    assert second["url"] == "https://example.org/x"
