"""A feed document read into FeedItems: RSS 0.9x/1.0/2.0 and Atom by feedparser, JSON Feed from its JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax import SAXException

from ..articles import sha
from ..reading.metadata import parse_date

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
    "application/json",
    "text/plain",  # some servers label every feed so
    "text/html",  # a feed served as a web page: feedparser decides whether it is one
)


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: where its page is, and what the feed says about it (the fallback metadata)."""

    key: str  # the entry's id (or its link): what "already fetched" is remembered by
    url: str
    title: str = ""
    published: date | None = None
    authors: tuple[str, ...] = ()
    summary: str = ""
    signature: str = ""  # changes when the feed says the entry changed (date, title, summary)


@dataclass(frozen=True)
class ParsedFeed:
    title: str
    items: list[FeedItem]
    problem: str = ""  # malformed XML that feedparser read some items from all the same


class NotAFeed(ValueError):
    """A document that is no feed at all, or XML too broken to read."""


def parse_feed(body: bytes, content_type: str = "") -> ParsedFeed:
    if content_type.endswith("json") or body.lstrip()[:1] == b"{":
        return _json_feed(body)
    import feedparser  # slow to import; only fetching needs it

    doc: Any = feedparser.parse(body, response_headers={"content-type": content_type or "application/xml"})
    broken = doc.get("bozo_exception") if isinstance(doc.get("bozo_exception"), SAXException) else None
    if broken is not None and not doc.entries:
        raise NotAFeed(f"malformed XML: {broken}")
    if not doc.version and not doc.entries:
        raise NotAFeed("not a feed (no RSS, Atom or JSON Feed found)")
    items = [item for item in (_xml_item(e) for e in doc.entries) if item is not None]
    problem = f"malformed XML: {broken}; {len(items)} item(s) read from it anyway" if broken is not None else ""
    return ParsedFeed(str(doc.feed.get("title", "")), items, problem)


def _xml_item(entry: Any) -> FeedItem | None:
    url = str(entry.get("link") or "")
    if not url:
        return None
    # dict.get: feedparser's own get maps a missing "updated" to "published", with a warning.
    when = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    published = date(when[0], when[1], when[2]) if when else None  # feedparser gives UTC
    authors = tuple(a.get("name", "") for a in entry.get("authors", []) if a.get("name")) or (
        (str(entry["author"]),) if entry.get("author") else ()
    )
    title, summary = str(entry.get("title", "")), str(entry.get("summary", ""))
    stamp = str(dict.get(entry, "updated") or dict.get(entry, "published") or "")
    return FeedItem(
        key=str(entry.get("id") or url),
        url=url,
        title=title,
        published=published,
        authors=authors,
        summary=summary,
        signature=sha(stamp, title, summary)[:16],
    )


def _json_feed(body: bytes) -> ParsedFeed:
    # feedparser 6 reads no JSON Feed; its format (jsonfeed.org, 1.0 and 1.1) is plain JSON and small.
    try:
        doc = json.loads(body)
    except ValueError as error:
        raise NotAFeed(f"malformed JSON Feed: {error}") from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise NotAFeed("not a feed (JSON without a jsonfeed.org version)")
    items = []
    for entry in doc.get("items") or []:
        if not isinstance(entry, dict) or not (entry.get("url") or entry.get("external_url")):
            continue
        url = str(entry.get("url") or entry.get("external_url"))
        people = entry.get("authors") or ([entry["author"]] if isinstance(entry.get("author"), dict) else [])
        authors = tuple(str(p["name"]) for p in people if isinstance(p, dict) and p.get("name"))
        title, summary = str(entry.get("title") or ""), str(entry.get("summary") or entry.get("content_text") or "")
        stamp = str(entry.get("date_modified") or entry.get("date_published") or "")
        items.append(
            FeedItem(
                key=str(entry.get("id") or url),
                url=url,
                title=title,
                published=parse_date(entry.get("date_published")),
                authors=authors,
                summary=summary,
                signature=sha(stamp, title, summary)[:16],
            )
        )
    return ParsedFeed(str(doc.get("title") or ""), items)
