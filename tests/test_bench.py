"""`news-assistant bench` end to end on a few articles, and the speed work it measures: dtype choice, BM25 build, no-op rebuilds."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import ROOT, seed_folder

from assistant.embedding.cpu import BF16_FLAGS, resolve_dtype
from assistant.measuring import bench
from assistant.measuring.bench_report import KEYS
from assistant.reading.terms import stems
from assistant.storing.bm25 import LexicalBuilder

STORIES = [
    (
        "Harbour reopens after storm",
        "The city harbour reopened on Monday after a storm closed it for three days. "
        "Ferries to the islands resumed at noon, the port authority said, and cargo ships queued outside the breakwater.",
    ),
    (
        "Council approves tram line",
        "The council approved a new tram line to the airport on Tuesday. Construction "
        "starts in spring and the line should open in 2027, the mayor said, at a cost of 400 million euros.",
    ),
    (
        "Library extends opening hours",
        "The central library will open until 10 pm on weekdays from next month. "
        "Students had asked for longer hours during exams, and the council found money for two more librarians.",
    ),
    (
        "Marathon draws record field",
        "A record 12,000 runners started the city marathon on Sunday. A local teacher "
        "won the women's race in two hours and 31 minutes, and the men's winner came from Kenya.",
    ),
]
QUESTIONS = [
    ("When did the harbour reopen?", ["Monday", "Friday"], "Monday"),
    ("When should the tram line open?", ["2025", "2027"], "2027"),
]


def write_corpus(folder: Path) -> Path:
    folder.mkdir()
    with open(folder / "corpus.jsonl", "w") as fh:
        for i, (title, text) in enumerate(STORIES):
            record = {
                "id": f"story{i}",
                "url": f"https://news.example/{i}",
                "title": title,
                "source": "Example News",
                "authors": [],
                "published": f"2024-03-0{i + 1}",
                "text": text,
            }
            fh.write(json.dumps(record) + "\n")
    with open(folder / "questions.jsonl", "w") as fh:
        for i, (question, choices, answer) in enumerate(QUESTIONS):
            record = {"id": f"q{i}", "date": "2024-03-10", "question": question, "choices": choices, "answer": answer}
            fh.write(json.dumps(record) + "\n")
    return folder / "corpus.jsonl"


@pytest.mark.model
def test_bench_command_reports_both_pipelines(tmp_path):
    corpus = write_corpus(tmp_path / "eval")
    out, md = tmp_path / "bench.json", tmp_path / "report" / "bench.md"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "bench",
            "--corpus",
            str(corpus),
            "--queries",
            "2",
            "--work",
            str(tmp_path / "work"),
            "--skip",
            "cold",
            "--skip",
            "serve",
            "--json",
            str(out),
            "--markdown",
            str(md),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    for key in KEYS:
        assert key in report and key in report["baseline"] and key in report["ratios"]
    for key in ("index_articles_per_s", "index_chunks_per_s", "index_peak_rss_mb", "reindex_noop_s", "query_p50_ms"):
        assert report[key] > 0 and report["baseline"][key] > 0
    assert report["ratios"]["index_articles_per_s"] == pytest.approx(
        report["index_articles_per_s"] / report["baseline"]["index_articles_per_s"]
    )
    assert report["cold_start_s"] is None  # skipped, and said so rather than made up
    assert report["loadavg"]["start"] and report["run"]["articles"] == len(STORIES)
    details = report["details"]
    # Nothing changed: hashes only, the model never loads; one edited article: only it is redone.
    assert details["reindex_noop"]["model_loaded"] is False and details["reindex_noop"]["chunks_embedded"] == 0
    assert details["reindex_1pct"]["changed"] == details["touched_articles"] == 1
    assert details["reindex_1pct"]["chunks_embedded"] >= 1
    # The query steps ran in alternating rounds, each in a process of its own, their latencies pooled.
    for name in ("ours_query", "naive_query"):
        assert len(details[name]) == bench.QUERY_ROUNDS and all(r["query_p50_ms"] > 0 for r in details[name])
    assert "| index_articles_per_s |" in md.read_text() and md.with_suffix(".png").stat().st_size > 0
    assert f"Queries: {bench.QUERY_ROUNDS} rounds per pipeline" in md.read_text()
    assert json.loads(proc.stdout)["ratios"].keys() == set(KEYS)
    # Feeds from a local server: 100 items fetched, then a refresh that costs a 304 per feed and embeds nothing.
    feeds = details["feeds"]
    assert report["fetch_100_items_s"] > 0 and report["refresh_noop_s"] > 0
    assert feeds["fetch_failures"] == [] and feeds["items_fetched"] == 100
    assert feeds["refresh_unchanged_feeds"] == len(feeds["feed_urls"]) and feeds["refresh_chunks_embedded"] == 0
    assert feeds["refresh_requests"] == len(feeds["feed_urls"]) + 1  # and robots.txt once
    assert report["baseline"]["fetch_100_items_s"] is None


def test_auto_dtype_follows_the_cpu():
    assert resolve_dtype("auto", "cpu", frozenset({"avx2", "avx512_bf16"})) == "bfloat16"
    assert resolve_dtype("auto", "cpu", frozenset({"avx2", "amx_bf16"})) == "bfloat16"
    assert resolve_dtype("auto", "cpu", frozenset({"avx2", "avx512f"})) == "float32"
    assert resolve_dtype("auto", "cpu", frozenset()) == "float32"
    assert resolve_dtype("auto", "cuda", BF16_FLAGS) == "float32"
    assert resolve_dtype("float32", "cpu", BF16_FLAGS) == "float32"
    assert resolve_dtype("bfloat16", "cpu", frozenset()) == "bfloat16"
    with pytest.raises(ValueError):
        resolve_dtype("int8", "cpu")


def test_dtype_setting_is_checked(monkeypatch):
    from assistant.settings import Settings

    assert Settings.load().embedding_dtype == "auto"
    monkeypatch.setenv("NEWS_ASSISTANT_EMBEDDING_DTYPE", "float16")
    with pytest.raises(ValueError):
        Settings.load()


def test_streamed_bm25_scores_as_bm25s_does():
    import bm25s

    texts = [f"{title}\n{text}" for title, text in STORIES] + ["", "the and of"]  # empty and stopword-only chunks
    texts += [f"Harbour report {i}: ferries and cargo ships, tram line works, marathon runners" for i in range(20)]
    n = len(texts)
    builder = LexicalBuilder()
    for i, text in enumerate(texts):
        builder.add(f"c{i}", text, "a", 0, "")
    ours = builder.finish("d")
    reference = bm25s.BM25()
    reference.index([stems(t) or ["\x00"] for t in texts], show_progress=False)
    mask = np.arange(n) % 2 == 0
    for query in ["harbour ferries", "tram line airport", "marathon record runners Kenya", "librarians"]:
        terms = [t for t in dict.fromkeys(stems(query)) if t in reference.vocab_dict]
        for weights in (None, mask):
            docs, scores = reference.retrieve(
                [terms],
                k=10,
                show_progress=False,
                n_threads=1,
                weight_mask=None if weights is None else weights.astype(np.float32),
            )
            expected = [(f"c{d}", float(s)) for d, s in zip(docs[0], scores[0]) if s > 0]
            got = ours.search(query, 10, weights)
            assert [c for c, _ in got] == [c for c, _ in expected]
            assert np.allclose([s for _, s in got], [s for _, s in expected], rtol=1e-5)


def test_bm25_builder_keeps_rows_in_order():
    builder = LexicalBuilder()
    builder.add("x", "first chunk about ferries", "a1", 738000, "One")
    builder.add("y", "second chunk about trams", "a2", 0, "Two")
    index = builder.finish("digest")
    assert index.rows.ids == ["x", "y"] and index.rows.article_ids == ["a1", "a2"]
    assert list(index.rows.days) == [738000, 0] and index.rows.sources == ["One", "Two"]
    assert [c for c, _ in index.search("trams", 5)] == ["y"]
    assert LexicalBuilder().finish("empty").search("anything", 5) == []


@pytest.mark.model
def test_rebuild_with_nothing_changed_loads_no_model(tmp_path, real_embedder):
    from assistant.core import Assistant
    from assistant.embedding.embedder import SentenceEmbedder

    seeds = seed_folder(tmp_path)
    Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=real_embedder).index()
    fresh = SentenceEmbedder("all-MiniLM-L6-v2")
    report = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fresh).index()
    assert report.plan.is_empty and report.chunks_embedded == 0
    assert fresh._model is None  # hashing and planning only


def test_asking_imports_no_text_splitter():
    # `news-assistant ask` never chunks; langchain's splitter costs half a second to import.
    code = "import sys, assistant.core, assistant.faces.cli; print('langchain_text_splitters' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
