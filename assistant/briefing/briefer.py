"""Briefings for the faces: `brief` from dates and a topic, and overview questions turned into cited Answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Sequence

from ..answers import Answer, Citation, Passage
from ..briefings import Briefing, Window
from ..searching.filters import Filters
from ..storing.bm25 import LexicalIndex
from .composing import Composer, Embed, Fetch, Scope
from .grouping import StoryIndex
from .overview import Overview, read_overview, window_for

TOP = 10  # stories in a briefing unless asked otherwise
SEARCHED = 30  # passages retrieved to find a topic's stories
Search = Callable[[str, Filters, int], Sequence[Passage]]


def stories_path(index_dir: Path, collection: str) -> Path:
    return index_dir / "stories" / f"{collection}.json"


def current_stories(
    path: Path, known: StoryIndex | None, lexical: LexicalIndex, fetch: Fetch, *, save: bool = False
) -> tuple[StoryIndex, set[str]]:
    """The stories for the index as it is now: `known` when it matches, else brought up to date (saved when `save`).

    Only a rebuild saves: a reader that finds the file behind the index (an index built before
    stories were kept, a crash) regroups in memory and leaves the file to the next rebuild.
    """
    if known is not None and known.digest == lexical.digest and lexical.digest:
        return known, set()
    stories = known if known is not None else StoryIndex(path)
    touched = stories.refresh(lexical.rows, fetch, lexical.digest)
    if save:
        stories.save()
    return stories, touched


@dataclass
class Briefer:
    """Briefings over one index's stories; `search` finds a topic's passages (the retriever, with filters)."""

    stories: StoryIndex
    fetch: Fetch
    search: Search
    embed: Embed

    def brief(
        self,
        today: date | None,
        filters: Filters,
        *,
        topic: str = "",
        kind: str = "",
        top: int = TOP,
    ) -> Briefing:
        """The top stories of the window (default: the week up to `today`), or with a topic its summary or timeline."""
        overview = Overview(kind or ("summary" if topic else "top"), topic, topic)
        return self._brief(overview, today, filters, top)

    def _brief(self, overview: Overview, today: date | None, filters: Filters, top: int) -> Briefing:
        since, until = window_for(overview, today, filters.since, filters.until)
        if filters.as_of and (until is None or until > filters.as_of):
            until = filters.as_of  # nothing published later exists
        window = Window(since, until, today)
        scope = Scope(
            since=since.toordinal() if since else 0,
            until=until.toordinal() if until else 10**7,
            sources=frozenset(filters.sources or ()),
        )
        composer = Composer(self.stories, self.fetch, self.embed)
        if overview.kind == "top":
            return composer.top(window, scope, top)
        passages = self.search(overview.topic, filters, SEARCHED)
        if overview.kind == "timeline":
            return composer.timeline(window, scope, overview.topic, passages)
        return composer.summary(window, scope, overview.topic, passages)

    def answer(self, question: str, today: date | None, filters: Filters) -> Answer | None:
        """The briefing an overview question asks for, as an Answer; None for any other question."""
        overview = read_overview(question)
        if overview is None:
            return None
        briefing = self._brief(overview, today, filters, TOP if overview.kind == "top" else 1)
        citations = briefing.citations()
        return Answer(
            question=question,
            text=briefing_text(briefing),
            citations=citations,
            passages=[cited_passage(c) for c in citations],
            abstained=not briefing.stories,
            path="briefing",
            as_of=filters.as_of,
            searched=overview.topic,
            briefing=briefing,
        )


def cited_passage(c: Citation) -> Passage:
    """The passage a briefing's citation quotes, for the faces that list an answer's passages."""
    return Passage(
        chunk_id=c.chunk_id,
        article_id=c.article_id,
        title=c.title,
        source=c.source,
        url=c.url,
        published=c.published,
        text=c.passage,
        start=0,
        end=len(c.passage),
        score=0.0,
        also_reported_by=c.also_reported_by,
    )


def briefing_text(b: Briefing) -> str:
    """A briefing as plain text with [n] marks, as `ask` prints it and the chat streams it."""
    where = b.window.label()
    if not b.stories:
        about = f" about {b.topic}" if b.topic else ""
        return f"I found no stories{about} in the articles ({where})."
    if b.kind == "top":
        lines = [f"Top stories, {where}:"]
        for i, s in enumerate(b.stories, start=1):
            lines.append(f"{i}. {s.title} ({s.dates()}; {', '.join(s.outlets) or 'unknown outlet'}): {s.lead}")
        return "\n".join(lines)
    story = b.stories[0]
    head = "Timeline of" if b.kind == "timeline" else "The latest on"
    lines = [f"{head} {b.topic} ({story.title}; {story.dates()}; {', '.join(story.outlets)}):"]
    lines += [f"- {fact}" for fact in story.facts]
    return "\n".join(lines)
