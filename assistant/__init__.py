"""News assistant: answers questions about news articles and cites its sources."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .answers import Answer, Citation, Passage
    from .core import Assistant

__all__ = ["Answer", "Assistant", "Citation", "Passage", "answer", "default_assistant"]

_default = None
_default_lock = threading.Lock()


def default_assistant() -> "Assistant":
    """The assistant configured from the environment, with its index built on first use."""
    global _default
    with _default_lock:
        if _default is None:
            from .core import Assistant

            _default = Assistant()
            _default.ensure_index()
        return _default


def answer(question: str, history: Any = None, **options: Any) -> "Answer":
    """Answer a question from the indexed articles; see Assistant.answer for the options."""
    return default_assistant().answer(question, history, **options)


def __getattr__(name: str) -> Any:
    # Lazy, so `import assistant` stays fast and loads no model.
    if name == "Assistant":
        from .core import Assistant

        return Assistant
    if name in {"Answer", "Citation", "Passage"}:
        from . import answers

        return getattr(answers, name)
    raise AttributeError(name)
