"""The naive LangChain pipeline a user would build in an afternoon, as the yardstick for eval and bench.

RecursiveCharacterTextSplitter(1000, 150) + HuggingFaceEmbeddings (same model) + Chroma,
`similarity_search`, and the offered choice that appears most in the top passages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..articles import Article
from ..embedding.models import model_path
from .metrics import normalise

COLLECTION = "naive"
ANSWER_PASSAGES = 5


@dataclass
class NaiveHit:
    article_id: str
    text: str
    published: str


class NaivePipeline:
    """The yardstick: in an embedded Chroma folder, or in a collection of a Chroma server's `client`."""

    def __init__(
        self, folder: Path, model: str = "all-MiniLM-L6-v2", *, client: Any = None, collection: str = COLLECTION
    ):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from langchain_huggingface import HuggingFaceEmbeddings

        self.folder = Path(folder)
        self.embeddings = HuggingFaceEmbeddings(model_name=str(model_path(model)), model_kwargs={"device": "cpu"})
        self.client = client
        self.collection = collection
        self._db: Any = None

    @property
    def db(self) -> Any:
        if self._db is None:
            import chromadb
            from langchain_chroma import Chroma

            client = self.client or chromadb.PersistentClient(
                path=str(self.folder), settings=chromadb.Settings(anonymized_telemetry=False)
            )
            self._db = Chroma(client=client, collection_name=self.collection, embedding_function=self.embeddings)
        return self._db

    def count(self) -> int:
        """Chunks stored."""
        return len(self.db.get(include=[])["ids"])

    def build(self, articles: Sequence[Article], batch: int = 2000) -> int:
        """Split and embed every article; the usual from_documents, in batches Chroma accepts."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=150)
        docs = splitter.create_documents(
            [a.text for a in articles],
            metadatas=[
                {"article_id": a.id, "published": a.published.isoformat() if a.published else ""} for a in articles
            ],
        )
        for i in range(0, len(docs), batch):
            self.db.add_documents(docs[i : i + batch])
        return len(docs)

    def search(self, question: str, k: int = 10) -> list[NaiveHit]:
        return [
            NaiveHit(d.metadata["article_id"], d.page_content, d.metadata.get("published", ""))
            for d in self.db.similarity_search(question, k=k)
        ]

    def choose(self, question: str, choices: Sequence[str], hits: Sequence[NaiveHit]) -> str | None:
        """The choice named most often in the top passages; ties and silence go to the closest by cosine."""
        top = [normalise(h.text) for h in hits[:ANSWER_PASSAGES]]
        votes = [sum(t.count(normalise(c)) for t in top) for c in choices]
        best = max(votes) if votes else 0
        tied = [c for c, v in zip(choices, votes) if v == best]
        if len(tied) == 1 and best > 0:
            return tied[0]
        if not hits:
            return None
        texts = [h.text for h in hits[:ANSWER_PASSAGES]]
        vectors = np.array(self.embeddings.embed_documents(texts + list(tied)))
        passages, options = vectors[: len(texts)], vectors[len(texts) :]
        scores = (options @ passages.T).max(axis=1)
        return tied[int(np.argmax(scores))]
