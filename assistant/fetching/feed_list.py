"""The feeds one follows: a small JSON file beside the index (name and URL per feed)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

FEEDS_FILE = "feeds.json"


@dataclass(frozen=True)
class Feed:
    """One followed feed: its short name (also its folder under seeds/feeds/) and its URL."""

    name: str
    url: str
    public_only: bool = False  # added from the chat window: fetched only from public addresses


def feeds_path(index_dir: Path, feeds_file: str = "") -> Path:
    """The feeds file: the setting when given, else feeds.json in the index folder."""
    return Path(feeds_file) if feeds_file else Path(index_dir) / FEEDS_FILE


def load_feeds(path: Path) -> list[Feed]:
    if not path.is_file():
        return []
    data = json.loads(path.read_text(encoding="utf-8") or "[]")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of feeds")
    return [
        Feed(str(d["name"]), str(d["url"]), d.get("public_only") is True)
        for d in data
        if isinstance(d, dict) and "name" in d and "url" in d
    ]


def save_feeds(path: Path, feeds: list[Feed]) -> None:
    write_atomically(path, json.dumps([asdict(f) for f in feeds], indent=2) + "\n")


def check_url(url: str) -> str:
    """An http(s) URL with a host, or ValueError saying what is wrong with it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def folder_name(text: str) -> str:
    """A feed name usable as a folder: letters, digits, dashes; never empty, never hidden."""
    name = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return name or "feed"


def add_feed(path: Path, url: str, name: str | None = None, public_only: bool = False) -> Feed:
    """Add a feed (its name derived from the host when not given); a name or URL already there is refused."""
    url = check_url(url)
    feeds = load_feeds(path)
    base = folder_name(name or (urlsplit(url).hostname or "").removeprefix("www."))
    if name and base != name:
        raise ValueError(f"feed name {name!r} must be lower-case letters, digits and dashes (e.g. {base!r})")
    for feed in feeds:
        if feed.url == url:
            raise ValueError(f"already following {url} as {feed.name!r}")
    taken = {f.name for f in feeds}
    if name and name in taken:
        raise ValueError(f"a feed named {name!r} already exists")
    chosen, n = base, 2
    while chosen in taken:
        chosen, n = f"{base}-{n}", n + 1
    feed = Feed(chosen, url, public_only)
    save_feeds(path, [*feeds, feed])
    return feed


def remove_feed(path: Path, name: str) -> Feed:
    feeds = load_feeds(path)
    for feed in feeds:
        if feed.name == name:
            save_feeds(path, [f for f in feeds if f.name != name])
            return feed
    raise ValueError(f"no feed named {name!r} (see `news-assistant feeds list`)")


def write_atomically(path: Path, text: str) -> None:
    """Write through a temporary file and a rename: a reader (or a crash) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
