"""The generative path: condense, retrieve, prompt a chat model, stream it, check each sentence, fall back."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import date
from typing import Any, Callable, Iterable, Iterator

from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable

from ..answers import Answer, Passage, text_pieces
from ..embedding.embedder import Embedder
from ..searching.filters import Filters
from ..searching.retriever import Retriever
from ..settings import Settings
from .chain import answer_step
from .checking import CitationChecker, Composer, SentenceSplitter, claim_text
from .choosing import names
from .extractive import ExtractiveAnswerer
from .model_calls import Deadline, bounded, failure_reason, retryable
from .prompting import Prompts, format_history, instruction_like
from .questions import Question, history_turns, query_for

logger = logging.getLogger(__name__)
RETRY_PAUSE = 0.5  # seconds before the first retry, doubling after: a restarting server gets a moment
MAX_CONDENSED_CHARS = 400  # a "standalone question" longer than this is the model rambling


def withhold(passages: list[Passage]) -> list[Passage]:
    """The passages the model may see: one that addresses the model is an attack, and its "facts" the payload.

    The model never sees it, so nothing can cite it. (The extractive fallback only quotes, so it keeps all.)
    """
    shown = [p for p in passages if not instruction_like(p.text)]
    for p in passages:
        if p not in shown:
            logger.warning("Withheld from the model, instruction-like text: %s (%s, %s)", p.title, p.source, p.url)
    return shown


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


class GenerativeAnswerer:
    """Answers with a chat model, shows only what survives the citation check, and falls back to extractive."""

    def __init__(
        self,
        *,
        retriever: Retriever,
        extractive: ExtractiveAnswerer,
        embedder: Embedder,
        idf: Callable[[str], dict[str, float]],
        settings: Settings,
        model: Runnable,
        backend: str,
        prompts: Prompts,
    ):
        self.retriever = retriever
        self.extractive = extractive  # answers instead whenever the model cannot
        self.embedder = embedder  # and idf: what the citation check scores claims with
        self.idf = idf
        self.settings = settings
        self.model = model
        self.backend = backend
        self.prompts = prompts

    @property
    def path(self) -> str:
        return f"llm:{self.backend}"

    def condense(self, question: Question, history: Any) -> str | None:
        """A follow-up rewritten by the model to stand alone, or None (no history, options, or a failure)."""
        if not history_turns(history) or question.options:
            return None
        chain = self.prompts.condense | self.model.bind(stop=["\n"]) | StrOutputParser()
        try:
            inputs = {"history": format_history(history), "question": question.text}
            out = chain.invoke(inputs, config={"callbacks": [Deadline(self.settings.llm_timeout)]})
        except Exception as exc:  # noqa: BLE001 - any model failure means: use the heuristic
            logger.warning("Condensing the follow-up failed (%s: %s); searching with the heuristic", self.path, exc)
            return None
        line = next((s.strip() for s in out.splitlines() if s.strip()), "")
        line = re.sub(r"^(?:rewritten|standalone) question\s*:\s*", "", line, flags=re.I).strip(" \"'“”")
        if not line or len(line) > MAX_CONDENSED_CHARS:
            return None
        return line

    def stream(
        self,
        question: str,
        history: Any,
        filters: Filters,
        choices: Iterable[str] | None,
        today: date | None = None,
    ) -> Iterator[str | Answer]:
        """Checked sentences as they complete, then the finished Answer (the extractive one on any failure).

        `today` is "now": the as-of date, or the newest article's date.
        """
        query = query_for(question, history, list(choices) if choices else None)
        parsed = query.question
        searched = self.condense(parsed, history) or query.text
        now = today or filters.as_of or date.today()
        passages = self.retriever.search(searched, k=self.settings.top_k, filters=filters, today=now)
        shown = withhold(passages)
        state = {"question": searched, "today": now.isoformat(), "passages": shown}
        # The offline answer over the same passages: the safety net, and the short answer the model's text is checked for.
        offline = replace(self.extractive.answer(parsed, passages, query.context, now), searched=searched)

        def fall_back(reason: str, yielded: bool) -> Iterator[str | Answer]:
            answer = replace(offline, path=f"extractive (fallback: {reason})", as_of=filters.as_of)
            if not yielded:
                yield from text_pieces(answer.text)
            yield answer

        if not shown:
            yield from fall_back("nothing retrieved", False)
            return

        s = self.settings
        checker = CitationChecker(self.embedder, self.idf, shown, s.min_support)
        composer = Composer(shown, s.unsupported)
        splitter = SentenceSplitter()
        held: list[str] = []  # marked sentences wait for a supported one: an answer may yet fall back
        yielded = False
        declined = False
        raw = ""

        def take(sentence: str) -> list[str]:
            nonlocal declined
            check = checker.check(sentence)
            if not check.supported and _words(self.prompts.decline) in _words(claim_text(sentence)):
                declined = True
                return []
            text = composer.add(check)
            if text is None:
                return []
            if not check.supported and composer.supported == 0:
                held.append(text)
                return []
            out = held + [text]
            held.clear()
            return out

        failure: str | None = None
        for attempt in range(max(s.llm_retries, 0) + 1):
            try:
                for token in bounded(answer_step(self.model, self.prompts), state, s.llm_timeout):
                    raw += token
                    for sentence in splitter.feed(token):
                        for piece in take(sentence):
                            yield piece if not yielded else " " + piece
                            yielded = True
                for sentence in splitter.flush():
                    for piece in take(sentence):
                        yield piece if not yielded else " " + piece
                        yielded = True
                failure = None
                break
            except Exception as exc:  # noqa: BLE001 - whatever the model does, the user gets an answer
                failure = failure_reason(exc)
                logger.warning(
                    "The %s model failed (attempt %d, %s): %s: %s",
                    self.path,
                    attempt + 1,
                    failure,
                    type(exc).__name__,
                    exc,
                )
                if raw or not retryable(failure) or attempt == s.llm_retries:
                    break
                time.sleep(RETRY_PAUSE * 2**attempt)

        if failure is None and composer.supported == 0:
            failure = "declined" if declined else "empty output" if not raw.strip() else "no supported sentence"
        if failure is not None:
            if failure != "declined":
                logger.warning("Answering extractively instead of with %s: %s", self.path, failure)
            yield from fall_back(failure, yielded)
            return
        if composer.unsupported or composer.invalid:
            logger.info(
                "%s: %d sentence(s) unsupported (%s), %d marker(s) to sources not given removed",
                self.path,
                composer.unsupported,
                "dropped" if s.unsupported == "drop" else "marked",
                composer.invalid,
            )
        named = [o for o in parsed.options if names(composer.text, o)]
        yield Answer(
            question=question,
            text=composer.text,
            citations=composer.citations,
            passages=shown,
            path=self.path,
            choice=named[0] if len(named) == 1 else None,
            as_of=filters.as_of,
            short=offline.short if offline.short and names(composer.text, offline.short) else None,
            searched=searched,
        )
