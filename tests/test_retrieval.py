"""Hybrid retrieval with the real model: filters, as-of dates, per-article caps, and BM25's exact names."""

import json

import numpy as np
import pytest
from support import indexed_feed

from assistant.core import Assistant

STORIES = [
    (
        "r1",
        "2025-01-10",
        "Harbor Post",
        "Storm closes the harbour",
        "A winter storm closed the harbour for two days and ferries stayed in port.",
    ),
    (
        "r2",
        "2025-02-14",
        "Valley News",
        "Ferries return after the storm",
        "Ferry services resumed on Friday once the storm had passed and the harbour reopened.",
    ),
    (
        "r3",
        "2025-03-20",
        "Harbor Post",
        "Harbour fees to rise",
        "The port authority said harbour fees for ferries will rise next spring to pay for repairs.",
    ),
    (
        "r4",
        "2025-04-02",
        "Valley News",
        "New ferry ordered",
        "The ferry company ordered a new electric ferry for the harbour route, due in 2027.",
    ),
    (
        "r5",
        "2025-05-09",
        "Coast Daily",
        "Fishing fleet shrinks",
        "Fewer fishing boats used the harbour this year as quotas were cut again.",
    ),
    (
        "r6",
        "2025-06-01",
        "Coast Daily",
        "Harbour festival draws crowds",
        "Thousands came to the harbour festival, where ferries ran late into the night.",
    ),
]
# One article mentions a rare, made-up name in passing, amid text about something else.
RARE = (
    "r7",
    "2025-06-15",
    "Coast Daily",
    "Council debates parking",
    "The council debated parking rules for the old town for three hours on Monday. "
    "Residents complained about delivery vans blocking narrow streets near the market. "
    "Among the speakers was the engineer Vaclav Oszkiewiczna, who presented traffic counts. "
    "A decision on the new parking zones was postponed until the autumn session.",
)
FILLER = [
    (
        f"f{i}",
        "2025-07-01",
        "Coast Daily",
        f"Traffic report {i}",
        f"Engineers presented traffic counts for district {i}, and the council discussed road works and parking.",
    )
    for i in range(12)
]


@pytest.fixture(scope="module")
def harbour(tmp_path_factory, real_embedder):
    return indexed_feed(tmp_path_factory.mktemp("harbour"), STORIES + [RARE] + FILLER, real_embedder)


def ids(passages):
    return [p.article_id for p in passages]


def test_as_of_hides_articles_published_later(harbour):
    found = harbour.retrieve("harbour ferries storm", as_of="2025-03-01", k=10)
    assert found and set(ids(found)) <= {"r1", "r2"}
    assert all(p.published.isoformat() <= "2025-03-01" for p in found)


def test_date_range_and_outlet_filters(harbour):
    found = harbour.retrieve("harbour ferries", since="2025-03-01", until="2025-05-31", k=10)
    assert found and set(ids(found)) <= {"r3", "r4", "r5"}
    only = harbour.retrieve("harbour ferries", sources=["Valley News"], k=10)
    assert set(ids(only)) == {"r2", "r4"}


def test_at_most_a_few_passages_per_article(harbour):
    found = harbour.retrieve("parking council traffic", k=10)
    counts = {a: ids(found).count(a) for a in ids(found)}
    assert max(counts.values()) <= harbour.settings.per_article


def test_bm25_finds_a_rare_name_that_dense_search_misses(harbour):
    # The rest of the question matches the many traffic reports better than the article itself.
    question = "What did the engineer Oszkiewiczna present about traffic counts?"
    vector = harbour.embedder.embed([question])[0]
    nearest = [cid for cid, _ in harbour.store.nearest(vector, 5)]
    dense_only = [meta.article_id for _, meta in harbour.store.get(nearest).values()]
    assert "r7" not in dense_only, "dense search alone already finds it: the test proves nothing"
    assert ids(harbour.retrieve(question, k=3))[0] == "r7"


def test_answer_cites_the_article_with_the_rare_name(harbour):
    answer = harbour.answer("Who is Vaclav Oszkiewiczna?")
    assert not answer.abstained
    assert answer.citations[0].article_id == "r7"
    assert "engineer" in answer.text


def test_filters_on_one_chunk_agree_with_the_filters_on_many():
    from datetime import date

    from assistant.searching.filters import Filters
    from assistant.storing.chunk_meta import ChunkMeta, day_number

    dates = [None, date(2024, 1, 1), date(2024, 3, 1), date(2024, 6, 1)]
    days = [day_number(d) for d in dates]
    sources = ["A", "B", "A", "C"]
    for filters in (
        Filters(as_of=date(2024, 2, 1)),
        Filters(since=date(2024, 2, 1)),
        Filters(since=date(2024, 1, 1), until=date(2024, 3, 1), sources=("A",)),
        Filters(sources=("B", "C")),
    ):
        mask = filters.mask(np.array(days), sources)
        one_by_one = [filters.allows(ChunkMeta("a", source=s, published=d)) for d, s in zip(dates, sources)]
        assert one_by_one == (list(mask) if mask is not None else [True] * 4), filters


@pytest.mark.parametrize(
    "old_text_matches,vectors_kept,chroma_filters",
    [(True, True, False), (False, True, False), (False, False, True)],
)
def test_as_of_hides_later_articles_whether_or_not_chroma_filters(
    tmp_path, fake_embedder, monkeypatch, old_text_matches, vectors_kept, chroma_filters
):
    # When the nearest chunks are mostly allowed the filter is applied to them here; when too
    # few are, the allowed chunks' vectors kept beside BM25 are searched here, or without
    # them Chroma filters by metadata. Either way nothing published later comes back.
    match = "the ferry strike ended after nine days of talks"
    other = "council budget vote delayed again by a row over parking fees"
    rows = [
        (f"new{i}", f"2024-05-0{i + 1}", "Courier", f"Item {i}", other if old_text_matches else match) for i in range(6)
    ]
    rows += [(f"old{i}", "2023-01-01", "Courier", f"Old {i}", match if old_text_matches else other) for i in range(3)]
    assistant = indexed_feed(tmp_path, rows, fake_embedder)
    assistant.settings = assistant.settings._with({"candidates": 2})
    assert assistant.lexical.rows.vectors is not None
    if not vectors_kept:
        monkeypatch.setattr(assistant.lexical.rows, "vectors", None)
    filtered = []
    nearest = assistant.store.nearest

    def spy(vector, n, *, where=None):
        filtered.append(bool(where))
        return nearest(vector, n, where=where)

    monkeypatch.setattr(assistant.store, "nearest", spy)
    found = assistant.retrieve(match, as_of="2023-06-01")
    assert found and {p.article_id[:3] for p in found} == {"old"}
    assert any(filtered) == chroma_filters


def test_chunks_changed_by_another_process_are_filtered_by_their_own_dates(tmp_path, fake_embedder):
    # The rows (dates, outlets) are read once per process; another process's rebuild may add
    # chunks they do not know and remove chunks they still list. Filters must hold for both.
    match = "the ferry strike ended after nine days of talks"
    other = "council budget vote delayed again by a row over parking fees"
    rows = [(f"old{i}", "2023-01-01", "Courier", f"Old {i}", other) for i in range(3)]
    rows += [(f"gone{i}", "2023-01-02", "Courier", f"Gone {i}", match) for i in range(2)]
    assistant = indexed_feed(tmp_path, rows, fake_embedder)
    assistant.settings = assistant.settings._with({"candidates": 2})
    assert assistant.lexical.rows.ids  # rows read now, before the other process writes
    before = assistant.store.count()
    feed = tmp_path / "seeds" / "feed.jsonl"
    lines = feed.read_text().splitlines()[:3] + [
        json.dumps(
            {"id": f"new{i}", "published": "2024-05-01", "source": "Courier", "title": f"New {i}", "text": match}
        )
        for i in range(4)
    ]
    feed.write_text("\n".join(lines) + "\n")
    other_process = Assistant(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index", embedder=fake_embedder)
    other_process.index()
    assert assistant.store.count() == before + 2  # 4 new, 2 gone, in the same store
    found = assistant.retrieve(match, as_of="2023-06-01")
    assert found and {p.article_id[:3] for p in found} == {"old"}
    assert {p.article_id[:3] for p in assistant.retrieve(match)} >= {"new"}
