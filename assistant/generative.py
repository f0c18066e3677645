"""The generative path: condense, retrieve, prompt a chat model, stream it, check each sentence, fall back."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import date
from operator import itemgetter
from typing import Any, Iterable, Iterator

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnablePassthrough

from .answers import Answer, Passage
from .checking import CitationChecker, Composer, SentenceSplitter, claim_text
from .langchain_retriever import to_passage
from .metrics import names
from .prompting import Prompts, format_history, format_sources, instruction_like
from .questions import Question, follow_up_context, history_turns, parse_question

logger = logging.getLogger(__name__)
RETRY_PAUSE = 0.5  # seconds before the first retry, doubling after: a restarting server gets a moment
MAX_CONDENSED_CHARS = 400  # a "standalone question" longer than this is the model rambling


def retrieval_step(retriever: Runnable) -> Runnable:
    """{"question"} -> the same dict with "documents" from the retriever."""
    return RunnablePassthrough.assign(documents=itemgetter("question") | retriever)


def answer_step(model: Runnable, prompts: Prompts) -> Runnable:
    """{"question", "documents"[, "today"]} -> prompt -> model: message chunks, token by token.

    No parser after the model here: a LangChain stream closed early is drained by any step
    after the model, which would keep generating for a reader who has gone.
    """
    return (
        RunnablePassthrough.assign(
            sources=lambda x: format_sources([to_passage(d) for d in x["documents"]]),
            today=lambda x: x.get("today") or date.today().isoformat(),
        )
        | prompts.answer
        | model
    )


def build_chain(retriever: Runnable, model: Runnable, prompts: Prompts) -> Runnable:
    """The whole chain, retriever -> prompt -> model -> parser: {"question": ...} in, unchecked answer text out.

    The Assistant runs its two halves separately, so it can see the passages before the model
    answers and check the answer against them; this is the same chain for use in one's own code.
    """
    return retrieval_step(retriever) | answer_step(model, prompts) | StrOutputParser()


def failure_reason(exc: BaseException) -> str:
    """A short, fixed name for what went wrong, for Answer.path and the eval's path counts."""
    name, text = type(exc).__name__.lower(), str(exc).lower()
    if "context" in text and re.search(r"length|too long|exceed|window|maximum|too many tokens", text):
        return "context too long"
    if "no generation chunks" in text:  # LangChain's word for a stream that ended before any text
        return "empty output"
    if isinstance(exc, TimeoutError) or "timeout" in name or "timed out" in text:
        return "timeout"
    if isinstance(exc, ConnectionError) or "connect" in name or "connection" in text:
        return "server unreachable"
    return "model error"


def retryable(reason: str) -> bool:
    # The same prompt will not fit next time either, and at temperature 0 it gets the same silence.
    return reason not in ("context too long", "empty output")


class Deadline(BaseCallbackHandler):
    """Stops a generation from inside the model's token loop when its time is up, for every backend."""

    raise_error = True  # LangChain swallows callback errors unless told otherwise

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"the answer did not finish within {self.seconds:g} s")


def bounded(runnable: Runnable, state: dict, seconds: float) -> Iterator[str]:
    """The text of each streamed message chunk, under a Deadline; leaving early closes the model's stream."""
    chunks = runnable.stream(state, config={"callbacks": [Deadline(seconds)]})
    try:
        for chunk in chunks:
            text = chunk.content if isinstance(chunk.content, str) else chunk.text
            if text:
                yield text
    finally:
        chunks.close()


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

    def __init__(self, assistant: Any, model: Runnable, backend: str, prompts: Prompts):
        self.assistant = assistant
        self.model = model
        self.backend = backend
        self.prompts = prompts
        self.settings = assistant.settings

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
        self, question: str, history: Any, filters: Any, choices: Iterable[str] | None
    ) -> Iterator[str | Answer]:
        """Checked sentences as they complete, then the finished Answer (the extractive one on any failure)."""
        parsed = parse_question(question, list(choices) if choices else None)
        context = follow_up_context(parsed.text, history)
        query = self.condense(parsed, history) or (f"{context} {parsed.text}" if context else parsed.text)
        today = (filters.as_of or date.today()).isoformat()
        state = retrieval_step(self.assistant.as_retriever(filters=filters)).invoke({"question": query, "today": today})
        passages = [to_passage(d) for d in state["documents"]]
        shown = withhold(passages)
        state = {**state, "documents": [d for d, p in zip(state["documents"], passages) if p in shown]}

        def fall_back(reason: str, yielded: bool) -> Iterator[str | Answer]:
            from .core import text_pieces

            answer = self.assistant.extractive_answer(parsed, passages, context, filters)
            answer = replace(answer, path=f"extractive (fallback: {reason})")
            if not yielded:
                yield from text_pieces(answer.text)
            yield answer

        if not shown:
            yield from fall_back("nothing retrieved", False)
            return

        s = self.settings
        checker = CitationChecker(self.assistant.embedder, self.assistant.lexical.idf, shown, s.min_support)
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
        )
