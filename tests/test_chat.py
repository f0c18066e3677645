"""The chat window: a real `python app.py` process on 127.0.0.1, asked through gradio_client."""

import os
import socket
import subprocess
import sys
import time
from datetime import date

import pytest
from support import ROOT, free_port, seed_folder, stop

from assistant.answers import Answer, Citation
from assistant.chat import credentials, is_loopback, render


def wait_for_port(port, proc, log, deadline=240):
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"app exited with {proc.returncode}:\n{log.read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"app did not listen on {port} within {deadline}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("app")
    seeds = seed_folder(base)
    port = free_port()
    log = base / "app.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    with open(log, "w") as out:
        # No index yet: the app must build it from the seeds folder before it serves.
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "app.py"),
                "--port",
                str(port),
                "--seeds",
                str(seeds),
                "--index",
                str(base / "index"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=base,
        )
    try:
        wait_for_port(port, proc, log)
        yield f"http://127.0.0.1:{port}/"
    finally:
        stop(proc)


def test_chat_answers_with_citations_through_the_api(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    reply = client.predict("When is the military parade in Beijing?", api_name="/chat")
    assert "September 3" in reply and "[1]" in reply
    assert "**Sources**" in reply and "North Korea Joins Global Leaders" in reply


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
    shown = render(Answer(question="q", text="Claim with <b>markup</b> [1].", citations=[hostile]))
    assert "<script>" not in shown and "<img" not in shown and "<b>" not in shown
    assert "&lt;script&gt;" in shown and "&lt;img" in shown
    assert "javascript:" not in shown  # only http(s) links become links
    assert "[1]" in shown


def test_binding_beyond_loopback_needs_credentials(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEWS_ASSISTANT_AUTH"}
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "app.py"),
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
            "--seeds",
            str(tmp_path),
            "--index",
            str(tmp_path / "index"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "without credentials" in result.stderr


def test_credentials_and_loopback_rules(tmp_path, monkeypatch):
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    monkeypatch.setenv("NEWS_ASSISTANT_AUTH", "ann:secret")
    assert credentials(None) == [("ann", "secret")]
    file = tmp_path / "auth"
    file.write_text("bob:pw1\nbad line\ncy:pw2\n")
    assert credentials(str(file)) == [("bob", "pw1"), ("cy", "pw2")]
