"""One SQLite table of rows keyed by chunk id, in a WAL file beside the index: questions read while an index writes."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Sequence

MAX_PARAMS = 900  # SQLite's limit on bound parameters in one statement is 999 on older builds


class ChunkTable:
    """A table `name` whose first column is `chunk_id`; subclasses give its columns and their rows."""

    name = ""
    columns = ""  # the SQL column definitions, chunk_id first

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.name} ({self.columns})")
            self.opened(db)
            self._db = db
        return self._db

    def opened(self, db: sqlite3.Connection) -> None:
        """A hook for checks on a newly opened file (what model wrote it, say)."""

    def write(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Run `sql` for every row, in one transaction."""
        if not rows:
            return
        with self._lock:
            self.db.execute("BEGIN")
            self.db.executemany(sql, rows)
            self.db.execute("COMMIT")

    def select(self, fields: str, chunk_ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """`fields` of the rows of these chunks; none when the file is missing or unreadable."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids or not self.path.exists():
            return []
        found: list[tuple[Any, ...]] = []
        try:
            with self._lock:
                for start in range(0, len(ids), MAX_PARAMS):
                    part = ids[start : start + MAX_PARAMS]
                    marks = ",".join("?" * len(part))
                    found += self.db.execute(
                        f"SELECT {fields} FROM {self.name} WHERE chunk_id IN ({marks})", part
                    ).fetchall()
        except sqlite3.Error:
            return []  # an unreadable file costs speed (the caller works without it), never the answer
        return found

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids and self.path.exists():
            self.write(f"DELETE FROM {self.name} WHERE chunk_id = ?", [(cid,) for cid in chunk_ids])

    def reset(self) -> None:
        if self.path.exists():
            with self._lock:
                self.db.execute(f"DELETE FROM {self.name}")

    def replace_rows(self, other: "ChunkTable") -> None:
        """This table's rows replaced by all of `other`'s (a table built beside it), in one transaction."""
        other.close()
        if not other.path.exists():
            self.reset()
            return
        with self._lock:
            db = self.db
            db.execute("ATTACH DATABASE ? AS other", (str(other.path),))
            try:
                db.execute("BEGIN")
                db.execute(f"DELETE FROM {self.name}")
                db.execute(f"INSERT INTO {self.name} SELECT * FROM other.{self.name}")
                db.execute("COMMIT")
            finally:
                db.execute("DETACH DATABASE other")

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self._lock:
            return int(self.db.execute(f"SELECT COUNT(*) FROM {self.name}").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
