"""Server mode against a real `chroma run` process: build, answer, rebuild incrementally, and the CLI's env switch."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import chromadb
import pytest
from support import expected_chunk_ids, long_paragraphs, md, stored_chunk_ids

from assistant.core import Assistant

pytestmark = [pytest.mark.server, pytest.mark.model]  # a Chroma server, the real model

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "When is the military parade in Beijing?"


def http_client(url: str):
    """A client of our own, independent of the Store, to see what the server really holds."""
    parts = urlsplit(url)
    return chromadb.HttpClient(
        host=parts.hostname, port=parts.port, settings=chromadb.Settings(anonymized_telemetry=False)
    )


@pytest.fixture(scope="module")
def chroma_server(server):
    """The URL of the module's real `chroma run` (conftest's `server`)."""
    return server.url


def test_real_embedder_builds_and_answers_through_the_server(chroma_server, seeds, tmp_path, real_embedder):
    index_dir = tmp_path / "index"
    assistant = Assistant(
        seeds_dir=seeds, index_dir=index_dir, chroma_url=chroma_server, embedder=real_embedder, collection="seed-server"
    )
    report = assistant.index()
    assert len(report.plan.added) == 1 and report.chunks_total > 0

    answer = assistant.answer(QUESTION)
    assert "September 3" in answer.text, answer.text
    assert any(c.title.startswith("North Korea Joins") for c in answer.citations), answer.citations

    # The chunks live in the server: another client sees them all, and no embedded store was made.
    served = http_client(chroma_server).get_collection("seed-server", embedding_function=None)
    assert served.count() == report.chunks_total == len(expected_chunk_ids(assistant))
    assert not (index_dir / "chroma").exists()


def test_incremental_rebuild_in_server_mode(chroma_server, tmp_path, fake_embedder):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "budget.md").write_text(
        md("Council passes transport budget", ["The council approved a new bus budget on Tuesday."])
    )
    (seeds / "long.md").write_text(md("A long report", long_paragraphs("alpha")))
    (seeds / "gone.md").write_text(
        md("An article that will be deleted", ["It says something short but complete here."])
    )

    def make():
        # A fresh Assistant each run, as a new process would be: nothing is remembered but the server.
        return Assistant(
            seeds_dir=seeds,
            index_dir=tmp_path / "index",
            chroma_url=chroma_server,
            embedder=fake_embedder,
            collection="incremental",
        )

    first = make().index()
    assert len(first.plan.added) == 3

    paragraphs = long_paragraphs("alpha")
    paragraphs[-1] = "A corrected last paragraph with new facts about the report."
    (seeds / "long.md").write_text(md("A long report", paragraphs))
    (seeds / "gone.md").unlink()
    (seeds / "new.md").write_text(md("A new article", ["Fresh news arrived today from the harbour office."]))

    assistant = make()
    before = stored_chunk_ids(assistant)
    calls = fake_embedder.calls
    report = assistant.index()
    assert [a.path for a in report.plan.added] == ["new.md"]
    assert [a.path for a in report.plan.changed] == ["long.md"]
    assert [e.path for e in report.plan.removed.values()] == ["gone.md"]
    after = stored_chunk_ids(assistant)
    assert after == expected_chunk_ids(assistant)
    # Only new text was embedded; the unchanged chunks of long.md were reused from the server.
    assert fake_embedder.calls - calls == len(after - before) == report.chunks_embedded
    assert report.chunks_kept > 0

    calls = fake_embedder.calls
    again = make().index()
    assert again.plan.is_empty and again.chunks_embedded == 0
    assert fake_embedder.calls == calls
    assert http_client(chroma_server).get_collection("incremental", embedding_function=None).count() == len(after)


def run_cli(*args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300
    )


def test_cli_honours_the_chroma_url_from_the_environment(chroma_server, seeds, tmp_path):
    # Only our NEWS_ASSISTANT_* settings, whatever the caller's shell has; cwd away from any news-assistant.toml.
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWS_ASSISTANT_")}
    env.update(
        NEWS_ASSISTANT_CHROMA_URL=chroma_server,
        NEWS_ASSISTANT_COLLECTION="cli-env",
        GRADIO_ANALYTICS_ENABLED="False",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    index_dir = tmp_path / "index"
    folders = ["--seeds", str(seeds), "--index", str(index_dir)]

    built = run_cli("index", *folders, "--quiet", env=env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert http_client(chroma_server).get_collection("cli-env", embedding_function=None).count() > 0
    assert not (index_dir / "chroma").exists()

    asked = run_cli("ask", QUESTION, "--json", *folders, env=env, cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert data["citations"], data
