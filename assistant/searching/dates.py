"""Time in questions: "this week", "last month", "latest", named months and years, relative to the as-of date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
RECENT = re.compile(
    r"\b(latest|recent(ly)?|newest|now|currently|current|just|this (week|weekend|month|year)|today|yesterday|tonight|"
    r"last (week|weekend|month|night|year)|past (few )?(days|week|weeks|month)|on (monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.IGNORECASE,
)
MONTH_YEAR = re.compile(r"\b(?:in|during|since|of)\s+(" + "|".join(MONTHS) + r")\.?(?:\s+(\d{4}))?\b", re.IGNORECASE)
YEAR = re.compile(r"\b(?:in|during|of)\s+((?:19|20)\d\d)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimeFrame:
    """When the question is about: a window of publication dates, and whether it wants the newest news."""

    since: date | None = None
    until: date | None = None
    recent: bool = False


def time_frame(question: str, today: date) -> TimeFrame:
    """Read the question's time words relative to `today` (the as-of date).

    A window that runs off the calendar ("this week" as of 0001-01-03, "December 9999") is read
    as no window at all: no article can fall outside it anyway.
    """
    try:
        return _time_frame(question, today)
    except (OverflowError, ValueError):
        return TimeFrame(recent=bool(RECENT.search(question)))


def _time_frame(question: str, today: date) -> TimeFrame:
    q = question.lower()
    recent = bool(RECENT.search(q))
    # News about "this week" is reported during it, and a day or two later.
    if re.search(r"\b(today|tonight)\b", q):
        return TimeFrame(today - timedelta(days=1), today, True)
    if "yesterday" in q:
        return TimeFrame(today - timedelta(days=2), today, True)
    if re.search(
        r"\bthis (week|weekend)\b|\bpast (few )?days\b|\bon (monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        q,
    ):
        return TimeFrame(today - timedelta(days=7), today, True)
    if re.search(r"\blast (week|weekend)\b|\bpast (two )?weeks\b", q):
        return TimeFrame(today - timedelta(days=14), today, True)
    if re.search(r"\bthis month\b|\bpast month\b", q):
        return TimeFrame(today - timedelta(days=31), today, True)
    if re.search(r"\blast month\b", q):
        first = today.replace(day=1)
        start = (first - timedelta(days=1)).replace(day=1)
        return TimeFrame(start, today, True)
    if re.search(r"\bthis year\b", q):
        return TimeFrame(today.replace(month=1, day=1), today, True)
    if re.search(r"\blast year\b", q):
        return TimeFrame(date(today.year - 1, 1, 1), today, recent)
    match = MONTH_YEAR.search(q)
    if match:
        month = MONTHS[match.group(1).lower()]
        year = int(match.group(2)) if match.group(2) else (today.year if month <= today.month else today.year - 1)
        start = date(year, month, 1)
        end = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)) + timedelta(days=7)
        return TimeFrame(start, min(end, today), recent)
    match = YEAR.search(q)
    if match:
        year = int(match.group(1))
        return TimeFrame(date(year, 1, 1), min(date(year + 1, 1, 31), today), recent)
    return TimeFrame(recent=recent)
