"""Sixteen chat sessions at once through gradio_client against the running app: every answer well-formed."""

import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from support import ROOT, md, seed_folder, start_app, stop

pytestmark = [pytest.mark.server, pytest.mark.model]  # app.py with the real model
SESSIONS = 16
QUESTIONS_EACH = 10
# (question, a phrase the answer must contain, or None when the articles do not say)
QUESTIONS = [
    ("When is the military parade in Beijing?", "September 3"),
    ("How many people did the harbour festival draw?", "40,000"),
    ("What share of North Korea's trade does China account for?", "98%"),
    ("Who praised the volunteers?", "mayor"),
    ("What is the capital of France?", None),
]
REPORT = ROOT / ".cache" / "load.json"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("load")
    seeds = seed_folder(base)
    (seeds / "harbour.md").write_text(
        md(
            "Harbour festival draws record crowds",
            [
                "The harbour festival drew record crowds of 40,000 people on Saturday, organisers said.",
                "The mayor praised the volunteers who ran the festival for three days.",
            ],
            date="2017-09-01",
            source="Test Gazette",
        )
    )
    proc, url = start_app(base, seeds)
    try:
        yield url
    finally:
        stop(proc)


def session(url, number):
    """One user: a client of its own asking ten questions in turn; returns (question, reply, seconds) triples."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    out = []
    for i in range(QUESTIONS_EACH):
        question, _ = QUESTIONS[(number + i) % len(QUESTIONS)]
        start = time.perf_counter()
        reply = client.predict(question, [], "", "", "", [], api_name="/chat")
        out.append((question, reply, time.perf_counter() - start))
    return out


def test_sixteen_concurrent_sessions_all_get_well_formed_answers(app_url):
    started = time.perf_counter()
    with ThreadPoolExecutor(SESSIONS) as pool:
        results = [r for rs in pool.map(lambda n: session(app_url, n), range(SESSIONS)) for r in rs]
    wall = time.perf_counter() - started
    expected = dict(QUESTIONS)
    assert len(results) == SESSIONS * QUESTIONS_EACH
    for question, reply, _ in results:
        phrase = expected[question]
        if phrase is None:
            assert reply["abstained"] and not reply["citations"], reply
            continue
        assert phrase in reply["text"], (question, reply["text"])
        numbers = {c["number"] for c in reply["citations"]}
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", reply["text"])}
        assert cited and cited <= numbers, reply  # every marker points at a listed source
    latencies = sorted(seconds * 1000 for _, _, seconds in results)
    figures = {
        "sessions": SESSIONS,
        "questions": len(results),
        "p50_ms": round(statistics.median(latencies)),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))]),
        "throughput_per_s": round(len(results) / wall, 1),
        "loadavg": open("/proc/loadavg").read().split()[:3],
    }
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))
