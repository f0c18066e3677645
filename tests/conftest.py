"""Shared fixtures: a fake embedder for pure logic, the real model and a seed index for the rest; markers by fixture."""

import hashlib

import numpy as np
import pytest
from support import ROOT, SEED, seed_folder  # noqa: F401  (ROOT and SEED are imported from here by tests)

SHARED_EVAL = ROOT.parent / "shared" / "eval"
# A test that asks for one of these fixtures (directly or through another fixture) gets the marker,
# so the fast loop leaves it out without every test having to say so. Tests that load the model or
# start a server some other way (a child process, getfixturevalue) carry the marker themselves.
MARKED_BY_FIXTURE = {"real_embedder": "model", "server": "server"}
HEAVY = ("model", "server", "browser", "llm")


@pytest.hookimpl(tryfirst=True)  # before -m selects on the markers
def pytest_collection_modifyitems(items):
    for item in items:
        for fixture, marker in MARKED_BY_FIXTURE.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)
        # `slow` keeps its meaning, "not in make test-fast": every heavy test is slow too.
        if any(item.get_closest_marker(name) for name in HEAVY):
            item.add_marker("slow")


class FakeEmbedder:
    """Deterministic bag-of-words vectors, for tests of pure logic; counts what it embeds."""

    name = "fake"
    dim = 64

    def __init__(self):
        self.calls = 0
        self.texts: list[str] = []

    def embed(self, texts, *, progress=False):
        self.calls += len(texts)
        self.texts.extend(texts)
        return self._vectors(texts)

    def _vectors(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def embed_with_spans(self, texts, spans):
        """Each text's vector, and each span's own words embedded as a text of its own."""
        # Pooled from the same pass, as the real one: the spans are not counted as texts embedded.
        pooled = [None if s is None else self._vectors([text[a:b] for a, b in s]) for text, s in zip(texts, spans)]
        return self.embed(texts), pooled


@pytest.fixture
def fake_embedder():
    return FakeEmbedder()


@pytest.fixture(scope="session")
def real_embedder():
    from assistant.embedding.embedder import SentenceEmbedder

    return SentenceEmbedder("all-MiniLM-L6-v2")


@pytest.fixture
def seeds(tmp_path):
    """A seeds folder holding a copy of the user's seed article."""
    return seed_folder(tmp_path)


@pytest.fixture(scope="module")
def seed_assistant(tmp_path_factory, real_embedder):
    """The real thing: the seed article indexed with the packaged model in a Chroma folder."""
    from assistant.core import Assistant

    base = tmp_path_factory.mktemp("seed")
    assistant = Assistant(seeds_dir=seed_folder(base), index_dir=base / "index", embedder=real_embedder)
    assistant.index()
    return assistant


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real `chroma run` on 127.0.0.1, one per test module that asks for it."""
    from reliability_kit import ChromaServer

    base = tmp_path_factory.mktemp("chroma-run")
    chroma = ChromaServer(base / "data", base / "server.log").start()
    yield chroma
    chroma.stop()
