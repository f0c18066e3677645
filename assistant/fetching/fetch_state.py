"""What was fetched before: each feed's validators (ETag, Last-Modified) and each item's signature and file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .feed_list import write_atomically

STATE_FILE = "fetch-state.json"


@dataclass
class FeedState:
    etag: str = ""
    last_modified: str = ""


@dataclass
class ItemState:
    signature: str  # the feed's word on the entry when it was fetched; a new one means fetch again
    path: str  # the article file, relative to the seeds folder
    feed: str  # the feed that brought it (another feed listing the same page does not fetch it again)


@dataclass
class FetchState:
    feeds: dict[str, FeedState] = field(default_factory=dict)
    items: dict[str, ItemState] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> "FetchState":
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                feeds={k: FeedState(**v) for k, v in data.get("feeds", {}).items()},
                items={k: ItemState(**v) for k, v in data.get("items", {}).items()},
            )
        except (ValueError, TypeError, AttributeError) as error:
            # A damaged state file costs one full fetch, never a failed one.
            print(f"news-assistant: ignoring unreadable {path} ({error}); everything is fetched again")
            return cls()

    def save(self, path: Path) -> None:
        data = {
            "feeds": {k: asdict(v) for k, v in sorted(self.feeds.items())},
            "items": {k: asdict(v) for k, v in sorted(self.items.items())},
        }
        write_atomically(path, json.dumps(data, indent=1) + "\n")
