"""The bench's child processes, one phase each (build, rebuild, queries, cold ask), measured from inside.

Run as `python -m assistant.measuring.bench_phases PHASE SPEC`; the result is the last line printed.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .bench_feeds import child_ours_feeds

RESULT_MARK = "BENCH-RESULT "


@dataclass
class BenchSpec:
    """Everything a child process needs to run one phase."""

    work: str
    chroma_url: str | None = None
    collection: str = "bench"
    queries: list[dict] = field(default_factory=list)  # {"text": ..., "as_of": "YYYY-MM-DD", "choices": [...]}
    feed_urls: list[str] = field(default_factory=list)  # the local feeds the "ours-feeds" phase fetches


def server_client(url: str) -> Any:
    """A plain chromadb client of the bench's server, for the naive pipeline and the clean-up."""
    from urllib.parse import urlsplit

    import chromadb

    parts = urlsplit(url)
    return chromadb.HttpClient(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 8000,
        settings=chromadb.Settings(anonymized_telemetry=False),
    )


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _ours(spec: BenchSpec):
    from ..core import Assistant

    work = Path(spec.work)
    return Assistant(
        seeds_dir=work / "seeds", index_dir=work / "ours", chroma_url=spec.chroma_url, collection=spec.collection
    )


def _naive(spec: BenchSpec, fresh: bool = False) -> Any:
    """The naive pipeline on the bench's folder, or on the Chroma server with a collection of its own."""
    from .baseline import NaivePipeline

    if not spec.chroma_url:
        return NaivePipeline(Path(spec.work) / "naive")
    client = server_client(spec.chroma_url)
    name = spec.collection + "-naive"
    if fresh and name in {c.name for c in client.list_collections()}:
        client.delete_collection(name)
    return NaivePipeline(Path(spec.work) / "naive", client=client, collection=name)


def child_ours_build(spec: BenchSpec, started: float) -> dict:
    assistant = _ours(spec)
    report = assistant.index(full=True)
    return {
        "wall_s": time.perf_counter() - started,
        "index_s": report.seconds,
        "chunks": report.chunks_embedded,
        "articles": len(report.plan.added),
        "embedding_dtype": getattr(assistant.embedder, "dtype", None),
    }


def child_naive_build(spec: BenchSpec, started: float) -> dict:
    from .eval_sets import load_corpus_lines
    from .evaluation import read_raw

    pipeline = _naive(spec, fresh=True)  # the embedded folder is new already: the bench cleared it
    corpus = load_corpus_lines(Path(spec.work) / "seeds" / "corpus.jsonl")
    chunks = pipeline.build(read_raw(corpus, list(corpus)))
    return {"wall_s": time.perf_counter() - started, "chunks": chunks, "articles": len(corpus)}


def child_ours_reindex(spec: BenchSpec, started: float) -> dict:
    from ..embedding.embedder import SentenceEmbedder

    assistant = _ours(spec)
    begun = time.perf_counter()
    report = assistant.index()  # timed whole: reading, hashing, planning, embedding, BM25
    seconds = time.perf_counter() - begun
    embedder = assistant.embedder
    return {
        "wall_s": time.perf_counter() - started,
        "seconds": seconds,
        "chunks_embedded": report.chunks_embedded,
        "changed": len(report.plan.changed),
        "model_loaded": isinstance(embedder, SentenceEmbedder) and embedder.loaded,
    }


def child_ours_query(spec: BenchSpec, started: float) -> dict:
    assistant = _ours(spec)
    first = spec.queries[0]
    assistant.answer(first["text"], as_of=first["as_of"])  # loads model and indexes: cold start is measured apart
    ready = time.perf_counter() - started
    query_ms, answer_ms = [], []
    for q in spec.queries:
        t = time.perf_counter()
        assistant.retrieve(q["text"], as_of=q["as_of"])
        query_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        assistant.answer(q["text"], as_of=q["as_of"])
        answer_ms.append((time.perf_counter() - t) * 1000)
    return {"first_answer_s": ready, "query_ms": query_ms, "answer_ms": answer_ms}


def child_naive_query(spec: BenchSpec, started: float) -> dict:
    from .baseline import ANSWER_PASSAGES

    pipeline = _naive(spec)
    first = spec.queries[0]
    pipeline.search(first["text"], k=ANSWER_PASSAGES)
    ready = time.perf_counter() - started
    query_ms, answer_ms = [], []
    for q in spec.queries:
        t = time.perf_counter()
        pipeline.db.similarity_search(q["text"], k=ANSWER_PASSAGES)
        query_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        hits = pipeline.search(q["text"], k=ANSWER_PASSAGES)
        if q.get("choices"):
            pipeline.choose(q["text"], q["choices"], hits)
        answer_ms.append((time.perf_counter() - t) * 1000)
    return {"first_answer_s": ready, "query_ms": query_ms, "answer_ms": answer_ms}


def child_naive_ask(spec: BenchSpec, started: float) -> dict:
    """The naive pipeline's cold start: open the store, load the model, answer one question."""
    from .baseline import ANSWER_PASSAGES

    pipeline = _naive(spec)
    question = spec.queries[0] if spec.queries else {"text": "What happened this week?", "choices": []}
    hits = pipeline.search(question["text"], k=ANSWER_PASSAGES)
    if question.get("choices"):
        pipeline.choose(question["text"], question["choices"], hits)
    return {"wall_s": time.perf_counter() - started}


CHILDREN = {
    "ours-build": child_ours_build,
    "naive-build": child_naive_build,
    "ours-reindex": child_ours_reindex,
    "ours-query": child_ours_query,
    "naive-query": child_naive_query,
    "naive-ask": child_naive_ask,
    "ours-feeds": child_ours_feeds,
}


def child_main(argv: Sequence[str]) -> int:
    started = time.perf_counter()
    phase, raw = argv
    spec = BenchSpec(**json.loads(raw))
    result = CHILDREN[phase](spec, started)
    result["peak_rss_mb"] = _peak_rss_mb()
    print(RESULT_MARK + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
