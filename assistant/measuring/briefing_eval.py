"""`eval --briefing`: do the top stories of each quiz week hold the articles the quiz asked about?

RealTimeQA's weekly quiz is a newsroom's own pick of what mattered that week. For each quiz
date the briefing is made as of that date (its default window: the week up to it), and a
question counts as covered at K when one of its relevant articles (its gold article, or one
of its search results that contains the answer) is in one of the top K stories. The baseline,
in the same run, is the K newest articles of the same window taken one by one.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Sequence

from .eval_sets import EvalQuestion, load_corpus_lines, load_questions, prepare, select
from .metrics import percentile, states

KS = (10, 30)
WEEK = 7  # the briefing's default window, as briefing/overview.py reads "the week up to now"


def relevant_articles(q: EvalQuestion, texts: dict[str, str]) -> set[str]:
    """The question's gold articles, and its search results whose text states the answer."""
    found = set(q.gold_ids) & set(texts)
    if q.answer:
        found |= {a for a in q.search_ids if a in texts and states(texts[a], q.answer)}
    return found


def retrieved_for(questions: Sequence[EvalQuestion], merge: bool = False) -> dict[str, str]:
    """Article id -> the one question whose search retrieved it (articles retrieved for several are left out).

    With `merge`, questions of the same quiz week with the same answer count as one.
    """
    asked: dict[str, set[str]] = defaultdict(set)
    for q in questions:
        key = f"{q.date.isocalendar()[:2]}|{q.answer.strip().lower()}" if merge and q.answer else q.id
        for a in q.search_ids:
            asked[a].add(key)
    return {a: next(iter(qs)) for a, qs in asked.items() if len(qs) == 1}


def story_purity(members: dict[str, list[str]], questions: list[EvalQuestion], merge: bool = False) -> dict:
    """Share of a story's labelled articles whose question is the story's most common one.

    An article is labelled by the question it was retrieved for, when exactly one question
    retrieved it; only stories with two or more labelled articles say anything about purity.
    With `merge`, questions of the same quiz week with the same answer (two quizzes asking
    about one event: "The FBI searched which property...", "...at which home...") are one.
    """
    label = retrieved_for(questions, merge)
    pure = total = stories = 0
    for ids in members.values():
        labels = [label[a] for a in ids if a in label]
        if len(labels) < 2:
            continue
        stories += 1
        total += len(labels)
        pure += Counter(labels).most_common(1)[0][1]
    return {"story_purity": pure / total if total else None, "purity_stories": stories, "purity_articles": total}


def run(
    corpus_path: Path,
    questions_path: Path,
    *,
    cache: Path,
    command: str = "",
    settings_overrides: dict | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Brief as of every quiz date over the whole corpus (its index reused from `cache`, as `eval` keeps it)."""
    from ..core import Assistant

    corpus = load_corpus_lines(corpus_path)
    questions = load_questions(questions_path)
    chosen = select(questions, list(corpus), sample=None, seed=0, distractors=0)
    folder = prepare(corpus, chosen, cache)
    log(f"{len(questions)} questions, {len(corpus)} articles; cache {folder}")
    assistant = Assistant(seeds_dir=folder / "seeds", index_dir=folder / "index", **(settings_overrides or {}))
    started = time.perf_counter()
    report_index = assistant.index()
    log(f"index: {report_index.summary()} ({time.perf_counter() - started:.0f} s)")
    started = time.perf_counter()
    stories = assistant.stories()
    log(f"stories: {len(set(e.story for e in stories.entries.values()))} ({time.perf_counter() - started:.1f} s)")

    texts = {}
    for aid, line in corpus.items():
        record = json.loads(line)
        texts[aid] = f"{record.get('title', '')}\n{record.get('text', '')}"
    days = {aid: e.day for aid, e in stories.entries.items()}
    weeks: dict[date, list[EvalQuestion]] = defaultdict(list)
    for q in questions:
        weeks[q.date].append(q)

    rows: list[dict] = []
    latencies: list[float] = []
    for when in sorted(weeks):
        t0 = time.perf_counter()
        briefing = assistant.brief(as_of=when, top=max(KS))
        latencies.append((time.perf_counter() - t0) * 1000)
        first, last = (when - timedelta(days=WEEK - 1)).toordinal(), when.toordinal()
        in_window = [a for a, d in days.items() if first <= d <= last]
        newest = sorted(in_window, key=lambda a: (-days[a], a))
        for q in weeks[when]:
            relevant = relevant_articles(q, texts)
            row: dict = {"id": q.id, "date": when.isoformat(), "relevant": len(relevant)}
            row["in_window"] = bool(relevant & set(in_window))
            for k in KS:
                covered = {a for s in briefing.stories[:k] for a in s.articles}
                row[f"story@{k}"] = bool(relevant & covered)
                row[f"newest@{k}"] = bool(relevant & set(newest[:k]))
            rows.append(row)

    counted = [r for r in rows if r["in_window"]]
    result: dict = {
        "questions": len(rows),
        "questions_with_relevant_article": sum(1 for r in rows if r["relevant"]),
        "questions_counted": len(counted),
        "weeks": len(weeks),
    }
    for k in KS:
        ours = sum(bool(r[f"story@{k}"]) for r in counted) / len(counted) if counted else None
        base = sum(bool(r[f"newest@{k}"]) for r in counted) / len(counted) if counted else None
        result[f"quiz_coverage@{k}"] = ours
        result[f"newest_baseline@{k}"] = base
        result[f"difference@{k}"] = ours - base if ours is not None and base is not None else None
    grouped = {sid: [e.id for e in m] for sid, m in stories.members().items()}
    result.update(story_purity(grouped, questions))
    result["story_purity_same_answer_merged"] = story_purity(grouped, questions, merge=True)["story_purity"]
    result["stories"] = len(stories.members())
    result["articles"] = len(stories.entries)
    # The first briefing also reads the stories file; the rest are what a person waits for.
    warm = latencies[1:] or latencies
    result["briefing_p50_ms"] = percentile(warm, 50)
    result["briefing_p95_ms"] = percentile(warm, 95)
    result["briefing_first_ms"] = latencies[0] if latencies else None
    result["rows"] = rows
    result["run"] = {"command": command, "corpus_file": str(corpus_path), "questions_file": str(questions_path)}
    return result
