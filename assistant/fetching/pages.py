"""An article page's text and metadata, extracted with trafilatura; the feed's own fields fill the gaps."""

from __future__ import annotations

from typing import Any

from ..reading.formats import extract_html
from ..reading.metadata import parse_date, source_from_url, split_names
from .feed_items import FeedItem

PAGE_TYPES = ("text/html", "application/xhtml+xml")
MIN_TEXT_CHARS = 100  # less than this is a teaser, a paywall or an index page, not an article


class NotAnArticle(ValueError):
    """A page with no article text on it."""


def article_record(html: bytes, url: str, item: FeedItem | None = None, outlet: str = "") -> dict[str, Any]:
    """The fields the seeds folder's JSON reader takes (title, text, url, source, authors, published)."""
    doc = extract_html(html, url)  # as a page in the seeds folder is read
    text = (doc.text or "").strip() if doc is not None else ""
    if len(text) < MIN_TEXT_CHARS:
        raise NotAnArticle(f"not an article: {len(text)} characters of text on the page")
    published = parse_date(doc.date) or (item.published if item else None)
    return {
        "title": doc.title or (item.title if item else ""),
        "text": text,
        "url": url,
        "source": doc.sitename or outlet or source_from_url(url),
        "authors": list(split_names(doc.author) or (item.authors if item else ())),
        "published": published.isoformat() if published else None,
    }
