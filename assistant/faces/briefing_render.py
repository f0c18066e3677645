"""HTML for briefings in the chat window: collapsible stories with clickable citations, and the collection card.

As in chat_render.py, everything that comes from an article is escaped.
"""

from __future__ import annotations

import logging
from typing import Any

from ..answers import Answer
from ..briefings import Story
from .chat_render import citation_html, escape, linked_text

log = logging.getLogger(__name__)
OUTLETS_SHOWN = 6
STARTERS = 3  # the latest top stories offered in the empty window


def briefing_html(answer: Answer, key: str, note: str = "") -> str:
    """An overview answer: its heading, then each story folded under its title, lead and citations inside."""
    briefing = answer.briefing
    assert briefing is not None
    by_number = {c.number: c for c in answer.citations}
    heading = answer.text.split("\n", 1)[0]
    parts = [f'<div class="na-answer na-briefing"><p class="na-text"><b>{escape(heading)}</b></p>']
    for i, story in enumerate(briefing.stories):
        parts.append(story_html(story, i, key, by_number, opened=i == 0 or briefing.kind != "top"))
    parts.append(note)
    parts.append("</div>")
    return "".join(parts)


def story_html(story: Story, place: int, key: str, by_number: dict, opened: bool) -> str:
    meta = f"{story.dates()} · {', '.join(story.outlets) or 'unknown outlet'}"
    count = f"{len(story.articles)} article{'s' if len(story.articles) != 1 else ''}"
    parts = [
        f'<details class="na-story na-story-{place + 1}"{" open" if opened else ""}>',
        f"<summary><b>{escape(story.title) or 'Untitled'}</b>"
        f' <span class="na-meta">{escape(meta)} · {count}</span></summary>',
    ]
    if story.facts:
        items = "".join(f"<li>{linked_text(fact, by_number, key)}</li>" for fact in story.facts)
        parts.append(f'<ul class="na-facts">{items}</ul>')
    else:
        parts.append(f'<p class="na-lead">{linked_text(story.lead, by_number, key)}</p>')
    parts.append('<div class="na-sources">')
    parts.extend(citation_html(c, key) for c in story.citations)
    parts.append("</div></details>")
    return "".join(parts)


def collection_card(assistant: Any) -> tuple[str, list[dict]]:
    """What the window answers from (articles, dates, outlets) and the latest top stories as starters."""
    try:
        stories = assistant.stories()
        entries = list(stories.entries.values())
        briefing = assistant.brief(top=STARTERS) if entries else None
    except Exception as exc:  # an unreachable Chroma server must not break the page
        log.warning("could not describe the collection: %s", exc)
        return "", []
    if not entries:
        return '<div class="na-collection"><p>No articles indexed yet.</p></div>', []
    days = sorted(e.day for e in entries if e.day)
    outlets = sorted({e.source for e in entries if e.source}, key=str.lower)
    shown = ", ".join(outlets[:OUTLETS_SHOWN]) + (
        f" and {len(outlets) - OUTLETS_SHOWN} more" if len(outlets) > OUTLETS_SHOWN else ""
    )
    from datetime import date

    span = f"{date.fromordinal(days[0])} to {date.fromordinal(days[-1])}" if days else "undated"
    card = (
        '<div class="na-collection">'
        f'<p><b class="na-count">{len(entries):,} article{"s" if len(entries) != 1 else ""}</b>'
        f' · <span class="na-span">{escape(span)}</span></p>'
        f'<p class="na-outlets">{escape(shown) or "unknown outlets"}</p>'
        "<p>Ask about the news, or start with one of the latest top stories below.</p></div>"
    )
    starters = [
        {"text": f'Summarize the news about "{s.title}"', "display_text": s.title}
        for s in (briefing.stories if briefing else [])
    ]
    return card, starters
