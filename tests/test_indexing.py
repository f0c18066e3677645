"""Incremental rebuilds against a real Chroma folder: exactly the difference, nothing embedded twice."""

import json

import numpy as np
import pytest
from support import expected_chunk_ids, long_paragraphs, md, stored_chunk_ids

from assistant.core import Assistant
from assistant.storing.indexing import IndexBusy, index_lock
from assistant.storing.store import IndexMismatch

PARAGRAPHS = [
    "The city council approved a new budget for public transport on Tuesday after a long debate.",
    "Bus fares will fall by ten percent from January, the mayor said at a press conference.",
    "Opposition members argued that the plan would leave roads without repairs for another year.",
    "A vote on the cycling network is expected next month, officials added.",
]


@pytest.fixture
def folder(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "budget.md").write_text(md("Council passes transport budget", PARAGRAPHS))
    (seeds / "long.md").write_text(md("A long report", long_paragraphs("alpha")))
    (seeds / "gone.md").write_text(
        md("An article that will be deleted", ["It says something short but complete here."])
    )
    return seeds


@pytest.fixture
def make(tmp_path, fake_embedder):
    def build(seeds):
        return Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)

    return build


def test_first_build_then_nothing_changed(folder, make, fake_embedder):
    assistant = make(folder)
    report = assistant.index()
    assert len(report.plan.added) == 3 and not report.plan.bad
    assert stored_chunk_ids(assistant) == expected_chunk_ids(assistant)
    assert fake_embedder.calls == report.chunks_embedded == len(expected_chunk_ids(assistant))

    again = make(folder).index()
    assert len(again.plan.unchanged) == 3
    assert again.plan.is_empty and again.chunks_embedded == 0
    assert fake_embedder.calls == report.chunks_embedded  # not one more text embedded


def test_add_change_delete_applies_exactly_the_difference(folder, make, fake_embedder):
    assistant = make(folder)
    assistant.index()
    before = stored_chunk_ids(assistant)
    calls = fake_embedder.calls

    paragraphs = long_paragraphs("alpha")
    paragraphs[-1] = "A corrected last paragraph with new facts about the report."
    (folder / "long.md").write_text(md("A long report", paragraphs))
    (folder / "gone.md").unlink()
    (folder / "new.md").write_text(md("A new article", ["Fresh news arrived today from the harbour office."]))

    report = assistant.index()
    assert [a.path for a in report.plan.added] == ["new.md"]
    assert [a.path for a in report.plan.changed] == ["long.md"]
    assert [e.path for e in report.plan.removed.values()] == ["gone.md"]
    assert len(report.plan.unchanged) == 1

    after = stored_chunk_ids(assistant)
    assert after == expected_chunk_ids(assistant)
    new_ids = after - before
    # Only the edited chunk(s) of long.md and the new article were embedded.
    assert fake_embedder.calls - calls == len(new_ids) == report.chunks_embedded
    assert report.chunks_kept > 0
    long_chunks = [c for a in assistant.read().articles if a.path == "long.md" for c in assistant.chunker.chunk(a)]
    assert len(long_chunks) > 2 and len(new_ids) < len(long_chunks)


def test_dry_run_changes_nothing(folder, make, fake_embedder):
    assistant = make(folder)
    report = assistant.index(dry_run=True)
    assert len(report.plan.added) == 3
    assert assistant.store.count() == 0 and fake_embedder.calls == 0


def test_full_rebuild_embeds_everything_again(folder, make, fake_embedder):
    assistant = make(folder)
    first = assistant.index()
    full = assistant.index(full=True)
    assert full.chunks_embedded == first.chunks_embedded
    assert stored_chunk_ids(assistant) == expected_chunk_ids(assistant)


BAD_FILES = {
    "empty.txt": b"",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00" * 20,
    "latin.txt": "Caf\u00e9 headline\nUne phrase en fran\u00e7ais.".encode("utf-8")[:4]
    + b"\xff\xfe\xfd\x80 bad bytes \x81\x82",
    "broken.json": b'{"title": "Half an object", "text": ',
}


def test_bad_files_are_reported_and_the_rest_indexed(folder, make):
    assistant = make(folder)
    assistant.index()
    before = stored_chunk_ids(assistant)
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    lines = [
        json.dumps(
            {
                "title": "Good one",
                "text": "The harbour reopened after the storm passed on Sunday.",
                "url": "https://example.com/a",
            }
        ),
        '{"title": "broken line", ',
        json.dumps(
            {
                "title": "Good two",
                "body": "Ferries resumed their schedule on Monday morning.",
                "published_at": "2025-03-05",
            }
        ),
    ]
    (folder / "feed.jsonl").write_text("\n".join(lines) + "\n")

    report = assistant.index()
    reasons = {str(b.path): b for b in report.plan.bad}
    for name in ["empty.txt", "binary.txt", "broken.json", "feed.jsonl"]:
        assert name in reasons, f"{name} not reported: {report.plan.bad}"
    assert reasons["feed.jsonl"].line == 2
    assert "empty" in reasons["empty.txt"].reason
    assert "JSON" in reasons["broken.json"].reason
    assert {a.title for a in report.plan.added} == {"Good one", "Good two"}
    assert before <= stored_chunk_ids(assistant)  # nothing indexed earlier was lost


def test_a_file_that_turns_unreadable_keeps_its_indexed_articles(folder, make):
    assistant = make(folder)
    assistant.index()
    before = stored_chunk_ids(assistant)
    (folder / "budget.md").write_bytes(b"\x00\x01\x02 binary garbage \x00" * 10)
    report = assistant.index()
    assert [b.path for b in report.plan.bad] == ["budget.md"]
    assert not report.plan.removed and len(report.plan.kept) == 1
    assert stored_chunk_ids(assistant) == before


def test_an_interrupted_rebuild_converges(folder, make):
    assistant = make(folder)
    assistant.index()
    expected = stored_chunk_ids(assistant)
    # What a crash can leave: one chunk of an article missing, a stale chunk still present.
    victim = sorted(expected)[0]
    assistant.store.delete([victim])
    art = assistant.read().articles[0]
    chunk = assistant.chunker.chunk(art)[0]
    from dataclasses import replace

    from assistant.storing.chunk_meta import ChunkMeta

    stale = replace(chunk, id="stale0000000000000000000", text="Old text left behind by a crash.")
    assistant.store.add([stale], assistant.embedder.embed([stale.text]), [ChunkMeta.of(art, stale, 99)])

    report = assistant.index()
    assert len(report.plan.changed) >= 1
    assert stored_chunk_ids(assistant) == expected


def test_other_settings_are_a_clear_error_until_rebuilt(folder, tmp_path, make, fake_embedder):
    make(folder).index()
    other = Assistant(seeds_dir=folder, index_dir=tmp_path / "index", embedder=fake_embedder, chunk_tokens=120)
    with pytest.raises(IndexMismatch, match="--full"):
        other.index()
    report = other.index(full=True)
    assert report.chunks_total == len(expected_chunk_ids(other))


def test_a_second_rebuild_is_refused_while_one_runs(folder, make):
    assistant = make(folder)
    with index_lock(assistant.settings.index_dir):
        with pytest.raises(IndexBusy):
            assistant.index()


def full_bm25(bot):
    """BM25 rebuilt from every chunk's text in the store, as a fresh index would be."""
    from assistant.storing.bm25 import LexicalBuilder
    from assistant.storing.lexical_sync import lexical_columns, lexical_text

    builder = LexicalBuilder()
    for ids, metas, docs, vectors in bot.store.scan_chunks():
        for cid, meta, doc, vector in zip(ids, metas, docs, vectors):
            builder.add(cid, lexical_text(meta, doc), *lexical_columns(meta), vector)
    return builder.finish("")


def same_bm25(saved, full, queries):
    assert set(saved.rows.ids) == set(full.rows.ids)
    assert saved.rows.vectors is not None and full.rows.vectors is not None
    for cid, day, vector in zip(full.rows.ids, full.rows.days, full.rows.vectors):
        row = saved.rows.position[cid]
        assert saved.rows.days[row] == day
        assert np.array_equal(saved.rows.vectors[row], vector)  # each chunk's own vector, kept or new
    for query in queries:
        # Every match, ordered by score then id: rows in another order may break ties otherwise.
        got, want = (
            sorted(index.search(query, 1000), key=lambda h: (-round(h[1], 4), h[0])) for index in (saved, full)
        )
        assert [c for c, _ in got] == [c for c, _ in want], query
        assert all(abs(a - b) < 1e-4 for (_, a), (_, b) in zip(got, want))


def test_bm25_is_updated_in_place_and_matches_a_full_rebuild(folder, make, monkeypatch):
    from assistant.storing.bm25 import LexicalIndex

    make(folder).index()
    (folder / "budget.md").write_text(md("Council passes transport budget", PARAGRAPHS[:2] + ["Trams run late."]))
    (folder / "gone.md").unlink()
    (folder / "new.md").write_text(md("Harbour bridge reopens", ["The harbour bridge reopened to traffic on Monday."]))
    # One paragraph edited: the report's other chunks are kept, with their vectors, not embedded again.
    (folder / "long.md").write_text(md("A long report", long_paragraphs("alpha")[:-1] + ["A closing line."]))
    from assistant.storing import lexical_sync

    updated = []
    real = lexical_sync.updated_lexical
    monkeypatch.setattr(lexical_sync, "updated_lexical", lambda *a: updated.append(real(*a)) or updated[-1])
    bot = make(folder)
    report = bot.index()
    assert report.chunks_kept > 0
    assert updated and updated[0] is not None  # updated in place, not rebuilt from every text
    saved = LexicalIndex.load(bot.lexical_dir)
    assert saved.digest == bot.store.digest
    same_bm25(saved, full_bm25(bot), ["bridge traffic Monday", "bus fares", "trams late", "deleted article", "alpha"])


def test_bm25_without_its_saved_counts_is_rebuilt_in_full(folder, make):
    from assistant.storing.bm25 import COUNTS_FILE, LexicalIndex

    bot = make(folder)
    bot.index()
    (bot.lexical_dir / COUNTS_FILE).write_bytes(b"damaged")
    (folder / "gone.md").unlink()
    bot = make(folder)
    bot.index()
    saved = LexicalIndex.load(bot.lexical_dir)
    assert saved.digest == bot.store.digest
    same_bm25(saved, full_bm25(bot), ["bus fares", "deleted article"])


def test_a_first_build_makes_bm25_as_it_writes_without_reading_the_chunks_back(folder, make, monkeypatch):
    from assistant.storing.bm25 import LexicalIndex
    from assistant.storing.store import Store

    read_back = []
    real = Store.scan_chunks
    monkeypatch.setattr(Store, "scan_chunks", lambda self: read_back.append(1) or real(self))
    bot = make(folder)
    bot.index()
    assert not read_back
    saved = LexicalIndex.load(bot.lexical_dir)
    assert saved.digest == bot.store.digest
    same_bm25(saved, full_bm25(bot), ["bus fares", "alpha paragraph", "deleted article"])
