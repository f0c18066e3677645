"""A rebuild killed with SIGKILL at each stage leaves an index that answers as before, and the next one converges.

Each rebuild runs as a process of its own and is stopped (SIGSTOP) exactly at a named stage
through NEWS_ASSISTANT_STOP_AT, then killed there, so the crash point is deterministic. Every
test runs against the embedded Chroma folder and a real `chroma run` server.
"""

import pytest
from reliability_driver import report
from reliability_kit import clean_env, crash, driver, probe, rebuild_and_probe, resume, stopped_at
from support import long_paragraphs, md

from assistant.core import Assistant

pytestmark = pytest.mark.slow  # processes of their own, a Chroma server

STAY = [
    "The city council approved a new budget for public transport on Tuesday after a long debate.",
    "Bus fares will fall by ten percent from January, the mayor said at a press conference.",
]
QUESTION = "By how much will bus fares fall?"
FEED_V1 = [
    '{"id": "f%d", "title": "Harbour note %d", "published": "2025-03-0%d", "text": "Harbour note number %d says the '
    'pier %d reopens after repairs to its wooden deck and railings."}' % (i, i, i, i, i)
    for i in range(1, 6)
]


def write_v1(seeds):
    seeds.mkdir(exist_ok=True)
    (seeds / "stay.md").write_text(md("Council passes transport budget", STAY))
    (seeds / "change.md").write_text(md("A long report", long_paragraphs("alpha")))
    (seeds / "gone.md").write_text(md("An article that will be deleted", ["It says something short but complete."]))
    (seeds / "feed.jsonl").write_text("\n".join(FEED_V1) + "\n")


def write_v2(seeds):
    """Something of every kind: changed chunks, an added and a removed article, a changed feed record."""
    paragraphs = long_paragraphs("alpha")
    paragraphs[3:9] = long_paragraphs("beta")[3:9]
    (seeds / "change.md").write_text(md("A long report", paragraphs))
    (seeds / "gone.md").unlink()
    (seeds / "new.md").write_text(md("A new report", long_paragraphs("gamma", 6)))
    feed = list(FEED_V1)
    feed[1] = feed[1].replace("wooden deck", "steel frame")
    (seeds / "feed.jsonl").write_text("\n".join(feed) + "\n")


def url_of(kind, request):
    """None for the embedded Chroma folder, else the URL of the real server."""
    return request.getfixturevalue("server").url if kind == "server" else None


@pytest.fixture(params=["folder", pytest.param("server", marks=pytest.mark.server)])
def backend(request):
    return url_of(request.param, request)


def folders(tmp_path, url):
    """Arguments for the CLI: seeds, index and (in server mode) the server, one collection per test."""
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    args = ["--seeds", str(seeds), "--index", str(index)]
    env = clean_env()
    if url:
        args += ["--chroma-url", url]
        env["NEWS_ASSISTANT_COLLECTION"] = collection_for(tmp_path)
    return seeds, index, args, env


def collection_for(tmp_path):
    return "c-" + tmp_path.name[-40:].replace("[", "-").replace("]", "-")


def look(tmp_path, url, fake=True):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    return probe(seeds, index, url, QUESTION, fake=fake, collection=collection_for(tmp_path) if url else "news")


def build_v1(tmp_path, url, embedder):
    """The first version, built and looked at in this process (the fake embedder is what the driver uses too)."""
    seeds, index, _, _ = folders(tmp_path, url)
    write_v1(seeds)
    collection = collection_for(tmp_path) if url else "news"
    bot = Assistant(seeds_dir=seeds, index_dir=index, chroma_url=url, collection=collection, embedder=embedder)
    bot.index()
    before = report(bot, [QUESTION])
    assert before["stored"] == before["expected"] and "ten percent" in before["answers"][0]["text"]
    return before


def recover(tmp_path, url, args, env):
    seeds, index = tmp_path / "seeds", tmp_path / "index"
    collection = collection_for(tmp_path) if url else "news"
    now = rebuild_and_probe(args, seeds, index, url, QUESTION, collection=collection, env=env)
    assert now["exit"] == 0
    return now


def assert_answers_as_before(now, before):
    """Same answer from the same article, every cited chunk really stored, BM25 over exactly the stored chunks."""
    assert now["answers"][0]["text"] == before["answers"][0]["text"]
    assert now["answers"][0]["cited_paths"] == before["answers"][0]["cited_paths"] == ["stay.md"]
    assert set(now["answers"][0]["cited"]) <= set(now["stored"])
    assert now["lexical_in_use"] == now["stored"]


def assert_converged(now):
    """Exactly the chunks the files give: none missing, no leftovers, and BM25 saved for that set."""
    assert now["stored"] == now["expected"]
    assert now["lexical_saved"] == now["stored"] and now["lexical_saved_digest"] == now["store_digest"] != ""


# Stages in the order a rebuild meets them; ":N" is the N-th time (files read, batches embedded/written).
# The server gets the three the issue names (reading, embedding, writing); the folder every stage.
STAGES = ["read:2", "embed:2", "write:3", "delete", "lexical"]
CASES = [("folder", stage) for stage in STAGES] + [
    pytest.param("server", stage, marks=pytest.mark.server) for stage in STAGES[:3]
]


@pytest.mark.parametrize(("kind", "stage"), CASES)
def test_killed_rebuild_keeps_answering_and_the_next_converges(tmp_path, request, kind, stage, fake_embedder):
    backend = url_of(kind, request)
    before = build_v1(tmp_path, backend, fake_embedder)
    seeds, _, args, env = folders(tmp_path, backend)
    write_v2(seeds)
    with stopped_at(stage, ["cli", "index", "--quiet", *args], tmp_path / "killed.log", batch=4, env=env) as proc:
        assert crash(proc) == -9

    after_crash = look(tmp_path, backend)
    assert_answers_as_before(after_crash, before)
    # Only chunks of the old or the new version: nothing half-made, nothing from elsewhere.
    assert set(after_crash["stored"]) <= set(before["stored"]) | set(after_crash["expected"])
    if stage != "read:2":
        assert after_crash["store_digest"] == ""  # marked mid-rebuild, so BM25 is rebuilt, not trusted

    recovered = recover(tmp_path, backend, args, env)
    assert_converged(recovered)
    assert_answers_as_before(recovered, before)


def test_second_rebuild_is_refused_and_queries_are_answered_while_one_runs(tmp_path, backend, fake_embedder):
    before = build_v1(tmp_path, backend, fake_embedder)
    seeds, _, args, env = folders(tmp_path, backend)
    write_v2(seeds)
    with stopped_at("write:2", ["cli", "index", "--quiet", *args], tmp_path / "first.log", batch=4, env=env) as first:
        second = driver("cli", "index", "--quiet", *args, env=env)
        assert second.returncode == 1
        assert "Another rebuild is running" in second.stderr and "Traceback" not in second.stderr

        during = look(tmp_path, backend)  # a reader in another process, mid-rebuild
        assert_answers_as_before(during, before)

        assert resume(first) == 0
    assert "Applied" not in second.stdout
    done = look(tmp_path, backend)
    assert_converged(done)
    assert_answers_as_before(done, before)


def test_killed_rebuild_with_the_real_model_and_the_real_cli(tmp_path, real_embedder):
    """The plain `news-assistant index` process, packaged model, killed after writing new chunks."""
    before = build_v1(tmp_path, None, real_embedder)
    seeds, index, args, env = folders(tmp_path, None)
    write_v2(seeds)
    command = ["-m", "assistant", "index", "--quiet", *args]
    with stopped_at("write", command, tmp_path / "killed.log", env=env, python_args=True) as proc:
        assert crash(proc) == -9
    after_crash = look(tmp_path, None, fake=False)
    assert_answers_as_before(after_crash, before)
    recovered = rebuild_and_probe(args, seeds, index, None, QUESTION, fake=False, env=env)
    assert recovered["exit"] == 0
    assert_converged(recovered)
    assert_answers_as_before(recovered, before)


# A full rebuild builds beside the live index: killed mid-embedding, with the new index whole but
# not yet switched in, or between dropping the old collection and renaming the new one.
FULL_CASES = [("folder", s) for s in ("embed:2", "lexical", "switch")] + [("server", s) for s in ("embed:2", "switch")]


@pytest.mark.parametrize(("kind", "stage"), FULL_CASES)
def test_killed_full_rebuild_keeps_answering_and_the_next_converges(tmp_path, request, kind, stage, fake_embedder):
    backend = url_of(kind, request)
    before = build_v1(tmp_path, backend, fake_embedder)
    seeds, _, args, env = folders(tmp_path, backend)
    command = ["cli", "index", "--full", "--quiet", *args]
    with stopped_at(stage, command, tmp_path / "killed.log", batch=4, env=env) as proc:
        assert crash(proc) == -9

    after_crash = look(tmp_path, backend)
    assert after_crash["stored"] == before["stored"]  # the whole index, never an empty or half one
    assert_answers_as_before(after_crash, before)

    recovered = recover(tmp_path, backend, args, env)
    assert_converged(recovered)
    assert_answers_as_before(recovered, before)
    full = rebuild_and_probe(
        ["--full", *args],
        seeds,
        tmp_path / "index",
        backend,
        QUESTION,
        env=env,
        collection=collection_for(tmp_path) if backend else "news",
    )
    assert full["exit"] == 0
    assert_converged(full)
    assert_answers_as_before(full, before)
