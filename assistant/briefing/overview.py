"""Overview questions ("What happened this week?", "Summarize the news about X", "Timeline of X") and their windows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..answering.questions import parse_question
from ..searching.dates import time_frame

WEEK = 7  # the default window: the week up to "now"
# Time words that may follow "what happened" without making it a question about something in particular.
WHEN = (
    r"(?:\s*(?:in the news|in the world|lately|recently|so far|"
    r"(?:this|last|past) (?:week|weekend|month|year|few days)|today|tonight|yesterday|"
    r"on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"(?:in|during) (?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?(?: \d{4})?|"
    r"(?:in|during) (?:19|20)\d\d|over the (?:past|last) (?:week|few days|month)))*"
)
TOP = [
    re.compile(
        rf"^(?:so,? )?what(?:'s| has| have)? (?:happened|been happening|is happening|went on|is going on|'s going on){WHEN}\s*\??$",
        re.I,
    ),
    re.compile(rf"^what(?:'s| is) (?:new|the news|in the news|happening){WHEN}\s*\??$", re.I),
    re.compile(
        r"^(?:(?:what|which) (?:are|were|is|was) (?:the )?|show me (?:the )?|give me (?:the )?|tell me (?:the )?|"
        r"list (?:the )?)?(?:today's |this week's )?(?:top|biggest|main|major|latest|key|important) (?:news )?"
        r"(?:stories|headlines|news)\b[^?:]*\??$",
        re.I,
    ),
    re.compile(rf"^(?:any|the) (?:news|headlines){WHEN}\s*\??$", re.I),
    re.compile(
        rf"^(?:brief me|catch me up|give me (?:a|the) (?:briefing|news|rundown)|news briefing){WHEN}\s*[.?!]*$", re.I
    ),
]
SUMMARY = [
    re.compile(
        r"^(?:please |can you |could you )?(?:summari[sz]e|sum up|recap|give me a summary of|brief me on|catch me up on)"
        r"\s+(?:the (?:latest )?(?:news|coverage|reporting|stories) (?:about|on|of|regarding)\s+)?(?P<topic>.+?)[.?!]*$",
        re.I,
    ),
    re.compile(
        r"^(?:what(?:'s| is| are) )?(?:the )?latest (?:news |developments |updates? )?(?:on|about|with|in|regarding)\s+(?P<topic>.+?)[.?!]*$",
        re.I,
    ),
    re.compile(r"^(?:any )?(?:news|updates?) (?:on|about)\s+(?P<topic>.+?)[.?!]*$", re.I),
]
TIMELINE = [
    re.compile(
        r"^(?:please |can you |could you )?(?:give me |show me |make |what(?:'s| is) )?(?:a |the )?"
        r"(?:timeline|chronology|history) (?:of|for|on)\s+(?P<topic>.+?)[.?!]*$",
        re.I,
    ),
    re.compile(
        r"^how (?:has|have|did|is|are)\s+(?P<topic>.+?)\s+(?:unfold(?:ed|ing)?|develop(?:ed|ing)?|evolv(?:ed|ing)|"
        r"progress(?:ed|ing)?|played out|changed)(?:\s+over time)?[.?!]*$",
        re.I,
    ),
]


@dataclass(frozen=True)
class Overview:
    """An overview question read: which kind, about what, and its time words."""

    kind: str  # "top", "summary" or "timeline"
    topic: str = ""
    question: str = ""


def read_overview(question: str) -> Overview | None:
    """The overview a question asks for, or None for an ordinary question (answered as usual)."""
    q = " ".join(str(question or "").split()).replace("’", "'")
    if not q or len(q) > 300 or parse_question(q).options:
        return None  # a question offering options ("...: A, B or C?") wants one of them, not a briefing
    for kind, patterns in (("timeline", TIMELINE), ("summary", SUMMARY)):
        for pattern in patterns:
            match = pattern.search(q)
            if match:
                topic = clean_topic(match.group("topic"))
                if topic:
                    return Overview(kind, topic, q)
    if any(p.search(q) for p in TOP):
        return Overview("top", "", q)
    return None


def clean_topic(topic: str) -> str:
    topic = re.sub(rf"{WHEN}$", "", topic.strip(), flags=re.I).strip()
    topic = re.sub(r"^(?:the (?:news|story|stories) (?:about|on|of)\s+)", "", topic, flags=re.I)
    return topic.strip(' ,.;:?!"“”')


def window_for(
    overview: Overview, today: date | None, since: date | None, until: date | None
) -> tuple[date | None, date | None]:
    """The dates an overview covers: the filters' own, else its time words, else (for top stories) the week to now."""
    if since or until:
        return since, until or today
    if today is None:
        return None, None
    frame = time_frame(overview.question, today)
    if frame.since or frame.until:
        start = frame.since
        if start and re.search(r"\b(today|tonight)\b", overview.question, re.I):
            start = today  # "today" is the day itself; time_frame widens it for retrieval
        return start, frame.until or today
    if overview.kind == "top":
        # The week up to "now", which at the calendar's first days starts on its first day.
        return max(today, date.min + timedelta(days=WEEK - 1)) - timedelta(days=WEEK - 1), today
    return None, today
