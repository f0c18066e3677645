"""Articles as read and cleaned, kept by a hash of their raw record, so a rebuild re-reads only what changed."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Callable

from ..articles import Article, Note, ReadResult, sha

# Cleaning is most of reading a corpus (10 s of a 14 s rebuild with nothing changed, on
# 4,724 articles): a record whose raw bytes, place and reading code are all unchanged is
# taken from here instead. The key covers a digest of the reading code (`version`, see
# folder.code_version), so a change to the readers or the cleaner re-reads everything.


def to_row(result: ReadResult) -> str:
    articles = [{**asdict(a), "published": a.published.isoformat() if a.published else None} for a in result.articles]
    return json.dumps({"articles": articles, "notes": [asdict(n) for n in result.notes]})


def from_row(row: str) -> ReadResult:
    data = json.loads(row)
    articles = []
    for fields in data["articles"]:
        fields["published"] = date.fromisoformat(fields["published"]) if fields["published"] else None
        fields["authors"] = tuple(fields["authors"])
        fields["copies"] = tuple(fields["copies"])
        articles.append(Article(**fields))
    return ReadResult(articles=articles, notes=[Note(**n) for n in data["notes"]])


class ReadCache:
    """A SQLite file of cleaned articles. Any problem with it only means reading again."""

    def __init__(self, path: Path, version: str, fresh: bool = False, update: bool = True):
        self.path = path
        self.version = version  # the reading code's digest: other code, other keys
        self.fresh = fresh  # forget what is stored: everything is read again and the cache rewritten
        self.update = update  # False for a look that must not write the index folder (a dry run, a plan)
        self.known: dict[str, str] = {}
        self.used: set[str] = set()
        self.added: dict[str, str] = {}
        try:
            if path.is_file() and not fresh:
                with sqlite3.connect(path) as db:
                    self.known = dict(db.execute("SELECT key, row FROM articles"))
        except sqlite3.Error:
            self.known = {}

    def key(self, place: str, raw: str) -> str:
        return sha(self.version, place, raw)

    def get(self, key: str) -> ReadResult | None:
        row = self.known.get(key)
        if row is None:
            return None
        try:
            found = from_row(row)
        except (ValueError, KeyError, TypeError):
            return None
        self.used.add(key)
        return found

    def put(self, key: str, result: ReadResult) -> None:
        """Only what was read cleanly: a file or record with a problem is read (and reported) again."""
        if not result.bad:
            self.added[key] = to_row(result)
            self.used.add(key)

    def save(self) -> None:
        """Keep exactly the records read this time: what left the seeds folder leaves the cache."""
        if not self.update or (not self.fresh and not self.added and self.used == set(self.known)):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(self.path) as db:
                db.execute("CREATE TABLE IF NOT EXISTS articles (key TEXT PRIMARY KEY, row TEXT NOT NULL)")
                if self.fresh:
                    db.execute("DELETE FROM articles")
                db.executemany("INSERT OR REPLACE INTO articles VALUES (?, ?)", self.added.items())
                gone = [(key,) for key in self.known if key not in self.used]
                db.executemany("DELETE FROM articles WHERE key = ?", gone)
        except (sqlite3.Error, OSError):
            pass  # a cache that cannot be written costs the next rebuild its reading time, nothing else


def cached(cache: ReadCache | None, place: str, raw: str, read: Callable[[], ReadResult]) -> ReadResult:
    if cache is None:
        return read()
    key = cache.key(place, raw)
    found = cache.get(key)
    if found is None:
        found = read()
        cache.put(key, found)
    return found
