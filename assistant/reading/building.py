"""Build a clean Article from a format's fields: text cleaned, a headline found, authors from the byline."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..articles import Article, Note, article_id
from .cleaning import clean_article_text, clean_text, is_byline, is_furniture
from .decoding import Unreadable
from .metadata import as_text, authors_from_byline, field, parse_date, source_from_url, split_names

TITLE_MAX_WORDS = 20
TITLE_MAX_CHARS = 120


def article_from_record(record: dict[str, Any], *, path: str) -> Article:
    text = field(record, "text")
    if isinstance(text, list):
        text = "\n\n".join(str(part) for part in text)
    if not isinstance(text, str) or not text.strip():
        raise Unreadable("no article text")
    record_id = record.get("id")
    return make_article(
        path=path,
        text=text,
        title=as_text(field(record, "title")),
        url=as_text(field(record, "url")),
        source=as_text(field(record, "source")),
        authors=split_names(field(record, "authors")),
        published=parse_date(field(record, "published")),
        id="" if record_id is None else str(record_id).strip(),
    )


def make_article(
    *,
    path: str,
    text: str,
    title: str = "",
    url: str = "",
    source: str = "",
    authors: tuple[str, ...] = (),
    published: date | None = None,
    id: str = "",
) -> Article:
    """Clean the text, find a title if none was given, and take authors from a byline if needed."""
    text = clean_text(text)
    title = " ".join(clean_text(title).split())
    if not title:
        title, text = split_title(text)
    else:
        first, _, rest = text.partition("\n")
        if first.casefold() == title.casefold():
            text = rest  # the headline repeated as the first line (an <h1>, a scraped page)
    cleaned = clean_article_text(text)
    if not cleaned.text:
        raise Unreadable("no article text")
    # Metadata is shown beside every citation, so it is cleaned like the text.
    url = "".join(clean_text(url).split())
    source = " ".join(clean_text(source).split())
    authors = tuple(name for name in (" ".join(clean_text(a).split()) for a in authors) if name)
    return Article(
        id=" ".join(clean_text(id).split()) or (article_id(url=url) if url else article_id(path=path)),
        title=title,
        text=as_paragraphs(cleaned.text),
        source=source or source_from_url(url),
        url=url,
        authors=authors or authors_from_byline(cleaned.byline),
        published=published,
        path=path,
    )


def split_title(text: str) -> tuple[str, str]:
    """Title and remaining text: a headline among the first two lines, else the first line shortened.

    A lead sentence before the headline stays in the text; a first line used only because no
    headline was found stays too, since it is body prose.
    """
    lines = text.split("\n")
    first_two = [i for i, line in enumerate(lines) if line][:2]
    for i in first_two:
        if looks_like_headline(lines[i]):
            return lines[i], "\n".join(lines[:i] + lines[i + 1 :]).strip()
    if not first_two:
        return "", text
    return shorten(lines[first_two[0]], TITLE_MAX_CHARS), text


def looks_like_headline(line: str) -> bool:
    words = line.split()
    if not words or len(words) > TITLE_MAX_WORDS or len(line) > 160 or is_furniture(line) or is_byline(line):
        return False
    if re.search(r"(\.\.\.|…)$", line):
        return True  # a headline cut short
    # Sentences end in . ! ; : , and datelines in a dash; headlines may end in "?".
    return not re.search(r"[.!;:,—–-][\"”’')]*$", line)


def shorten(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return f"{cut}…"


def as_paragraphs(text: str) -> str:
    """One paragraph per line when the text has no blank lines, so chunkers see paragraph breaks."""
    return text if "\n\n" in text else text.replace("\n", "\n\n")


def missing_fields(article: Article, titled: bool, path: str, line: int | None = None) -> list[Note]:
    """Notes for a record that lacks a title or a date: it is indexed, but the user should know."""
    notes = []
    if not titled:
        found = f"; using {article.title!r} from its text" if article.title else ""
        notes.append(Note(path, f"no title{found}", line))
    if article.published is None:
        notes.append(Note(path, "no publication date; treated as undated (no as-of date hides it)", line))
    return notes
