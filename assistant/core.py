"""The Assistant: one object wiring reading, indexing, retrieval and answering for every face."""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Iterator

from .answers import Answer, Passage
from .articles import ReadResult
from .chunking import Chunker, cached_chunker
from .embedding import Embedder, SentenceEmbedder, tokenizer_file
from .extractive import ExtractiveAnswerer
from .indexing import IndexPlan, IndexReport, Progress, apply, index_lock, plan, refresh_lexical
from .lexical import LexicalIndex
from .questions import Question, follow_up_context, parse_question, standalone_query
from .retrieval import Filters, Ranking, Retriever
from .sentence_vectors import SentenceVectorStore
from .settings import Settings
from .store import Store

DateLike = date | datetime | str | None


class Assistant:
    def __init__(
        self,
        seeds_dir: str | Path | None = None,
        index_dir: str | Path | None = None,
        chroma_url: str | None = None,
        *,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        chat_model: Any = None,
        **overrides: Any,
    ):
        """Settings come from the environment and config file unless given; keyword arguments win.

        `chat_model` (any LangChain chat model) answers instead of the backend the settings name.
        """
        named = {"seeds_dir": seeds_dir, "index_dir": index_dir, "chroma_url": chroma_url, **overrides}
        if settings is None:
            settings = Settings.load(**named)
        else:
            settings = settings._with({k: v for k, v in named.items() if v is not None})
        self.settings = settings
        self.embedder = embedder or SentenceEmbedder(
            settings.embedding_model, settings.embedding_batch_size, settings.device, settings.embedding_dtype
        )
        self._store: Store | None = None
        self._lexical: LexicalIndex | None = None
        self._sentence_store: SentenceVectorStore | None = None
        self._lock = threading.RLock()
        self._chat_model = chat_model
        self._chat_model_ready = chat_model is not None

    # --- index -----------------------------------------------------------------------------

    @property
    def build_settings(self) -> dict[str, Any]:
        """What the stored vectors depend on; an index built otherwise must be rebuilt."""
        s = self.settings
        return {"embedding_model": s.embedding_model, "chunk_tokens": s.chunk_tokens, "chunk_overlap": s.chunk_overlap}

    @property
    def store(self) -> Store:
        if self._store is None:
            s = self.settings
            self._store = Store(s.index_dir, s.collection, self.build_settings, s.chroma_url)
        return self._store

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
        from .read_cache import ReadCache
        from .readers import read_folder

        cache = ReadCache(self.settings.index_dir / "read-cache.sqlite3", fresh=fresh, update=update)
        return read_folder(self.settings.seeds_dir, cache)

    def plan(self) -> IndexPlan:
        found = self.read()
        return plan(found.articles, found.bad, self.store.articles())

    def index(self, *, full: bool = False, dry_run: bool = False, progress: Progress | None = None) -> IndexReport:
        """Apply exactly the difference between the seeds folder and the index."""
        with self._lock, index_lock(self.settings.index_dir):
            found = self.read(update=not dry_run, fresh=full and not dry_run)
            if full and not dry_run:
                self.store.reset()
                self.sentence_store.reset()
            stored = {} if full else self.store.articles()
            the_plan = plan(found.articles, found.bad, stored)
            the_plan.notes = found.notes
            if dry_run:
                return IndexReport(plan=the_plan, chunks_total=self.store.count(), dry_run=True)
            report = apply(
                the_plan,
                stored,
                self.store,
                self.chunker,
                self.embedder,
                self.lexical_dir,
                progress=progress,
                sentence_store=self.sentence_store,
            )
            self._lexical = None
            return report

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the seeds folder on first use."""
        if self.store.count() == 0 and self.settings.seeds_dir.is_dir():
            return self.index(progress=progress)
        return None

    @property
    def lexical(self) -> LexicalIndex:
        with self._lock:
            if self._lexical is None:
                self._lexical = refresh_lexical(self.store, self.lexical_dir, save=False)
            return self._lexical

    def outlets(self) -> list[str]:
        """The outlets that published the indexed articles, for filtering by source."""
        if self.store.count() == 0:
            return []
        return sorted({s for s in self.lexical.rows.sources if s}, key=str.lower)

    # --- questions -------------------------------------------------------------------------

    def retrieve(
        self,
        question: str,
        history: Any = None,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: str | Iterable[str] | None = None,
        k: int | None = None,
    ) -> list[Passage]:
        filters = make_filters(as_of, since, until, sources)
        query = standalone_query(question, history)
        return self.retriever().search(query, k=k or self.settings.top_k, filters=filters)

    def retriever(self) -> Retriever:
        s = self.settings
        ranking = Ranking(
            dense_weight=s.dense_weight,
            recency_weight=s.recency_weight,
            half_life_days=s.half_life_days,
            window_weight=s.window_weight,
        )
        return Retriever(
            self.store, self.embedder, self.lexical, candidates=s.candidates, per_article=s.per_article, ranking=ranking
        )

    def answer(
        self,
        question: str,
        history: Any = None,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: str | Iterable[str] | None = None,
        choices: Iterable[str] | None = None,
    ) -> Answer:
        filters = make_filters(as_of, since, until, sources)
        refusal = self.refusal(question, filters)
        if refusal:
            return refusal
        if self.chat_model is not None:
            # The generative path streams; an answer is its last item, so both faces agree.
            *_, result = self.generative().stream(question, history, filters, choices)
            return result
        parsed = parse_question(question, list(choices) if choices else None)
        context = follow_up_context(parsed.text, history)
        query = f"{context} {parsed.text}" if context else parsed.text
        passages = self.retriever().search(query, k=self.settings.top_k, filters=filters)
        return self.extractive_answer(parsed, passages, context, filters)

    def refusal(self, question: Any, filters: Filters) -> Answer | None:
        """The answer to a question that cannot be asked (empty, too long) or to an empty index."""
        problem = self.check_question(question)
        if problem:
            return Answer(question=question or "", text=problem, abstained=True, as_of=filters.as_of)
        if self.store.count() == 0:
            text = (
                f"The index is empty. Add article files (txt, md, html, json, jsonl) to "
                f"{self.settings.seeds_dir}/ and run `news-assistant index`."
            )
            return Answer(question=question, text=text, abstained=True, as_of=filters.as_of)
        return None

    def extractive_answer(self, parsed: Question, passages: list[Passage], context: str, filters: Filters) -> Answer:
        """The offline answer from these passages: the default, and the generative path's safety net."""
        answerer = ExtractiveAnswerer(self.embedder, self.lexical.idf, self.sentence_store.get)
        result = answerer.answer(parsed, passages, context=context)
        return replace(result, as_of=filters.as_of)

    # --- the generative path ---------------------------------------------------------------

    @property
    def chat_model(self) -> Any:
        """The LangChain chat model the settings configure (built on first use), or None: extractive only."""
        with self._lock:
            if not self._chat_model_ready:
                # No LLM configured (the default): leave LangChain's chat stack unimported, it
                # would add ~0.5 s to every `news-assistant ask`.
                if self.settings.llm.strip():
                    from .llm import make_chat_model

                    self._chat_model = make_chat_model(self.settings)
                self._chat_model_ready = True
            return self._chat_model

    def generative(self):
        """The generative answerer over this assistant's retrieval, embedder and prompts."""
        from .generative import GenerativeAnswerer
        from .llm import backend_name

        backend = backend_name(self.settings.llm) if self.settings.llm else None
        name = backend or getattr(self.chat_model, "_llm_type", "custom")
        return GenerativeAnswerer(self, self.chat_model, name, self.prompts)

    @cached_property
    def prompts(self):
        """The prompt templates, read from their files once rather than for every question."""
        from .prompting import load_prompts

        return load_prompts(self.settings.prompts_dir)

    def as_retriever(
        self,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: str | Iterable[str] | None = None,
        k: int | None = None,
        filters: Filters | None = None,
    ):
        """This assistant's retrieval as a LangChain BaseRetriever (Documents carry the passage metadata)."""
        from .langchain_retriever import NewsRetriever

        filters = filters or make_filters(as_of, since, until, sources)
        return NewsRetriever(assistant=self, filters=filters, k=k or self.settings.top_k)

    def stream(
        self,
        question: str,
        history: Any = None,
        **options: Any,
    ) -> Iterator[str | Answer]:
        """The answer as it is produced: text pieces (str) to append, then the finished Answer.

        Takes the same options as `answer`. The pieces joined equal the final Answer's text, except
        when a model fails part-way through: then the final Answer (the extractive one) replaces them.
        """
        unknown = set(options) - {"as_of", "since", "until", "sources", "choices"}
        if unknown:
            raise TypeError(f"stream() got unexpected option(s): {', '.join(sorted(unknown))}")
        if self.chat_model is not None:
            filters = make_filters(*(options.get(k) for k in ("as_of", "since", "until", "sources")))
            refusal = self.refusal(question, filters)
            if refusal is None:
                # Checked sentences as they complete; see generative.py for what is held back and why.
                yield from self.generative().stream(question, history, filters, options.get("choices"))
                return
        result = self.answer(question, history, **options)
        for piece in text_pieces(result.text):
            yield piece
        yield result

    def check_question(self, question: Any) -> str | None:
        if not isinstance(question, str) or not question.strip():
            return "Please ask a question about the news in the indexed articles."
        limit = self.settings.max_question_chars
        if len(question) > limit:
            return f"That question is {len(question):,} characters long; the limit is {limit:,}. Please shorten it."
        return None


def text_pieces(text: str) -> Iterator[str]:
    """Split a finished text into word-sized pieces that join back to it exactly."""
    start = 0
    for match in re.finditer(r"\S+\s*", text):
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]


def make_filters(as_of: DateLike, since: DateLike, until: DateLike, sources: str | Iterable[str] | None) -> Filters:
    if isinstance(sources, str):
        sources = [s for s in sources.split(",") if s.strip()]
    return Filters(
        as_of=to_date(as_of),
        since=to_date(since),
        until=to_date(until),
        sources=tuple(s.strip() for s in sources or ()),
    )


def to_date(value: DateLike) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"Not a date: {value!r} (use YYYY-MM-DD)") from None
