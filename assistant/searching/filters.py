"""What the reader allows: an as-of date, a publication date range and outlets, tested in Chroma, on rows, or on one chunk."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Iterable, Sequence

import numpy as np

from ..storing.chunk_meta import DAY, SOURCE, ChunkMeta, day_number
from .dates import TimeFrame

DateLike = date | datetime | str | None


@dataclass(frozen=True)
class Filters:
    """What the reader allows: an as-of date (nothing published later exists), a date range, outlets."""

    as_of: date | None = None
    since: date | None = None
    until: date | None = None
    sources: tuple[str, ...] = ()

    @property
    def last_day(self) -> date | None:
        days = [d for d in (self.as_of, self.until) if d]
        return min(days) if days else None

    def narrowed(self, frame: TimeFrame) -> "Filters | None":
        """These filters within the question's own time window, or None when it names none."""
        if not (frame.since or frame.until):
            return None
        since = max(filter(None, (self.since, frame.since)), default=None)
        until = min(filter(None, (self.until, frame.until)), default=None)
        return replace(self, since=since, until=until)

    def chroma_where(self) -> dict | None:
        """The same test as a Chroma `where` clause, or None when nothing is filtered."""
        clauses: list[dict] = []
        if self.last_day:
            # Unknown dates are day 0 and pass: an undated article is not known to be from the future.
            clauses.append({DAY: {"$lte": day_number(self.last_day)}})
        if self.since:
            clauses.append({DAY: {"$gte": day_number(self.since)}})
        if self.sources:
            clauses.append({SOURCE: {"$in": list(self.sources)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def allows(self, meta: ChunkMeta) -> bool:
        """The same test as chroma_where, on one chunk's metadata."""
        day = meta.day
        if self.last_day and day > day_number(self.last_day):
            return False
        if self.since and day < day_number(self.since):
            return False
        return not self.sources or meta.source in self.sources

    def mask(self, days: np.ndarray, sources: Sequence[str]) -> np.ndarray | None:
        keep = np.ones(len(days), dtype=bool)
        if self.last_day:
            keep &= days <= day_number(self.last_day)
        if self.since:
            keep &= days >= day_number(self.since)
        if self.sources:
            allowed = set(self.sources)
            keep &= np.fromiter((s in allowed for s in sources), dtype=bool, count=len(sources))
        return None if keep.all() else keep


def make_filters(
    as_of: DateLike = None,
    since: DateLike = None,
    until: DateLike = None,
    sources: str | Iterable[str] | None = None,
) -> Filters:
    """Filters from loose values: dates as date, datetime or YYYY-MM-DD text; outlets as a list or comma-separated."""
    if isinstance(sources, str):
        sources = [s for s in sources.split(",") if s.strip()]
    return Filters(
        as_of=to_date(as_of),
        since=to_date(since),
        until=to_date(until),
        sources=tuple(s.strip() for s in sources or ()),
    )


def to_date(value: DateLike) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"Not a date: {value!r} (use YYYY-MM-DD)") from None
