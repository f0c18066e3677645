"""What an overview question gets back: a Briefing of Stories, each with its lead, citations and outlets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from .sources import Citation, jsonable


@dataclass(frozen=True)
class Window:
    """The publication dates a briefing covers (inclusive), and "now" it was read against."""

    since: date | None
    until: date | None
    today: date | None = None

    def label(self) -> str:
        if self.since and self.until:
            return self.since.isoformat() if self.since == self.until else f"{self.since} to {self.until}"
        if self.since:
            return f"since {self.since}"
        if self.until:
            return f"up to {self.until}"
        return "all dates"


@dataclass(frozen=True)
class Story:
    """Articles on one event, grouped across outlets and days.

    `lead` states the story's news in one sentence with its citation marks ([n], numbered
    within the briefing); `citations` back it (and, for a summary or timeline, each fact);
    `articles` are the ids of every article in the story within the window.
    """

    id: str
    title: str
    lead: str
    citations: tuple[Citation, ...]
    articles: tuple[str, ...]
    outlets: tuple[str, ...]
    first_seen: date | None
    last_seen: date | None
    facts: tuple[str, ...] = ()  # for a summary or a timeline: the cited sentences, in reading order

    def dates(self) -> str:
        first, last = self.first_seen, self.last_seen
        if first and last and first != last:
            return f"{first} to {last}"
        known = first or last
        return known.isoformat() if known else "undated"


@dataclass(frozen=True)
class Briefing:
    """The stories of a window, most widely covered first; `kind` says which overview was asked."""

    window: Window
    stories: list[Story] = field(default_factory=list)
    kind: str = "top"  # "top" (what happened), "summary" (the latest on X), "timeline" (how X unfolded)
    topic: str = ""
    articles_in_window: int = 0

    def to_dict(self) -> dict[str, Any]:
        return jsonable(asdict(self))

    def citations(self) -> list[Citation]:
        """Every citation once, in number order."""
        found = {c.number: c for s in self.stories for c in s.citations}
        return [found[n] for n in sorted(found)]
