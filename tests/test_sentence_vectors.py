"""Sentence vectors pooled at indexing time: the pooling, the side file, and answers that use them."""

import sqlite3

import numpy as np
import pytest
from support import md, seed_folder

from assistant.answering.evidence import Evidence
from assistant.answering.extractive import pick
from assistant.core import Assistant
from assistant.embedding.vectors import dequantise, pool, quantise
from assistant.reading.sentences import split_sentences
from assistant.storing.sentence_vectors import ChunkSentences, SentenceVectorStore, sentences_digest, spans_in


def test_pool_averages_the_tokens_inside_each_span_and_skips_special_tokens():
    tokens = np.array([[9.0, 9.0], [1.0, 0.0], [3.0, 0.0], [0.0, 2.0], [9.0, 9.0]])
    offsets = [(0, 0), (0, 4), (5, 9), (10, 14), (0, 0)]  # [CLS], three words, [SEP]
    out = pool(tokens, offsets, [(0, 9), (10, 14)])
    assert np.allclose(out, [[1.0, 0.0], [0.0, 1.0]])
    assert pool(tokens, offsets, [(0, 9), (20, 30)]) is None  # a span past the truncation holds no token


def test_int8_storage_keeps_cosines():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(50, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    back = dequantise(*quantise(vectors), 384)
    assert np.min(np.sum(vectors * back, axis=1)) > 0.999
    assert np.allclose(np.linalg.norm(back, axis=1), 1.0, atol=1e-5)


def test_spans_locate_each_sentence_in_the_embedded_text():
    body = "The council met on Tuesday  in the old hall.\nIt voted to cut bus fares by ten percent."
    text = f"Headline\n{body}"
    digest, spans = spans_in(body, len(text) - len(body))
    sentences = split_sentences(body)
    assert digest == sentences_digest(sentences) and len(spans) == len(sentences) == 2
    for sentence, (a, b) in zip(sentences, spans):
        assert " ".join(text[a:b].split()) == sentence


def test_store_round_trip_delete_and_model_change(tmp_path):
    path = tmp_path / "s.sqlite3"
    store = SentenceVectorStore(path, "model-a")
    rows = np.eye(3, 8, dtype=np.float32)
    store.put({"c1": ChunkSentences("d1", rows), "c2": ChunkSentences("d2", rows[:1])})
    got = store.get(["c1", "c2", "absent"])
    assert set(got) == {"c1", "c2"} and got["c1"].digest == "d1"
    assert np.allclose(got["c1"].vectors, rows, atol=1e-3) and got["c2"].vectors.shape == (1, 8)
    store.delete(["c1"])
    assert set(store.get(["c1", "c2"])) == {"c2"}
    store.close()
    # Vectors of another model are not comparable: opening the file for it starts empty.
    other = SentenceVectorStore(path, "model-b")
    assert other.count() == 0


def test_unreadable_file_means_no_stored_vectors(tmp_path):
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"not a database at all" * 100)
    assert SentenceVectorStore(path, "m").get(["c1"]) == {}


def test_pick_drops_a_sentence_that_only_repeats_one_picked():
    def item(text, support, coverage=0.5):
        return Evidence(text, 0, support, coverage, terms=frozenset(text.lower().split()))

    evidence = [
        item("the parade is on september 3 in beijing", 0.9),
        item("the parade in beijing is on september 3", 0.85),  # same words: adds nothing
        item("kim jong un will attend with putin", 0.8),
    ]
    assert [evidence[i].sentence for i in pick(evidence)] == [evidence[0].sentence, evidence[2].sentence]
    # Words the question asked for are in every answer; only what a sentence adds beyond them counts.
    storms = [
        item("a storm knocked out power to puerto rico last year", 0.9),
        item("storm ernesto knocked out power to puerto rico on wednesday", 0.85),
    ]
    asked = frozenset("which storm knocked out power to puerto rico".split())
    assert pick(storms) == [0] and pick(storms, asked) == [0, 1]
    # A sentence that shares none of the question's words is not added, however alike its vector.
    unrelated = [storms[0], item("crews worked through the night at the pumping stations", 0.85, coverage=0.0)]
    assert pick(unrelated, asked) == [0]


@pytest.fixture(scope="module")
def indexed(seed_assistant):
    return seed_assistant


def stored_chunks(assistant):
    return {
        cid: doc
        for ids, _, docs in assistant.store.scan(include=["documents", "metadatas"])
        for cid, doc in zip(ids, docs)
    }


def test_every_chunk_gets_its_sentences_vectors_from_its_own_pass(indexed, real_embedder):
    chunks = stored_chunks(indexed)
    stored = indexed.sentence_store.get(list(chunks))
    assert set(stored) == set(chunks)
    for cid, text in chunks.items():
        sentences = split_sentences(text)
        assert stored[cid].digest == sentences_digest(sentences) and len(stored[cid].vectors) == len(sentences)
    # The chunk vectors from that pass are the ones `embed` gives.
    texts = [f"North Korea Joins Global Leaders at Beijing's Military Parade\n{text}" for text in chunks.values()]
    plain = real_embedder.embed(texts)
    with_spans, _ = real_embedder.embed_with_spans(texts, [None] * len(texts))
    assert np.min(np.sum(plain * with_spans, axis=1)) > 0.9999


def test_a_stored_sentence_vector_is_nearer_its_own_sentence_than_the_others(indexed, real_embedder):
    # Pooled in context, a sentence's vector also carries its headline and neighbours, so it is
    # not its standalone vector; it must still resemble its own sentence most.
    checked = 0
    for cid, text in stored_chunks(indexed).items():
        sentences = split_sentences(text)
        if len(sentences) < 3:
            continue
        live = real_embedder.embed(sentences)
        sims = indexed.sentence_store.get([cid])[cid].vectors @ live.T
        own = np.diag(sims)
        others = (sims.sum() - own.sum()) / (sims.size - len(own))
        assert own.mean() > others + 0.05, sims.round(2)
        checked += 1
    assert checked


def embedded_texts(embedder, monkeypatch) -> list[str]:
    """Every text `embedder.embed` is given from now on."""
    seen: list[str] = []
    real = embedder.embed

    def recording(texts, *args, **kwargs):
        seen.extend(texts)
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(embedder, "embed", recording)
    return seen


def test_an_answer_embeds_no_stored_sentence(indexed, real_embedder, monkeypatch):
    # The question (for retrieval, and its stem for the sentences) and the short answer's candidates
    # are embedded; the passages' sentences come from the store.
    seen = embedded_texts(real_embedder, monkeypatch)
    answer = indexed.answer("What share of North Korea's trade does China account for?")
    assert "98%" in answer.text and answer.citations
    sentences = {s for text in stored_chunks(indexed).values() for s in split_sentences(text)}
    assert seen and not sentences & set(seen)


def test_stale_or_missing_vectors_fall_back_to_embedding_the_sentences(indexed, real_embedder, monkeypatch):
    question = "What share of North Korea's trade does China account for?"
    expected = indexed.answer(question)
    db = sqlite3.connect(indexed.sentence_store.path)
    saved = db.execute("SELECT chunk_id, digest FROM vectors").fetchall()
    db.execute("UPDATE vectors SET digest = 'other splitter'")
    db.commit()
    try:
        seen = embedded_texts(real_embedder, monkeypatch)
        answer = indexed.answer(question)
        sentences = {s for text in stored_chunks(indexed).values() for s in split_sentences(text)}
        assert sentences & set(seen)  # the sentences were embedded instead
        assert "98%" in answer.text and [c.chunk_id for c in answer.citations] == [
            c.chunk_id for c in expected.citations
        ]
    finally:
        db.executemany("UPDATE vectors SET digest = ? WHERE chunk_id = ?", [(d, c) for c, d in saved])
        db.commit()
        db.close()


def test_removed_and_rebuilt_articles_leave_no_rows_behind(tmp_path, real_embedder):
    seeds = seed_folder(tmp_path)
    extra = seeds / "extra.md"
    extra.write_text(md("A short note", ["The bridge on Main Street will close for repairs next week."]))
    assistant = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=real_embedder)
    assistant.index()
    assert assistant.sentence_store.count() == assistant.store.count()
    extra.unlink()
    assistant.index()
    assert assistant.sentence_store.count() == assistant.store.count()
    assistant.index(full=True)
    assert assistant.sentence_store.count() == assistant.store.count()
