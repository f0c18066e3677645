"""The Article record every reader produces, with its stable id and content hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Article:
    """One cleaned news article, ready to be chunked."""

    id: str
    title: str
    text: str
    source: str = ""  # the outlet, e.g. "CNN"
    url: str = ""
    authors: tuple[str, ...] = ()
    published: date | None = None
    path: str = ""  # file it came from, relative to the seeds folder (plus "#N" for a record)
    copies: tuple[str, ...] = ()  # other files or URLs holding the same article, indexed once as this one

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index, so any edit counts as a change."""
        parts = [
            self.title,
            self.text,
            self.source,
            self.url,
            "|".join(self.authors),
            self.published.isoformat() if self.published else "",
            self.path,
        ]
        if self.copies:  # only then, so indexes built before copies were recorded stay unchanged
            parts.append("|".join(self.copies))
        return sha(*parts)[:16]


@dataclass(frozen=True)
class BadFile:
    """A file (or one record of it) that could not be read, and why."""

    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Note:
    """Something worth knowing about a file that was read all the same (no date, a duplicate)."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class ReadResult:
    """What reading a folder gives: the articles, the files that were skipped, and notes on the rest."""

    articles: list[Article] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def extend(self, other: "ReadResult") -> None:
        self.articles.extend(other.articles)
        self.bad.extend(other.bad)
        self.notes.extend(other.notes)


def sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")  # unit separator: ("ab","c") and ("a","bc") must differ
    return digest.hexdigest()


def canonical_url(url: str) -> str:
    """Host without www. plus path: http/https, query strings and trailing slashes are one URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # not a URL urlsplit accepts (an unbalanced "["): the text itself is the key
        return url.strip()
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


def article_id(*, url: str = "", path: str = "") -> str:
    """Stable id: from the canonical URL when there is one, else from the file path."""
    if url:
        return hashlib.sha1(canonical_url(url).encode()).hexdigest()[:12]
    return hashlib.sha1(path.encode()).hexdigest()[:12]
