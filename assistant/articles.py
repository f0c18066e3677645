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


@dataclass
class ReadResult:
    """What reading a folder gives: the articles and the files that were skipped."""

    articles: list[Article] = field(default_factory=list)
    bad: list[BadFile] = field(default_factory=list)


def sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")  # unit separator: ("ab","c") and ("a","bc") must differ
    return digest.hexdigest()


def canonical_url(url: str) -> str:
    """Host without www. plus path: http/https, query strings and trailing slashes are one URL."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return f"{host}{parts.path.rstrip('/')}"


def article_id(*, url: str = "", path: str = "") -> str:
    """Stable id: from the canonical URL when there is one, else from the file path."""
    if url:
        return hashlib.sha1(canonical_url(url).encode()).hexdigest()[:12]
    return hashlib.sha1(path.encode()).hexdigest()[:12]
