"""Read a question: the options it offers ("A, B or C?") and the context a follow-up leaves out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..searching.dates import MONTHS as MONTH_NUMBERS

# Where a list of options may start: "...: A, B, C or D?", "... — was it A, B or C?", "Is it A or B?"
OPTIONS_START = re.compile(
    r":\s|\s[\u2014\u2013-]\s|(?:^|,\s*|\s)(?:was it|is it|were they|are they|was that|is that|will it be|would it be)\s",
    re.IGNORECASE,
)
QUOTES = {"“": "”", '"': '"', "‘": "’", "«": "»"}
# A question that openly continues the conversation.
CONTINUES = re.compile(
    r"^\s*(?:and|but|so|also|then|what about|how about|what else|who else|anything else)\b"
    r"|\b(?:he|she|him|they|them|his|her|hers|their|theirs|else)\b",
    re.IGNORECASE,
)
# Capitalised words that name nothing of a question's own ("I", "US" does; "The", "Is" do not).
NOT_SUBJECTS = frozenset({"i", "the", "a", "an", "is", "are", "was", "what", "who", "which", "how"})
MAX_OPTION_WORDS = 30
# Longest names first, so "september" is not read as "sep" and a stray "tember".
MONTHS = "(?:" + "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True)) + ")"
# What a sentence must contain to answer each kind of question; an exact date beats "next week".
ANSWER_SHAPES = {
    "when": re.compile(
        rf"\b(?:{MONTHS}\.? \d{{1,2}}|\d{{1,2}} {MONTHS}|(?:19|20)\d\d|monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday)\b",
        re.IGNORECASE,
    ),
    "when_relative": re.compile(
        r"\b(?:today|tomorrow|yesterday|tonight|(?:next|last|this) (?:week|month|year))\b", re.I
    ),
    "number": re.compile(
        r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion|dozen)\b", re.I
    ),
    "who": re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+"),
}
QUESTION_KINDS = [
    ("when", re.compile(r"^\s*(?:when|what (?:day|date|year|month|time))\b|\bwhat date\b|\bhow long ago\b", re.I)),
    (
        "number",
        re.compile(
            r"\b(?:how (?:many|much|old|far|long|big)|what (?:share|percentage|percent|proportion|number|amount|age))\b",
            re.I,
        ),
    ),
    (
        "who",
        re.compile(
            r"^\s*(?:who|whom|whose)\b|\bwhich (?:person|leader|president|people|country|countries|company)\b", re.I
        ),
    ),
]


@dataclass(frozen=True)
class Question:
    text: str  # as asked
    stem: str  # without the options
    options: tuple[str, ...] = ()


def parse_question(text: str, options: Sequence[str] | None = None) -> Question:
    text = " ".join(text.split())
    if options:
        return Question(text, text, tuple(o.strip() for o in options if o.strip()))
    body = text.rstrip().rstrip("?").rstrip()
    # The first place after which the rest reads as a list of options wins, so a colon
    # inside an option ("Top Gun: Maverick") is not taken for the start of the list.
    for match in OPTIONS_START.finditer(body):
        found = split_options(body[match.end() :])
        if len(found) >= 2 and all(0 < len(o.split()) <= MAX_OPTION_WORDS for o in found):
            stem = body[: match.start()].rstrip(" :,\u2014\u2013-")
            return Question(text, (stem + "?") if stem else text, tuple(found))
    return Question(text, text)


def split_options(options: str) -> list[str]:
    """ "A, B, or C" → [A, B, C]; separators inside quotes ("“Love, Actually”") do not split."""
    parts = _split_outside_quotes(options)
    if len(parts) < 2:
        return []
    return [p.strip().strip("".join(QUOTES) + QUOTES["“"]).strip() for p in parts if p.strip()]


def _split_outside_quotes(text: str) -> list[str]:
    parts, current, closing, i = [], "", None, 0
    saw_or = False
    while i < len(text):
        ch = text[i]
        if closing:
            current += ch
            if ch == closing:
                closing = None
            i += 1
            continue
        if ch in QUOTES and (not current.strip() or ch != '"'):
            closing = QUOTES[ch]
            current += ch
            i += 1
            continue
        rest = text[i:]
        sep = re.match(r",?\s+or\s+|,\s+", rest)
        if sep and (i == 0 or text[i - 1] != " "):
            saw_or = saw_or or "or" in sep.group(0)
            parts.append(current)
            current = ""
            i += sep.end()
            continue
        current += ch
        i += 1
    parts.append(current)
    # A list of options ends in "or": "A, B or C"; a plain clause with commas is not one.
    return parts if saw_or else []


def answer_kind(question: str) -> str | None:
    """The kind of thing the question asks for: a time, a number, a name, or None."""
    for kind, pattern in QUESTION_KINDS:
        if pattern.search(question):
            return kind
    return None


def answer_shape(sentence: str, kind: str | None, question: str = "") -> float:
    """0..1: how much the sentence holds of the asked-for kind that the question did not already say."""
    if not kind:
        return 0.0
    asked = question.lower()

    def new(pattern: str) -> set[str]:
        found = {m.group(0).lower() for m in ANSWER_SHAPES[pattern].finditer(sentence)}
        return {f for f in found if f not in asked}

    if kind == "when":
        return 1.0 if new("when") else 0.5 if new("when_relative") else 0.0
    if kind == "who":  # a list of people answers "who" better than one name
        return min(len(new("who")), 2) / 2
    return 1.0 if new(kind) else 0.0


def history_turns(history: Any) -> list[tuple[str, str]]:
    """(user, assistant) pairs from either [(user, bot), ...] or [{"role", "content"}, ...]."""
    turns: list[tuple[str, str]] = []
    if not history:
        return turns
    pending_user: str | None = None
    for item in history:
        if isinstance(item, dict):
            role, content = item.get("role"), _text(item.get("content"))
            if role == "user":
                if pending_user is not None:
                    turns.append((pending_user, ""))
                pending_user = content
            elif role == "assistant" and pending_user is not None:
                turns.append((pending_user, content))
                pending_user = None
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            turns.append((_text(item[0]), _text(item[1])))
    if pending_user is not None:
        turns.append((pending_user, ""))
    return turns


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # Gradio's structured content: [{"type": "text", "text": ...}]
        return " ".join(_text(c.get("text", "")) if isinstance(c, dict) else _text(c) for c in content)
    return "" if content is None else str(content)


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the one before: it says so ("And who else…?", "How old is he?"),
    or it names nothing of its own to search for ("When will the toll start?").

    A question with a subject of its own (a name, a title, a number: "Who beat Tetris?") is asked on its own.
    """
    if CONTINUES.match(question):
        return True
    if own_subject(question):
        return False
    return True


def own_subject(question: str) -> bool:
    """A name, quoted title or number of the question's own: what it can be searched for without the conversation."""
    words = re.findall(r"[\w'’.-]+", question)
    named = [w for w in words[1:] if w[:1].isupper() and w.lower().rstrip(".") not in NOT_SUBJECTS]
    return bool(named or re.search(r"\d|[“\"‘]", question))


def follow_up_context(question: str, history: Any = None) -> str:
    """What a follow-up leans on: the latest earlier question with a subject of its own (and the
    follow-up asked since, if any), or "" for a question that stands on its own."""
    turns = history_turns(history)
    if not turns or not is_follow_up(question):
        return ""
    asked = [user for user, _ in turns]
    for back, earlier in enumerate(reversed(asked)):
        if not is_follow_up(earlier):
            between = asked[len(asked) - back :][-1:] if back else []
            return " ".join([earlier, *between])
    return asked[-1]


@dataclass(frozen=True)
class Query:
    """A question as it is searched: the question itself and the earlier question a follow-up leans on."""

    question: Question
    context: str = ""

    @property
    def text(self) -> str:
        """What to search with: a follow-up carries the previous question along."""
        return f"{self.context} {self.question.text}" if self.context else self.question.text


def query_for(question: str, history: Any = None, choices: Sequence[str] | None = None) -> Query:
    """The one reading of a question (its options, the follow-up context) both answerers search with."""
    parsed = parse_question(question, list(choices) if choices else None)
    return Query(parsed, follow_up_context(parsed.text, history))


def question_problem(question: Any, limit: int) -> str | None:
    """Why a question cannot be asked (not text, empty, too long), or None."""
    if not isinstance(question, str) or not question.strip():
        return "Please ask a question about the news in the indexed articles."
    if len(question) > limit:
        return f"That question is {len(question):,} characters long; the limit is {limit:,}. Please shorten it."
    return None
