"""Fetched articles written as JSON files under the seeds folder, so the ordinary reading and indexing apply."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..articles import canonical_url, sha
from .feed_list import write_atomically


def file_name(record: dict[str, Any], key: str) -> str:
    """A readable, stable name: the headline's first words and a hash of the page's URL."""
    words = re.sub(r"[^a-z0-9]+", "-", str(record.get("title", "")).lower()).strip("-")[:50].strip("-")
    tag = sha(canonical_url(key))[:10]
    return f"{words}-{tag}.json" if words else f"{tag}.json"


def write_article(
    seeds_dir: Path, folder: str, record: dict[str, Any], key: str, previous: str = ""
) -> tuple[str, bool]:
    """Write the article (over its previous file, if it had one); returns its path and whether anything changed."""
    rel = previous or f"{folder}/{file_name(record, key)}"
    path = Path(seeds_dir) / rel
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return rel, False  # untouched, so a watcher sees nothing and a rebuild has nothing to do
    write_atomically(path, text)
    return rel, True
