"""The Assistant: the one object every face uses, wiring the archive, search and the answerers together."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .answering.extractive import ExtractiveAnswerer
from .answering.questions import query_for, question_problem
from .answers import Answer, Passage, text_pieces
from .articles import ReadResult
from .briefing.overview import read_overview as is_overview
from .embedding.embedder import Embedder, SentenceEmbedder
from .reading.chunking import Chunker
from .searching.filters import DateLike, Filters, make_filters
from .searching.retriever import Ranking, Retriever
from .settings import Settings
from .storing.archive import Archive
from .storing.bm25 import LexicalIndex
from .storing.indexing import IndexPlan, IndexReport, Planned, Progress
from .storing.sentence_vectors import SentenceVectorStore
from .storing.store import Store

if TYPE_CHECKING:
    from .answering.generative import GenerativeAnswerer
    from .answering.prompting import Prompts
    from .briefing.briefer import Briefer
    from .briefing.grouping import StoryIndex
    from .briefings import Briefing
    from .searching.langchain_retriever import NewsRetriever

Sources = str | Iterable[str] | None
OPTIONS = ("as_of", "since", "until", "sources", "choices")


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
        self.embedder: Embedder = embedder or SentenceEmbedder(
            settings.embedding_model, settings.embedding_batch_size, settings.device, settings.embedding_dtype
        )
        self.archive = Archive(settings, self.embedder)
        self._lock = threading.RLock()
        self._chat_model = chat_model
        self._chat_model_ready = chat_model is not None
        self._stories: StoryIndex | None = None

    # --- the index (see storing/archive.py) ---------------------------------------------------

    @property
    def store(self) -> Store:
        return self.archive.store

    @property
    def chunker(self) -> Chunker:
        return self.archive.chunker

    @property
    def lexical_dir(self) -> Path:
        return self.archive.lexical_dir

    @property
    def sentence_store(self) -> SentenceVectorStore:
        return self.archive.sentence_store

    @property
    def lexical(self) -> LexicalIndex:
        return self.archive.lexical

    def read(self, *, update: bool = False, fresh: bool = False) -> ReadResult:
        return self.archive.read(update=update, fresh=fresh)

    def plan(self) -> IndexPlan:
        return self.archive.plan()

    def index(
        self,
        *,
        full: bool = False,
        dry_run: bool = False,
        progress: Progress | None = None,
        planned: Planned | None = None,
    ) -> IndexReport:
        """Apply exactly the difference between the seeds folder and the index, stories included.

        `planned` is called with the plan before anything is written; `progress` with
        (articles embedded, articles to embed)."""
        report = self.archive.update(full=full, dry_run=dry_run, progress=progress, planned=planned)
        if not dry_run:
            self.stories(save=True)
        return report

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the seeds folder on first use."""
        report = self.archive.ensure(progress)
        if report is not None:
            self.stories(save=True)
        return report

    def outlets(self) -> list[str]:
        """The outlets that published the indexed articles, for filtering by source."""
        return self.archive.outlets()

    # --- stories and briefings (see briefing/) -------------------------------------------------

    def stories(self, *, save: bool = False) -> StoryIndex:
        """The indexed articles grouped into stories, brought up to date when the index changed."""
        from .briefing.briefer import current_stories, stories_path

        with self._lock:
            path = stories_path(self.settings.index_dir, self.settings.collection)
            self._stories, _ = current_stories(path, self._stories, self.lexical, self.store.get, save=save)
            return self._stories

    def briefer(self) -> Briefer:
        from .briefing.briefer import Briefer

        def search(topic: str, filters: Filters, k: int) -> list[Passage]:
            return self.retriever().search(topic, k=k, filters=filters, today=self.today(filters))

        return Briefer(self.stories(), self.store.get, search, self.embedder.embed)

    def brief(
        self,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: Sources = None,
        topic: str = "",
        top: int = 10,
    ) -> Briefing:
        """The top stories of a window (default: the week up to now), or with `topic` the latest on it."""
        filters = make_filters(as_of, since, until, sources)
        return self.briefer().brief(self.today(filters), filters, topic=topic, top=top)

    # --- questions -------------------------------------------------------------------------

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

    def extractive(self) -> ExtractiveAnswerer:
        """The offline answerer over this index: the default, and the generative path's safety net."""
        threshold = self.settings.min_confidence
        return ExtractiveAnswerer(
            self.embedder, self.lexical.idf, self.sentence_store.get, None if threshold < 0 else threshold
        )

    def retrieve(
        self,
        question: str,
        history: Any = None,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: Sources = None,
        k: int | None = None,
    ) -> list[Passage]:
        filters = make_filters(as_of, since, until, sources)
        query = query_for(question, history)
        return self.retriever().search(
            query.text, k=k or self.settings.top_k, filters=filters, today=self.today(filters)
        )

    def answer(
        self,
        question: str,
        history: Any = None,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: Sources = None,
        choices: Iterable[str] | None = None,
    ) -> Answer:
        filters = make_filters(as_of, since, until, sources)
        refusal = self._refusal(question, filters)
        if refusal:
            return refusal
        if is_overview(question) is not None:  # "What happened this week?" and the like: a briefing
            briefed = self.briefer().answer(question, self.today(filters), filters)
            if briefed is not None:
                return briefed
        if self.chat_model is not None:
            # The generative path streams; an answer is its last item, so both faces agree.
            *_, result = self.generative().stream(question, history, filters, choices, self.today(filters))
            assert isinstance(result, Answer)
            return result
        query = query_for(question, history, list(choices) if choices else None)
        today = self.today(filters)
        passages = self.retriever().search(query.text, k=self.settings.top_k, filters=filters, today=today)
        result = self.extractive().answer(query.question, passages, query.context, today)
        return replace(result, as_of=filters.as_of, searched=query.text)

    def today(self, filters: Filters) -> date | None:
        """ "Now" for time words and recency: the as-of date, else the newest article's publication date."""
        return filters.as_of or self.archive.newest()

    def stream(self, question: str, history: Any = None, **options: Any) -> Iterator[str | Answer]:
        """The answer as it is produced: text pieces (str) to append, then the finished Answer.

        Takes the same options as `answer`. The pieces joined equal the final Answer's text, except
        when a model fails part-way through: then the final Answer (the extractive one) replaces them.
        """
        unknown = set(options) - set(OPTIONS)
        if unknown:
            raise TypeError(f"stream() got unexpected option(s): {', '.join(sorted(unknown))}")
        if self.chat_model is not None:
            filters = make_filters(*(options.get(k) for k in ("as_of", "since", "until", "sources")))
            if self._refusal(question, filters) is None and is_overview(question) is None:
                # Checked sentences as they complete; see generative.py for what is held back and why.
                yield from self.generative().stream(
                    question, history, filters, options.get("choices"), self.today(filters)
                )
                return
        result = self.answer(question, history, **options)
        yield from text_pieces(result.text)
        yield result

    def _refusal(self, question: Any, filters: Filters) -> Answer | None:
        """The answer to a question that cannot be asked (empty, too long) or to an empty index."""
        problem = question_problem(question, self.settings.max_question_chars)
        if problem:
            return Answer(question=question or "", text=problem, abstained=True, as_of=filters.as_of)
        if self.store.count() == 0:
            text = (
                f"The index is empty. Add article files (txt, md, html, json, jsonl) to "
                f"{self.settings.seeds_dir}/ and run `news-assistant index`."
            )
            return Answer(question=question, text=text, abstained=True, as_of=filters.as_of)
        return None

    # --- the generative path ---------------------------------------------------------------

    @property
    def chat_model(self) -> Any:
        """The LangChain chat model the settings configure (built on first use), or None: extractive only."""
        with self._lock:
            if not self._chat_model_ready:
                # No LLM configured (the default): leave LangChain's chat stack unimported, it
                # would add ~0.5 s to every `news-assistant ask`.
                if self.settings.llm.strip():
                    from .answering.chat_models import make_chat_model

                    self._chat_model = make_chat_model(self.settings)
                self._chat_model_ready = True
            return self._chat_model

    def generative(self) -> GenerativeAnswerer:
        """The generative answerer over this assistant's retrieval, extractive fallback, embedder and prompts."""
        from .answering.chat_models import backend_name
        from .answering.generative import GenerativeAnswerer

        backend = backend_name(self.settings.llm) if self.settings.llm else None
        name = backend or str(getattr(self.chat_model, "_llm_type", "custom"))
        return GenerativeAnswerer(
            retriever=self.retriever(),
            extractive=self.extractive(),
            embedder=self.embedder,
            idf=self.lexical.idf,
            settings=self.settings,
            model=self.chat_model,
            backend=name,
            prompts=self.prompts,
        )

    @cached_property
    def prompts(self) -> Prompts:
        """The prompt templates, read from their files once rather than for every question."""
        from .answering.prompting import load_prompts

        return load_prompts(self.settings.prompts_dir)

    def as_retriever(
        self,
        *,
        as_of: DateLike = None,
        since: DateLike = None,
        until: DateLike = None,
        sources: Sources = None,
        k: int | None = None,
        filters: Filters | None = None,
    ) -> NewsRetriever:
        """This assistant's retrieval as a LangChain BaseRetriever (Documents carry the passage metadata)."""
        from .searching.langchain_retriever import NewsRetriever

        filters = filters or make_filters(as_of, since, until, sources)
        return NewsRetriever(retriever=self.retriever(), filters=filters, k=k or self.settings.top_k)
