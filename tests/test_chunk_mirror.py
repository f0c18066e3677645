"""The local copy of chunk texts and metadata agrees with Chroma after every kind of change."""

from dataclasses import replace

import pytest
from support import long_paragraphs, md

from assistant.core import Assistant
from assistant.storing.chunk_meta import ChunkMeta


@pytest.fixture
def make(tmp_path, fake_embedder):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "long.md").write_text(md("A long report", long_paragraphs("alpha")))
    (seeds / "short.md").write_text(md("Harbour bridge reopens", ["The harbour bridge reopened on Monday."]))
    (seeds / "gone.md").write_text(md("Soon deleted", ["It says something short but complete here."]))

    def build():
        return Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)

    return seeds, build


def chroma_rows(bot):
    """Every chunk as Chroma itself holds it."""
    ids = [cid for page, _, _ in bot.store.scan(include=[]) for cid in page]
    page = bot.store.collection.get(ids=ids, include=["documents", "metadatas"])
    return {i: (d, ChunkMeta.from_chroma(m)) for i, d, m in zip(page["ids"], page["documents"], page["metadatas"])}


def test_the_mirror_matches_chroma_after_adds_edits_metadata_changes_and_deletes(make):
    seeds, build = make
    bot = build()
    bot.index()
    assert bot.store.mirror.get(list(chroma_rows(bot))) == chroma_rows(bot)

    # Same text, new date and outlet: the chunks are kept and only their metadata changes.
    (seeds / "short.md").write_text(
        md("Harbour bridge reopens", ["The harbour bridge reopened on Monday."], date="2025-04-01", source="Gazette")
    )
    (seeds / "long.md").write_text(md("A long report", long_paragraphs("alpha")[:-1] + ["A closing line."]))
    (seeds / "gone.md").unlink()
    bot = build()
    report = bot.index()
    assert report.chunks_kept > 0 and report.chunks_deleted > 0

    want = chroma_rows(bot)
    assert bot.store.mirror.count() == len(want)
    assert bot.store.mirror.get(list(want)) == want
    assert {m.source for _, m in want.values()} >= {"Gazette"}


def test_retrieval_reads_the_mirror_and_falls_back_to_chroma_for_what_it_lacks(make, monkeypatch):
    _, build = make
    bot = build()
    bot.index()
    want = [(p.chunk_id, p.text, p.published, p.source) for p in bot.retrieve("harbour bridge reopened")]
    assert want

    asked = []
    real_get = bot.store.collection.get
    monkeypatch.setattr(bot.store.collection, "get", lambda **kw: asked.append(kw.get("ids")) or real_get(**kw))
    found = [(p.chunk_id, p.text, p.published, p.source) for p in bot.retrieve("harbour bridge reopened")]
    assert found == want and not any(asked)  # every passage from the mirror, none from Chroma

    bot.store.mirror.delete([want[0][0]])  # a row lost (a crash between Chroma and the mirror)
    found = [(p.chunk_id, p.text, p.published, p.source) for p in bot.retrieve("harbour bridge reopened")]
    assert found == want and [want[0][0]] in asked


def test_bm25_rebuilt_from_the_store_refills_the_mirror(make):
    # Rebuilt from the store means the store changed unseen (another machine's rebuild on a
    # shared server, an older index): the mirror may lack rows or hold stale ones.
    from assistant.storing.lexical_sync import refresh_lexical

    _, build = make
    bot = build()
    bot.index()
    want = chroma_rows(bot)
    first, *rest = list(want)
    bot.store.mirror.delete(rest[:2])
    bot.store.mirror.put([(first, "old text", replace(want[first][1], source="Stale"))])
    refresh_lexical(bot.store, bot.lexical_dir, force=True)
    assert bot.store.mirror.get(list(want)) == want
    assert bot.store.mirror.count() == len(want)


def test_a_crash_while_chroma_changes_leaves_rows_missing_never_stale(make, monkeypatch):
    seeds, build = make
    bot = build()
    bot.index()
    ids = list(chroma_rows(bot))

    def broken(**kw):
        raise RuntimeError("killed mid-update")

    monkeypatch.setattr(bot.store.collection, "update", broken)
    metas = [replace(m, source="Changed") for _, m in chroma_rows(bot).values()]
    with pytest.raises(RuntimeError):
        bot.store.update(ids, metas)
    assert bot.store.mirror.get(ids) == {}  # cleared before Chroma was touched
    assert bot.store.get(ids) == chroma_rows(bot)  # so reads come from Chroma, as it really is


def test_a_reader_leaves_the_mirror_to_a_rebuild_under_way(make):
    from assistant.storing.lexical_sync import refresh_lexical

    _, build = make
    bot = build()
    bot.index()
    ids = list(chroma_rows(bot))
    bot.store.mirror.delete(ids[:1])  # a row the rebuild has cleared and not yet written again
    bot.store.set_digest("")  # what a rebuild marks while it writes
    refresh_lexical(bot.store, bot.lexical_dir, save=False)
    assert bot.store.mirror.count() == len(ids) - 1  # neither wiped nor refilled from a moving store
