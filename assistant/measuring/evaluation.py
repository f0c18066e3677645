"""`news-assistant eval`: ask a question set as of each question's date, ours and the naive pipeline side by side."""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import metrics

RANK_DEPTH = 10  # articles ranked for Hits@k and MRR@k
DONE = "build.done"  # written into the naive index folder once its build has finished


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
class Outcome:
    """One pipeline's result for one question."""

    question_id: str
    outlet: str
    answerable: bool
    ranked: list[str]  # article ids, best first, deduplicated
    cited: list[str]
    text: str
    chosen: str | None
    correct: bool
    abstained: bool
    latency_ms: float
    late: int  # retrieved passages published after the question's date
    retrieved: int
    path: str = ""


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


def ask_all(
    questions: Sequence[EvalQuestion], ask_one: Callable[[EvalQuestion], dict], on_done: Callable[[], None] | None
) -> list[Outcome]:
    """One Outcome per question: `ask_one` gives the pipeline's own fields, timed by itself."""
    outcomes = []
    for q in questions:
        outcomes.append(Outcome(question_id=q.id, outlet=q.source, answerable=q.answerable, **ask_one(q)))
        if on_done:
            on_done()
    return outcomes


def ask_ours(assistant, questions: Sequence[EvalQuestion], on_done: Callable[[], None] | None = None) -> list[Outcome]:
    def one(q: EvalQuestion) -> dict:
        asked = q.asked()
        started = time.perf_counter()
        answer = assistant.answer(asked, as_of=q.date)
        latency = (time.perf_counter() - started) * 1000
        # The answer keeps only the passages it needs; the ranking metrics look deeper, untimed.
        ranking = assistant.retrieve(asked, as_of=q.date, k=2 * RANK_DEPTH)
        return dict(
            ranked=metrics.dedupe(p.article_id for p in ranking)[:RANK_DEPTH],
            cited=metrics.dedupe(c.article_id for c in answer.citations),
            text=answer.text,
            chosen=answer.choice,
            correct=metrics.choice_correct(answer.text, answer.choice, q.choices, q.answer),
            abstained=answer.abstained,
            latency_ms=latency,
            late=sum(1 for p in ranking if p.published and p.published > q.date),
            retrieved=len(ranking),
            path=answer.path,
        )

    return ask_all(questions, one, on_done)


def ask_naive(pipeline, questions: Sequence[EvalQuestion], on_done: Callable[[], None] | None = None) -> list[Outcome]:
    def one(q: EvalQuestion) -> dict:
        asked = q.asked()
        started = time.perf_counter()
        hits = pipeline.search(asked, k=RANK_DEPTH)
        chosen = pipeline.choose(asked, q.choices, hits) if q.choices else None
        return dict(
            ranked=metrics.dedupe(h.article_id for h in hits)[:RANK_DEPTH],
            cited=metrics.dedupe(h.article_id for h in hits[:5]),
            text=chosen or "",
            chosen=chosen,
            correct=chosen is not None and metrics.normalise(chosen) == metrics.normalise(q.answer),
            abstained=chosen is None,
            latency_ms=(time.perf_counter() - started) * 1000,
            late=sum(1 for h in hits if h.published and h.published > q.date.isoformat()),
            retrieved=len(hits),
            path="naive",
        )

    return ask_all(questions, one, on_done)


def summarise(outcomes: Sequence[Outcome], gold: dict[str, frozenset[str]]) -> dict[str, Any]:
    answerable = [o for o in outcomes if o.answerable]
    answered = [o for o in answerable if not o.abstained]
    latencies = [o.latency_ms for o in outcomes]
    retrieved = sum(o.retrieved for o in outcomes)
    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "hits@1": metrics.mean(metrics.hits_at(o.ranked, gold[o.question_id], 1) for o in answerable),
        "hits@5": metrics.mean(metrics.hits_at(o.ranked, gold[o.question_id], 5) for o in answerable),
        "hits@10": metrics.mean(metrics.hits_at(o.ranked, gold[o.question_id], 10) for o in answerable),
        "mrr@10": metrics.mean(metrics.mrr_at(o.ranked, gold[o.question_id], 10) for o in answerable),
        "citation_precision": metrics.mean(metrics.citation_precision(o.cited, gold[o.question_id]) for o in answered),
        "citation_recall": metrics.mean(metrics.citation_recall(o.cited, gold[o.question_id]) for o in answerable),
        "mc_accuracy": metrics.mean(1.0 if o.correct else 0.0 for o in outcomes),
        "abstain_rate": metrics.mean(1.0 if o.abstained else 0.0 for o in outcomes),
        "late_share": sum(o.late for o in outcomes) / retrieved if retrieved else None,
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
        # Which answerer produced each answer: "extractive", "llm:<backend>", "extractive (fallback: <why>)".
        "paths": dict(Counter(o.path for o in outcomes).most_common()),
    }


def by_outlet(outcomes: Iterable[Outcome], gold: dict[str, frozenset[str]]) -> dict[str, dict]:
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.outlet or "unknown", []).append(o)
    return {outlet: summarise(group, gold) for outlet, group in sorted(groups.items())}


def outcome_dicts(outcomes: Sequence[Outcome]) -> list[dict]:
    return [asdict(o) for o in outcomes]


def run(
    corpus_path: Path,
    questions_path: Path,
    *,
    sample: int | None = None,
    seed: int = 0,
    distractors: int = 5,
    answerable_only: bool = False,
    cache: Path = Path(".cache/eval"),
    baseline: bool = True,
    command: str = "",
    settings_overrides: dict | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Build (or reuse) both indexes for the selected articles, ask every question, and report."""
    import os

    from ..core import Assistant

    loadavg = [f"{x:.2f}" for x in os.getloadavg()]
    corpus = load_corpus_lines(corpus_path)
    questions = load_questions(questions_path)
    chosen = select(
        questions, list(corpus), sample=sample, seed=seed, distractors=distractors, answerable_only=answerable_only
    )
    folder = prepare(corpus, chosen, cache)
    log(f"{len(chosen.questions)} questions, {len(chosen.article_ids)} articles; cache {folder}")
    gold = {q.id: q.gold_ids for q in chosen.questions}

    assistant = Assistant(seeds_dir=folder / "seeds", index_dir=folder / "index", **(settings_overrides or {}))
    started = time.perf_counter()
    report_index = assistant.index(progress=_bar("Embedding (ours)", log))
    log(f"ours: {report_index.summary()} ({time.perf_counter() - started:.0f} s)")
    # Both indexes are built before any question is asked, so the two pipelines' questions are
    # asked back to back, under the same load.
    naive = build_naive(folder / "naive", corpus, chosen.article_ids, log) if baseline else None
    ours = ask_ours(assistant, chosen.questions, _ticker("Asking (ours)", len(chosen.questions)))

    result: dict = {**summarise(ours, gold)}
    result["by_outlet"] = by_outlet(ours, gold)
    if naive is not None:
        theirs = ask_naive(naive, chosen.questions, _ticker("Asking (naive)", len(chosen.questions)))
        result["baseline"] = summarise(theirs, gold)
        result["baseline"]["by_outlet"] = by_outlet(theirs, gold)
        result["difference"] = {
            k: (result[k] - result["baseline"][k])
            for k in result
            if isinstance(result.get(k), float) and isinstance(result["baseline"].get(k), float)
        }
        result["baseline_outcomes"] = outcome_dicts(theirs)
    result["outcomes"] = outcome_dicts(ours)
    result["run"] = {
        "command": command,
        "corpus_file": str(corpus_path),
        "questions_file": str(questions_path),
        "sample": sample,
        "seed": seed,
        "distractors": distractors,
        "answerable_only": answerable_only,
        "articles": len(chosen.article_ids),
        "cache_key": chosen.key,
        "loadavg": " ".join(loadavg),
        "settings": {k: "***" if k == "llm_api_key" and v else str(v) for k, v in vars(assistant.settings).items()},
    }
    return result


def build_naive(folder: Path, corpus: dict[str, str], ids: Sequence[str], log: Callable[[str], None]):
    """The naive pipeline's index of the selected articles, built unless a finished one is cached.

    A build that was stopped leaves a partial index behind; only a finished build writes
    DONE, so a partial one is thrown away rather than answered from.
    """
    import shutil

    from .baseline import NaivePipeline

    done = folder / DONE
    if folder.exists() and not done.exists():
        log(f"naive: {folder} holds an unfinished build; building it again")
        shutil.rmtree(folder)
    naive = NaivePipeline(folder)
    if not done.exists():
        started = time.perf_counter()
        chunks = naive.build(read_raw(corpus, ids))
        done.write_text(f"{chunks} chunks\n")
        log(f"naive: {chunks} chunks embedded ({time.perf_counter() - started:.0f} s)")
    return naive


def read_raw(corpus: dict[str, str], ids: Sequence[str]):
    """The articles as a naive pipeline sees them: the text field as is, no cleaning."""
    from ..articles import Article
    from ..reading.metadata import parse_date

    out = []
    for i in ids:
        r = json.loads(corpus[i])
        out.append(
            Article(
                id=r["id"], title=r.get("title", ""), text=r.get("text", ""), published=parse_date(r.get("published"))
            )
        )
    return out


def _bar(desc: str, log: Callable[[str], None]):
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if total == 0:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="chunk", desc=desc)
        bar.total = total  # an estimate until the last batch is chunked
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def _ticker(desc: str, total: int):
    from tqdm import tqdm

    bar = tqdm(total=total, unit="q", desc=desc)

    def tick() -> None:
        bar.update(1)
        if bar.n >= total:
            bar.close()

    return tick
