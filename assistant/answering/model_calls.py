"""Calling a chat model: a deadline inside its token loop, streamed text, and a short name for each way it fails."""

from __future__ import annotations

import re
import time
from typing import Any, Iterator

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import Runnable


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

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"the answer did not finish within {self.seconds:g} s")


def bounded(runnable: Runnable, state: dict, seconds: float) -> Iterator[str]:
    """The text of each streamed message chunk, under a Deadline; leaving early closes the model's stream."""
    chunks: Any = runnable.stream(state, config={"callbacks": [Deadline(seconds)]})  # a generator: closable
    try:
        for chunk in chunks:
            text = chunk.content if isinstance(chunk.content, str) else chunk.text
            if text:
                yield text
    finally:
        chunks.close()
