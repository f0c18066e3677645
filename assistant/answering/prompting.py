"""Load the prompt templates in prompts/ and lay out sources and history as delimited, numbered data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from ..answers import Passage
from ..settings import PROMPTS_DIR
from .questions import history_turns

MAX_GENERATED_SENTENCES = 4  # an answer, not an essay: each sentence must be checked against its source
HISTORY_TURNS = 3  # earlier turns shown to the condense prompt
HISTORY_CHARS = 300  # of each earlier answer: enough to name what it was about
# Sentences in an article that address an AI model rather than a reader: prompt injection, not news.
INSTRUCTION_LIKE = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}\b(?:instructions?|prompts?|rules|directions|above|"
    r"previous|prior|system)\b"
    r"|\b(?:system prompt|developer message|jailbreak)\b"
    r"|\byou are (?:now )?(?:an? |the )?(?:ai|assistant|chatbot|language model|llm)\b"
    r"|\b(?:ai|assistant|chatbot|language model|llm)s?\b[^.!?\n]{0,40}\b(?:must|should|shall|will)\s+"
    r"(?:say|answer|reply|respond|state|tell|cite|write)\b"
    r"|\b(?:new|updated) instructions?\s*:",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Prompts:
    """The generative path's templates, as LangChain chat prompt templates."""

    answer: Any  # ChatPromptTemplate: sources + question -> cited answer
    condense: Any  # ChatPromptTemplate: history + follow-up -> standalone question
    decline: str  # the exact reply the answer prompt asks for when the sources do not say


def load_prompts(folder: str | Path | None = None) -> Prompts:
    """Read the template files; a folder of one's own may replace any of them."""
    from langchain_core.prompts import ChatPromptTemplate

    folder = Path(folder) if folder else PROMPTS_DIR

    def read(name: str) -> str:
        path = folder / name
        if not path.is_file():
            path = PROMPTS_DIR / name  # a partial custom folder falls back to the shipped file
        return path.read_text(encoding="utf-8").strip()

    decline = read("decline.txt")
    answer = ChatPromptTemplate.from_messages(
        [("system", read("answer.system.txt")), ("human", read("answer.human.txt"))]
    ).partial(decline=decline, max_sentences=str(MAX_GENERATED_SENTENCES))
    condense = ChatPromptTemplate.from_messages(
        [("system", read("condense.system.txt")), ("human", read("condense.human.txt"))]
    )
    return Prompts(answer=answer, condense=condense, decline=decline)


def instruction_like(text: str) -> bool:
    """Whether the text speaks to an AI model ("ignore previous instructions ...") instead of to readers."""
    return bool(INSTRUCTION_LIKE.search(text))


def _attribute(value: str) -> str:
    return " ".join(value.replace('"', "'").replace("<", "‹").replace(">", "›").split())


def _body(value: str) -> str:
    # No angle brackets inside a source: its text cannot close the tag and pose as the prompt.
    return value.replace("<", "‹").replace(">", "›").strip()


def format_sources(passages: Sequence[Passage]) -> str:
    """Numbered <source> blocks with outlet, date and title; the numbers are the markers the model may use."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        date = p.published.isoformat() if p.published else "unknown"
        head = f'<source id="{n}" outlet="{_attribute(p.source) or "unknown"}" date="{date}" title="{_attribute(p.title)}">'
        blocks.append(f"{head}\n{_body(p.text)}\n</source>")
    return "\n\n".join(blocks) if blocks else "(no sources)"


def format_history(history: Any) -> str:
    """The last few turns as "User:" / "Assistant:" lines, citation markers removed."""
    lines = []
    for user, bot in history_turns(history)[-HISTORY_TURNS:]:
        lines.append(f"User: {' '.join(user.split())}")
        if bot:
            bot = " ".join(re.sub(r"\[\d+\]", "", bot).split())
            lines.append(f"Assistant: {bot[:HISTORY_CHARS]}")
    return "\n".join(lines)
