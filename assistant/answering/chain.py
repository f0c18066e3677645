"""The generative chain in LangChain terms: retriever -> prompt -> chat model -> parser, for use in one's own code."""

from __future__ import annotations

from datetime import date
from operator import itemgetter

from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnablePassthrough

from ..searching.langchain_retriever import passage_from_document
from .prompting import Prompts, format_sources


def retrieval_step(retriever: Runnable) -> Runnable:
    """{"question"} -> the same dict with "documents" from the retriever."""
    return RunnablePassthrough.assign(documents=itemgetter("question") | retriever)


def answer_step(model: Runnable, prompts: Prompts) -> Runnable:
    """{"question", "passages"[, "today"]} -> prompt -> model: message chunks, token by token.

    No parser after the model here: a LangChain stream closed early is drained by any step
    after the model, which would keep generating for a reader who has gone.
    """
    return (
        RunnablePassthrough.assign(
            sources=lambda x: format_sources(x["passages"]),
            today=lambda x: x.get("today") or date.today().isoformat(),
        )
        | prompts.answer
        | model
    )


def build_chain(retriever: Runnable, model: Runnable, prompts: Prompts) -> Runnable:
    """The whole chain, retriever -> prompt -> model -> parser: {"question": ...} in, unchecked answer text out.

    The Assistant runs the answer step on its own search's passages, so it can see them before
    the model answers and check the answer against them; this is the same chain for one's own code.
    """
    passages = RunnablePassthrough.assign(passages=lambda x: [passage_from_document(d) for d in x["documents"]])
    return retrieval_step(retriever) | passages | answer_step(model, prompts) | StrOutputParser()
