"""Stories: articles on one event grouped across outlets and days, kept beside the index and updated incrementally.

An article joins the story whose articles it most likely reports the same event as (the
same-story model of same_story.py: meaning, leads, shared names, days apart, outlet; its
log-odds averaged over the story's articles), among stories seen within a few days of it, when
that is more likely than not; a syndicated copy (the same text from another outlet, found by shingles as
in searching/stories.py) always joins its original's story. Articles are taken in date order,
so a story grows as the event unfolds. A rebuild regroups only the articles it added, changed
or removed: every other story keeps its id and its articles.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

import numpy as np

from ..storing.chunk_meta import ChunkMeta
from ..storing.rows import Rows
from .leads import VERSION, copies, is_roundup, lead_of, names_in, sketch
from .same_story import Side, load_model, pair_features

FORMAT = 1
NEAR_DAYS = 3  # an article joins only a story seen within this many days of it
SPAN_DAYS = 6  # ... and that began at most this many days before it: a later chapter is a story of its own
JOIN = 0.0  # mean log-odds of the same-story model over a story's articles at which an article joins it
COPY_FLOOR = 0.45  # a possible copy must also be this close in meaning before shingles are compared
CANDIDATES = 5  # stories looked at closely per article (the closest in meaning)
CLOSED = -(10**9)  # the first and last day recorded for a story no article may join
Fetch = Callable[[list[str]], Mapping[str, tuple[str, ChunkMeta]]]


@dataclass
class Entry:
    """What a story needs of one article, computed once when it is indexed."""

    id: str
    key: str  # digest of its chunk ids: another one means the article changed
    title: str
    source: str
    url: str
    day: int  # ordinal; 0 when undated
    lead: str
    chunk: str  # the first chunk's id: the passage a citation of the lead quotes
    names: list[str] = field(default_factory=list)
    sketch: list[int] = field(default_factory=list)
    story: str = ""
    roundup: bool = False  # a digest of many events: a story of its own that no other article joins


def grouping_settings() -> dict[str, float | str]:
    """What the grouping depends on; stories saved under other settings are regrouped."""
    return {
        "near": NEAR_DAYS,
        "span": SPAN_DAYS,
        "join": JOIN,
        "model": load_model().digest,
        "copy": COPY_FLOOR,
        "leads": VERSION,
    }


def article_keys(rows: Rows) -> dict[str, tuple[str, list[str]]]:
    """Each article's chunk-id digest and chunk ids, from the rows beside BM25."""
    chunks: dict[str, list[str]] = defaultdict(list)
    for cid, aid in zip(rows.ids, rows.article_ids):
        chunks[aid].append(cid)
    out = {}
    for aid, ids in chunks.items():
        ids.sort()
        out[aid] = (hashlib.sha1("\n".join(ids).encode()).hexdigest()[:16], ids)
    return out


def article_vectors(rows: Rows, order: list[str]) -> np.ndarray:
    """Unit mean of each article's chunk vectors, one row per id of `order`."""
    dim = rows.vectors.shape[1] if rows.vectors is not None else 1
    out = np.zeros((len(order), dim), dtype=np.float32)
    if rows.vectors is None or not order:
        return out
    place = {aid: i for i, aid in enumerate(order)}
    index = np.array([place.get(a, -1) for a in rows.article_ids])
    keep = index >= 0
    np.add.at(out, index[keep], np.asarray(rows.vectors, dtype=np.float32)[keep])
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


class StoryIndex:
    """Article -> story, saved as JSON in INDEX/stories/<collection>.json."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, Entry] = {}
        self.vectors: dict[str, np.ndarray] = {}
        self.leads: dict[str, np.ndarray] = {}  # each article's first chunk's vector
        self._sides: dict[str, Side] = {}  # what the same-story model reads of each article, read once per refresh
        self.digest = ""  # the BM25 rows' digest these stories were brought up to date with
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        settings = data.get("grouping") or {}
        if data.get("format") != FORMAT or settings.get("leads") != VERSION:
            return  # described otherwise: every article read again
        self.entries = {e["id"]: Entry(**e) for e in data["articles"]}
        if settings != grouping_settings():
            for e in self.entries.values():
                e.story = ""  # grouped otherwise: regrouped from what was read of them

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = {
            "format": FORMAT,
            "grouping": grouping_settings(),
            "articles": [asdict(e) for e in self.entries.values()],
        }
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)  # a reader sees the old file or the new one, never half of one

    def members(self) -> dict[str, list[Entry]]:
        """Story id -> its articles, oldest first."""
        out: dict[str, list[Entry]] = defaultdict(list)
        for e in self.entries.values():
            out[e.story].append(e)
        for items in out.values():
            items.sort(key=lambda e: (e.day, e.id))
        return out

    def refresh(self, rows: Rows, fetch: Fetch, digest: str = "") -> set[str]:
        """Bring the stories in line with the indexed articles; returns the ids of the stories that changed."""
        keys = article_keys(rows)
        order = list(keys)
        vectors = article_vectors(rows, order)
        self.vectors = dict(zip(order, vectors))
        gone = [aid for aid, e in self.entries.items() if aid not in keys or keys[aid][0] != e.key]
        touched = {self.entries[aid].story for aid in gone}
        for aid in gone:
            del self.entries[aid]
        new = [aid for aid in order if aid not in self.entries]
        entries = self._describe(new, keys, rows, fetch)
        entries += [self.entries.pop(aid) for aid in [aid for aid, e in self.entries.items() if not e.story]]
        self.leads = lead_vectors(rows, [*self.entries.values(), *entries])
        self._sides = {}
        touched |= self._assign(sorted(entries, key=lambda e: (e.day, e.id)))
        self.digest = digest
        return touched

    def _describe(self, ids: list[str], keys: dict, rows: Rows, fetch: Fetch) -> list[Entry]:
        """Read each new article's first chunks for its headline, lead, names and shingles."""
        found: list[Entry] = []
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            stored = fetch([cid for aid in batch for cid in keys[aid][1]])
            by_article: dict[str, list[tuple[ChunkMeta, str, str]]] = defaultdict(list)
            for cid, (text, meta) in stored.items():
                by_article[meta.article_id].append((meta, text, cid))
            for aid in batch:
                parts = sorted(by_article.get(aid, []), key=lambda p: p[0].position)
                if not parts:
                    continue
                meta, first, first_id = parts[0]
                opening = " ".join(text for _, text, _ in parts[:2])
                found.append(
                    Entry(
                        id=aid,
                        key=keys[aid][0],
                        title=meta.title,
                        source=meta.source,
                        url=meta.url,
                        day=meta.day,
                        lead=lead_of(first) or meta.title,
                        chunk=first_id,
                        names=sorted(names_in(f"{meta.title}. {opening}"))[:40],
                        sketch=sketch(opening),
                        roundup=is_roundup(meta.title),
                    )
                )
        return found

    def _assign(self, entries: Iterable[Entry]) -> set[str]:
        """Put each new article in the closest story seen near its date, or start one; returns the stories joined."""
        members = self.members()
        sids = list(members)
        entries = list(entries)
        dim = next(iter(self.vectors.values())).shape[0] if self.vectors else 1
        room = len(sids) + len(entries)
        # Preallocated: a story is added per article at most, and rebuilding arrays each time costs O(stories).
        matrix = np.zeros((room, dim), dtype=np.float32)
        first = np.zeros(room, dtype=np.int64)
        last = np.zeros(room, dtype=np.int64)
        counts = np.zeros(room, dtype=np.float32)
        for i, sid in enumerate(sids):
            counts[i] = len(members[sid])
            for e in members[sid]:
                if e.id in self.vectors:
                    matrix[i] += self.vectors[e.id]
            first[i] = min(e.day for e in members[sid])
            last[i] = max(e.day for e in members[sid])
            if any(e.roundup for e in members[sid]):
                first[i], last[i] = CLOSED, CLOSED
        touched: set[str] = set()
        for entry in entries:
            vector = self.vectors.get(entry.id, np.zeros(dim, dtype=np.float32))
            n = len(sids)
            best = (
                None
                if entry.roundup
                else self._closest(entry, vector, sids, matrix[:n], counts[:n], first[:n], last[:n], members)
            )
            if best is None:
                best, sid = n, "s" + entry.id
                sids.append(sid)
                members[sid] = []
                # A digest's story is closed: dated where no article's search for a story looks.
                first[best] = last[best] = CLOSED if entry.roundup else entry.day
            else:
                sid = sids[best]
                first[best], last[best] = min(first[best], entry.day), max(last[best], entry.day)
            matrix[best] += vector
            counts[best] += 1
            entry.story = sid
            members[sid].append(entry)
            self.entries[entry.id] = entry
            touched.add(sid)
        return touched

    def _closest(
        self,
        entry: Entry,
        vector: np.ndarray,
        sids: list[str],
        sums: np.ndarray,
        counts: np.ndarray,
        first: np.ndarray,
        last: np.ndarray,
        members: dict[str, list[Entry]],
    ) -> int | None:
        if not len(sids):
            return None
        near = np.flatnonzero(
            (last >= entry.day - NEAR_DAYS) & (first <= entry.day + NEAR_DAYS) & (first >= entry.day - SPAN_DAYS)
        )
        if not len(near):
            return None
        # The mean cosine to the story's articles (average link), not to their centroid: a story
        # about many things has a central vector close to everything on its subject, and would
        # gather every report on it; the mean stays high only for articles on the same event.
        sims = (sums[near] @ vector) / counts[near]
        top = np.argsort(-sims)[:CANDIDATES]
        model = load_model()
        one = self.side(entry)
        best, best_score = None, JOIN
        for i in top:
            story = members[sids[near[i]]]
            if float(sims[i]) >= COPY_FLOOR and any(copies(entry.sketch, other.sketch) for other in story):
                return int(near[i])
            score = float(np.mean(model.log_odds(pair_features(one, [self.side(other) for other in story]))))
            if score >= best_score:
                best, best_score = int(near[i]), score
        return best

    def side(self, e: Entry) -> Side:
        """What the same-story model reads of an article (an article is compared with many: read once)."""
        side = self._sides.get(e.id)
        if side is None:
            vector = self.vectors.get(e.id)
            if vector is None:
                vector = np.zeros(next(iter(self.vectors.values())).shape[0] if self.vectors else 1, dtype=np.float32)
            side = self._sides[e.id] = Side.of(vector, self.leads.get(e.id, vector), e.names, e.day, e.source)
        return side


def lead_vectors(rows: Rows, entries: Iterable[Entry]) -> dict[str, np.ndarray]:
    """Each article's first chunk's vector (the one its lead is read from)."""
    if rows.vectors is None:
        return {}
    place = {cid: i for i, cid in enumerate(rows.ids)}
    vectors = np.asarray(rows.vectors, dtype=np.float32)
    return {e.id: vectors[place[e.chunk]] for e in entries if e.chunk in place}
