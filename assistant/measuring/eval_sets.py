"""Question sets for `eval`: the questions and articles files, a seeded selection of them, and its cached seeds folder."""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    date: date
    question: str
    choices: tuple[str, ...]
    answer: str
    gold_ids: frozenset[str]
    search_ids: tuple[str, ...]
    source: str
    answer_in_search: bool = False  # the correct choice's text occurs in the question's own search results

    @property
    def answerable(self) -> bool:
        return bool(self.gold_ids)

    def asked(self) -> str:
        """The question with its choices offered as a person would: "...: A, B, C or D?"."""
        stem = self.question.strip().rstrip("?").rstrip()
        if not self.choices:
            return stem + "?"
        # A careful writer quotes options that hold commas or "or" of their own.
        ambiguous = any(re.search(r",\s|\bor\b", c) for c in self.choices)
        shown = [f"“{c.strip('“”')}”" if ambiguous else c for c in self.choices]
        offered = ", ".join(shown[:-1]) + f" or {shown[-1]}" if len(shown) > 1 else shown[0]
        return f"{stem}: {offered}?"


@dataclass
class Selection:
    questions: list[EvalQuestion]
    article_ids: list[str]
    key: str = ""
    notes: list[str] = field(default_factory=list)


def load_questions(path: Path) -> list[EvalQuestion]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line)
            out.append(
                EvalQuestion(
                    id=r["id"],
                    date=date.fromisoformat(r["date"]),
                    question=r["question"],
                    choices=tuple(r.get("choices") or ()),
                    answer=r.get("answer", ""),
                    gold_ids=frozenset(r.get("gold_ids") or ()),
                    search_ids=tuple(r.get("search_ids") or ()),
                    source=r.get("source", ""),
                    answer_in_search=bool(r.get("answer_in_search")),
                )
            )
    return out


def load_corpus_lines(path: Path) -> dict[str, str]:
    """Article id -> its raw JSON line, in file order."""
    lines: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                lines[json.loads(line)["id"]] = line.rstrip("\n")
    return lines


def select(
    questions: Sequence[EvalQuestion],
    corpus_ids: Sequence[str],
    *,
    sample: int | None,
    seed: int,
    distractors: int,
    answerable_only: bool = False,
) -> Selection:
    """The questions to ask and the articles to index.

    With `sample`, a seeded sample of questions and only their own search results and gold
    articles plus `distractors` times as many other articles; without it, everything.
    """
    pool = [q for q in questions if q.answerable] if answerable_only else list(questions)
    rng = random.Random(seed)
    if sample is None or sample >= len(pool):
        chosen = pool
    else:
        chosen = sorted(rng.sample(pool, sample), key=lambda q: q.id)
    present = set(corpus_ids)
    if sample is None:
        return Selection(chosen, list(corpus_ids))
    own = list(dict.fromkeys(i for q in chosen for i in (*q.search_ids, *sorted(q.gold_ids)) if i in present))
    others = [i for i in corpus_ids if i not in set(own)]
    extra = rng.sample(others, min(len(others), distractors * len(own)))
    keep = set(own) | set(extra)
    return Selection(chosen, [i for i in corpus_ids if i in keep])


def prepare(corpus: dict[str, str], selection: Selection, cache: Path) -> Path:
    """A folder for this exact set of articles, keyed by their content: reused by later runs."""
    body = "\n".join(corpus[i] for i in selection.article_ids) + "\n"
    selection.key = hashlib.sha256(body.encode()).hexdigest()[:16]
    folder = cache / selection.key
    seeds = folder / "seeds"
    seeds.mkdir(parents=True, exist_ok=True)
    target = seeds / "corpus.jsonl"
    if not target.exists() or target.stat().st_size != len(body.encode()):
        target.write_text(body, encoding="utf-8")
    return folder
