"""The Archive: the seeds folder and its index (Chroma, BM25, chunk mirror, sentence vectors) kept in step."""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from ..articles import ReadResult
from ..embedding.embedder import Embedder
from ..embedding.models import tokenizer_file
from ..reading.chunking import Chunker, cached_chunker
from ..reading.folder import code_version, read_folder
from ..reading.read_cache import ReadCache
from ..settings import Settings
from .bm25 import LexicalIndex
from .indexing import IndexBusy, IndexPlan, IndexReport, Planned, Progress, apply, index_lock, plan
from .lexical_sync import refresh_lexical
from .sentence_vectors import SentenceVectorStore
from .store import Store, StoredArticle


class Archive:
    """Everything indexed from one seeds folder, and the rebuild that brings it up to date.

    Rebuilds take the index folder's lock; readers of the BM25 index get the one that matches
    the store, reloaded after each rebuild.
    """

    def __init__(self, settings: Settings, embedder: Embedder):
        self.settings = settings
        self.embedder = embedder
        self._store: Store | None = None
        self._lexical: LexicalIndex | None = None
        self._sentence_store: SentenceVectorStore | None = None
        self._lock = threading.RLock()

    @property
    def build_settings(self) -> dict[str, Any]:
        """What the stored vectors depend on; an index built otherwise must be rebuilt."""
        s = self.settings
        return {"embedding_model": s.embedding_model, "chunk_tokens": s.chunk_tokens, "chunk_overlap": s.chunk_overlap}

    @property
    def store(self) -> Store:
        if self._store is None:
            s = self.settings
            store = Store(s.index_dir, s.collection, self.build_settings, s.chroma_url)
            if not store.exists():
                self._finish_switch(store)
            self._store = store
        return self._store

    def _finish_switch(self, store: Store) -> None:
        """A full rebuild stopped between dropping the live collection and renaming its new one: finish it."""
        try:
            with index_lock(self.settings.index_dir):
                store.finish_take_over()
        except IndexBusy:
            pass  # the rebuild is still running, and finishes the switch itself

    @property
    def chunker(self) -> Chunker:
        s = self.settings
        return cached_chunker(tokenizer_file(s.embedding_model), s.chunk_tokens, s.chunk_overlap)

    @property
    def lexical_dir(self) -> Path:
        return self.settings.index_dir / "lexical" / self.settings.collection

    @property
    def sentence_store(self) -> SentenceVectorStore:
        """Sentence vectors from indexing, so answers embed only the question (see sentence_vectors.py)."""
        if self._sentence_store is None:
            s = self.settings
            path = s.index_dir / "sentences" / f"{s.collection}.sqlite3"
            self._sentence_store = SentenceVectorStore(path, s.embedding_model)
        return self._sentence_store

    def read(self, *, update: bool = False, fresh: bool = False) -> ReadResult:
        """The seeds folder's articles, unchanged files and records taken from the read cache beside
        the index. Only a rebuild (`update`) writes that cache; `fresh` starts it over."""
        path = self.settings.index_dir / "read-cache.sqlite3"
        cache = ReadCache(path, code_version(), fresh=fresh, update=update)
        return read_folder(self.settings.seeds_dir, cache, links_outside=self.settings.follow_links_outside)

    def plan(self) -> IndexPlan:
        found = self.read()
        return plan(found.articles, found.bad, self.store.articles())

    def update(
        self,
        *,
        full: bool = False,
        dry_run: bool = False,
        progress: Progress | None = None,
        planned: Planned | None = None,
    ) -> IndexReport:
        """Apply exactly the difference between the seeds folder and the index; `planned` hears the plan first."""
        with self._lock, index_lock(self.settings.index_dir):
            if full and not dry_run:
                return self._rebuild_beside(progress, planned)
            found = self.read(update=not dry_run)
            stored = {} if full else self.store.articles()
            the_plan = self._announced(found, stored, planned)
            if dry_run:
                return IndexReport(plan=the_plan, chunks_total=self.store.count(), dry_run=True)
            report = self._apply_to(self, the_plan, stored, progress)
            self._lexical = None
            return report

    @staticmethod
    def _announced(found: ReadResult, stored: dict[str, StoredArticle], planned: Planned | None) -> IndexPlan:
        """The plan from what was read to what is stored, with the reading's notes; `planned` hears it first."""
        the_plan = plan(found.articles, found.bad, stored)
        the_plan.notes = found.notes
        if planned:
            planned(the_plan)
        return the_plan

    def _apply_to(
        self, target: Archive, the_plan: IndexPlan, stored: dict[str, StoredArticle], progress: Progress | None
    ) -> IndexReport:
        """Embed and write `the_plan` into `target`'s collection, BM25 rows and sentence vectors."""
        return apply(
            the_plan,
            stored,
            target.store,
            self.chunker,
            self.embedder,
            target.lexical_dir,
            progress=progress,
            sentence_store=target.sentence_store,
        )

    def _rebuild_beside(self, progress: Progress | None, planned: Planned | None = None) -> IndexReport:
        """Every article embedded into a collection beside the live one, which keeps answering
        until the new one is complete and takes its place (the lock is held by the caller)."""
        staged = Archive(replace(self.settings, collection=self.store.staged_name), self.embedder)
        staged.store.reset()
        staged.sentence_store.reset()
        shutil.rmtree(staged.lexical_dir, ignore_errors=True)
        the_plan = self._announced(self.read(update=True, fresh=True), {}, planned)
        report = self._apply_to(staged, the_plan, {}, progress)
        # The live BM25 index and sentence vectors go first: with the same chunk ids they would
        # look valid for the new collection, yet may hold another model's vectors.
        shutil.rmtree(self.lexical_dir, ignore_errors=True)
        self.sentence_store.reset()
        self.store.take_over(staged.store)
        self.sentence_store.replace_rows(staged.sentence_store)
        if staged.lexical_dir.exists():
            staged.lexical_dir.rename(self.lexical_dir)
        for table in (staged.store.mirror, staged.sentence_store):
            table.close()
            for suffix in ("", "-wal", "-shm"):
                table.path.with_name(table.path.name + suffix).unlink(missing_ok=True)
        self._store = self._lexical = None
        report.chunks_total = self.store.count()
        return report

    def ensure(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the seeds folder on first use."""
        if self.store.count() == 0 and self.settings.seeds_dir.is_dir():
            return self.update(progress=progress)
        return None

    @property
    def lexical(self) -> LexicalIndex:
        current = self._lexical
        if current is not None:
            # Without the lock: a question asked while a rebuild holds it answers from the index
            # as it was (chunks written since are judged by their own metadata, see retriever.py).
            return current
        with self._lock:
            if self._lexical is None:
                self._lexical = refresh_lexical(self.store, self.lexical_dir, save=False)
            return self._lexical

    def outlets(self) -> list[str]:
        """The outlets that published the indexed articles, for filtering by source."""
        if self.store.count() == 0:
            return []
        return sorted({s for s in self.lexical.rows.sources if s}, key=str.lower)

    def article_count(self) -> int:
        """How many articles the index holds."""
        if self.store.count() == 0:
            return 0
        return len(set(self.lexical.rows.article_ids))

    def newest(self) -> date | None:
        """The newest publication date in the index: "now" when no as-of date is given."""
        if self.store.count() == 0:
            return None
        days = self.lexical.rows.days
        newest = int(days.max()) if len(days) else 0
        return date.fromordinal(newest) if newest > 0 else None
