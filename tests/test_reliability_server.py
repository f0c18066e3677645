"""A Chroma server that goes away: a clear error, never a traceback, and everything works again once it is back."""

import pytest
from reliability_kit import ChromaServer, clean_env, cli, crash, rebuild_and_probe, resume, stopped_at
from support import md, seed_folder

from assistant.core import Assistant
from assistant.storing.remote import StoreUnavailable

pytestmark = pytest.mark.server  # a Chroma server of its own, stopped and started again

QUESTION = "When is the military parade in Beijing?"


@pytest.fixture
def server(tmp_path):
    chroma = ChromaServer(tmp_path / "data", tmp_path / "server.log").start()
    yield chroma
    chroma.stop()


def test_server_gone_mid_session_is_a_clear_error_and_answers_resume_when_back(tmp_path, server, fake_embedder):
    seeds = seed_folder(tmp_path)
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", chroma_url=server.url, embedder=fake_embedder)
    bot.index()
    before = bot.answer(QUESTION)
    assert "September 3" in before.text

    server.stop()
    with pytest.raises(StoreUnavailable, match=f"The Chroma server at {server.url} cannot be reached"):
        bot.answer(QUESTION)
    with pytest.raises(StoreUnavailable):  # a fresh assistant fails the same clear way
        Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", chroma_url=server.url, embedder=fake_embedder).answer(
            QUESTION
        )
    where = ["--seeds", str(seeds), "--index", str(tmp_path / "index"), "--chroma-url", server.url]
    for command in (["ask", QUESTION], ["index", "--quiet"]):
        done = cli(*command, *where)
        assert done.returncode == 1, done.stderr[-3000:]
        assert f"news-assistant: The Chroma server at {server.url} cannot be reached" in done.stderr
        assert "Traceback" not in done.stderr

    server.start()  # same data folder, same port
    again = bot.answer(QUESTION)  # the same object, no reconnect step
    assert again.text == before.text and [c.chunk_id for c in again.citations] == [c.chunk_id for c in before.citations]


def test_server_gone_mid_rebuild_fails_clearly_and_the_next_rebuild_converges(tmp_path, server, fake_embedder):
    seeds = seed_folder(tmp_path)
    index = tmp_path / "index"
    Assistant(seeds_dir=seeds, index_dir=index, chroma_url=server.url, embedder=fake_embedder).index()
    for n in range(6):
        (seeds / f"extra{n}.md").write_text(md(f"Extra report {n}", [f"Report {n} on harbour cranes and tides."] * 3))
    args = ["--seeds", str(seeds), "--index", str(index), "--chroma-url", server.url]

    log = tmp_path / "rebuild.log"
    with stopped_at("write:2", ["cli", "index", "--quiet", *args], log, batch=1, env=clean_env()) as rebuild:
        server.stop()
        assert resume(rebuild) == 1
    text = log.read_text()
    assert f"news-assistant: The Chroma server at {server.url} cannot be reached" in text and "Traceback" not in text

    server.start()
    done = rebuild_and_probe(args, seeds, index, server.url, QUESTION)
    assert done["exit"] == 0
    assert done["stored"] == done["expected"] and done["lexical_saved"] == done["stored"]
    assert "September 3" in done["answers"][0]["text"]


def test_killed_server_does_not_lose_what_was_written(tmp_path, server, fake_embedder):
    """SIGKILL to the server itself, right after a rebuild: everything it acknowledged is there on restart."""
    seeds = seed_folder(tmp_path)
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", chroma_url=server.url, embedder=fake_embedder)
    report = bot.index()
    crash(server.proc)
    server.proc = None
    server.start()
    fresh = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", chroma_url=server.url, embedder=fake_embedder)
    assert fresh.store.count() == report.chunks_total
    assert "September 3" in fresh.answer(QUESTION).text
