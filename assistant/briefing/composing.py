"""Briefings made from the stories: the top stories of a window, the latest on a topic, a topic's timeline."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Callable, Mapping, Sequence

import numpy as np

from ..answers import AlsoReported, Citation, Passage
from ..briefings import Briefing, Story, Window
from ..reading.sentences import split_sentences
from ..storing.chunk_meta import ChunkMeta
from .grouping import Entry, StoryIndex
from .leads import DATELINE, news_score

MAX_FACTS = 6  # sentences in a summary
MAX_EVENTS = 10  # dated developments in a timeline
EXTRA = 0.9  # how clearly a sentence beyond an article's lead must read as news (names and a reporting verb)
SAME_FACT = 0.8  # cosine at which two sentences tell the same fact (two outlets' wordings: ~0.9; next day's news: ~0.6)
# A retrieved story is a development of the best one (in its summary and timeline) when its articles
# are this close in meaning to the best story's: the same subject, a later turn of it.
RELATED = 0.6
THREAD_GAP = 14  # days between one development of a subject and the next
Search = Callable[[str], Sequence[Passage]]
Fetch = Callable[[list[str]], Mapping[str, tuple[str, ChunkMeta]]]
Embed = Callable[[list[str]], np.ndarray]  # unit vectors, one row per text


@dataclass
class Scope:
    """Which articles a briefing may use: a window of days (ordinals, inclusive) and outlets."""

    since: int = 0
    until: int = 10**7
    sources: frozenset[str] = frozenset()

    def allows(self, e: Entry) -> bool:
        if self.since and not e.day:
            return False  # an undated article cannot be said to belong to a window
        return self.since <= e.day <= self.until and (not self.sources or e.source in self.sources)


class Composer:
    """Turns stories into Briefings; `fetch` gives chunk texts for the citations."""

    def __init__(self, stories: StoryIndex, fetch: Fetch, embed: Embed):
        self._pending: list[tuple[Entry, str, list[Entry]]] = []
        self.stories = stories
        self.fetch = fetch
        self.embed = embed
        self._numbers: dict[str, int] = {}
        self._citations: dict[str, Citation] = {}

    # --- the top stories of a window --------------------------------------------------------

    def top(self, window: Window, scope: Scope, n: int) -> Briefing:
        groups = self.in_scope(scope)
        ranked = sorted(groups.values(), key=coverage, reverse=True)[:n]
        self._start()
        stories = [self._story(members) for members in ranked]
        return Briefing(window, self._finish(stories), kind="top", articles_in_window=sum(map(len, groups.values())))

    def in_scope(self, scope: Scope) -> dict[str, list[Entry]]:
        groups: dict[str, list[Entry]] = {}
        for e in self.stories.entries.values():
            if scope.allows(e):
                groups.setdefault(e.story, []).append(e)
        for members in groups.values():
            members.sort(key=lambda e: (e.day, e.id))
        return groups

    def _story(self, members: list[Entry], lead_entry: Entry | None = None) -> Story:
        lead = lead_entry or self.lead_entry(members)
        number = self._cite(lead, lead.lead, members)
        return make_story(members, lead, f"{lead.lead} [{number}]", (number,))

    def lead_entry(self, members: list[Entry]) -> Entry:
        """The article whose lead best states the story: central in meaning, and news rather than a teaser."""
        vectors = [self.stories.vectors.get(e.id) for e in members]
        known = [v for v in vectors if v is not None]
        centre = np.mean(known, axis=0) if known else None

        def score(item: tuple[Entry, np.ndarray | None]) -> float:
            e, v = item
            close = (
                float(v @ centre) / (float(np.linalg.norm(centre)) or 1) if v is not None and centre is not None else 0
            )
            return news_score(e.lead) + 2.0 * close

        return max(zip(members, vectors), key=score)[0]

    # --- a topic: its latest facts, or its timeline -------------------------------------------

    def topic_stories(self, passages: Sequence[Passage], scope: Scope) -> list[tuple[str, float]]:
        """Stories the retrieved passages belong to, best first, scored by reciprocal rank."""
        scores: dict[str, float] = {}
        for rank, p in enumerate(passages):
            e = self.stories.entries.get(p.article_id)
            if e is not None and scope.allows(e):
                scores[e.story] = scores.get(e.story, 0.0) + 1.0 / (rank + 1)
        return sorted(scores.items(), key=lambda kv: -kv[1])

    def thread(self, found: list[tuple[str, float]], groups: dict[str, list[Entry]]) -> list[Entry]:
        """The best retrieved story's articles and those of the other retrieved stories on its subject, oldest first.

        A story is on the subject when its articles are close in meaning to the best story's, and
        within THREAD_GAP days of the thread as it grows: an earlier incident of the same kind,
        years before, is another subject.
        """
        best = groups.get(found[0][0], [])
        known = [self.stories.vectors[e.id] for e in best if e.id in self.stories.vectors]
        if not known:
            return list(best)
        centre = np.mean(known, axis=0)
        centre = centre / (float(np.linalg.norm(centre)) or 1)
        related = []
        for sid, _ in found[1:]:
            members = groups.get(sid, [])
            close = [float(self.stories.vectors[e.id] @ centre) for e in members if e.id in self.stories.vectors]
            if close and float(np.mean(close)) >= RELATED and all(e.day for e in members):
                related.append(members)
        out = list(best)
        first, last = min(e.day for e in best), max(e.day for e in best)
        grew = True
        while grew:
            grew = False
            for members in list(related):
                if (
                    min(e.day for e in members) <= last + THREAD_GAP
                    and max(e.day for e in members) >= first - THREAD_GAP
                ):
                    out += members
                    first, last = min(first, *(e.day for e in members)), max(last, *(e.day for e in members))
                    related.remove(members)
                    grew = True
        return sorted(out, key=lambda e: (e.day, e.id))

    def summary(self, window: Window, scope: Scope, topic: str, passages: Sequence[Passage]) -> Briefing:
        found = self.topic_stories(passages, scope)
        self._start()
        if not found:
            return Briefing(window, [], kind="summary", topic=topic)
        groups = self.in_scope(scope)
        members = self.thread(found, groups)
        lead = self.lead_entry(groups[found[0][0]])
        # Each article's lead, and one more sentence from each retrieved passage of the story.
        facts: list[tuple[int, int, str, Entry]] = [(e.day, 0, e.lead, e) for e in members]
        own = {e.id for e in members}
        extra: set[str] = set()
        for p in passages:
            if p.article_id in own and p.article_id not in extra:
                entry = self.stories.entries[p.article_id]
                said = [s for s in split_sentences(p.text)[:4] if news_score(s) >= EXTRA and s not in entry.lead]
                if said:
                    extra.add(p.article_id)
                    facts.append((entry.day, 1, max(said, key=news_score), entry))
        facts.sort(key=lambda f: (-f[0], f[1]))  # newest developments first, each day's leads before the rest
        lines = self._facts([(d, text, e) for d, _, text, e in facts], groups, MAX_FACTS)
        story = make_story(members, lead, lines[0] if lines else lead.lead, (), tuple(lines))
        return Briefing(window, self._finish([story]), kind="summary", topic=topic)

    def timeline(self, window: Window, scope: Scope, topic: str, passages: Sequence[Passage]) -> Briefing:
        found = self.topic_stories(passages, scope)
        self._start()
        if not found:
            return Briefing(window, [], kind="timeline", topic=topic)
        groups = self.in_scope(scope)
        members = self.thread(found, groups)
        # One development a day: that day's clearest lead, in date order.
        by_day: dict[int, list[Entry]] = {}
        for e in members:
            by_day.setdefault(e.day, []).append(e)
        facts = [
            (day, max(items, key=lambda e: news_score(e.lead)).lead, max(items, key=lambda e: news_score(e.lead)))
            for day, items in sorted(by_day.items())
        ]
        lines = self._facts(facts, groups, MAX_EVENTS, dated=True)
        lead = self.lead_entry(groups[found[0][0]])
        story = make_story(members, lead, lines[-1] if lines else lead.lead, (), tuple(lines))
        return Briefing(window, self._finish([story]), kind="timeline", topic=topic)

    def _facts(
        self, facts: list[tuple[int, str, Entry]], groups: dict[str, list[Entry]], limit: int, dated=False
    ) -> list[str]:
        """Each fact once (another outlet's wording of it is left out), cited to its article; the other
        outlets of that article's own story are the ones that "also reported" it."""
        kept: list[str] = []
        sentences = [DATELINE.sub("", sentence).strip() for _, sentence, _ in facts]
        vectors = self.embed(sentences) if sentences else np.zeros((0, 1))
        seen: list[int] = []
        for i, (day, _, entry) in enumerate(facts):
            sentence = sentences[i]
            if not sentence or any(float(vectors[i] @ vectors[j]) >= SAME_FACT for j in seen):
                continue  # told already, by this outlet or another
            seen.append(i)
            number = self._cite(entry, sentence, groups.get(entry.story, [entry]))
            when = f"{date.fromordinal(day).isoformat()}: " if dated and day else ""
            kept.append(f"{when}{sentence} [{number}]")
            if len(kept) >= limit:
                break
        return kept

    # --- citations, numbered once per article within a briefing -------------------------------

    def _start(self) -> None:
        self._numbers, self._citations, self._pending = {}, {}, []

    def _cite(self, entry: Entry, sentence: str, members: list[Entry]) -> int:
        if entry.id not in self._numbers:
            self._numbers[entry.id] = len(self._numbers) + 1
            self._pending.append((entry, sentence, members))
        return self._numbers[entry.id]

    def _finish(self, stories: list[Story]) -> list[Story]:
        """Attach the citations, reading every cited passage in one go."""
        texts = self.fetch([e.chunk for e, _, _ in self._pending])
        cites: dict[int, Citation] = {}
        for entry, sentence, members in self._pending:
            number = self._numbers[entry.id]
            text = texts.get(entry.chunk, (entry.lead, None))[0]
            others = tuple(
                AlsoReported(o.id, o.title, o.source, o.url, day_of(o.day))
                for o in members
                if o.id != entry.id and o.source and o.source != entry.source
            )
            cites[number] = Citation(
                number=number,
                article_id=entry.id,
                title=entry.title,
                source=entry.source,
                published=day_of(entry.day),
                url=entry.url,
                passage=text,
                sentence=sentence,
                chunk_id=entry.chunk,
                also_reported_by=unique_outlets(others),
            )
        out = []
        for story in stories:
            used = sorted({int(n) for line in (story.lead, *story.facts) for n in re.findall(r"\[(\d+)\]", line)})
            out.append(replace_citations(story, tuple(cites[n] for n in used if n in cites)))
        return out


def coverage(members: list[Entry]) -> tuple[int, int, float, int]:
    """Distinct outlets, then articles, then how plainly its best lead states news, then the newest date: how a story ranks."""
    news = max(news_score(e.lead) for e in members)
    return len({e.source for e in members}), len(members), news, max(e.day for e in members)


def make_story(members: list[Entry], lead: Entry, text: str, numbers: tuple, facts: tuple[str, ...] = ()) -> Story:
    days = [e.day for e in members if e.day]
    return Story(
        id=lead.story,
        title=clean_title(lead.title),
        lead=text,
        citations=(),
        articles=tuple(e.id for e in members),
        outlets=tuple(dict.fromkeys(e.source for e in members if e.source)),
        first_seen=day_of(min(days)) if days else None,
        last_seen=day_of(max(days)) if days else None,
        facts=facts,
    )


DANGLING = frozenset("a an the to of and or in on for with as at by from what how why who when is are was".split())


def clean_title(title: str) -> str:
    """A headline without a search engine's cut ("...: What to ...") or a site's name after a bar."""
    title = re.sub(r"\s*\|[^|]*$", "", title.strip()) or title.strip()
    if not re.search(r"(?:\.\.\.|…)$", title):
        return title
    words = re.sub(r"\s*(?:\.\.\.|…)$", "", title).split()
    while len(words) > 3 and words[-1].lower().strip(",:;") in DANGLING:
        words.pop()  # the cut left a sentence hanging on a small word
    return " ".join(words).rstrip(" ,:;–—-")


def replace_citations(story: Story, citations: tuple[Citation, ...]) -> Story:
    from dataclasses import replace

    return replace(story, citations=citations)


def unique_outlets(others: tuple[AlsoReported, ...]) -> tuple[AlsoReported, ...]:
    seen: set[str] = set()
    out = []
    for a in others:
        if a.source not in seen:
            seen.add(a.source)
            out.append(a)
    return tuple(out)


def day_of(day: int) -> date | None:
    return date.fromordinal(day) if day > 0 else None
