"""`news-assistant eval`: ask a question set as of each question's date, ours and the naive pipeline side by side."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable, Sequence

from . import metrics
from .eval_sets import EvalQuestion, load_corpus_lines, load_questions, prepare, select
from .outcomes import RANK_DEPTH, Outcome, by_outlet, outcome_dicts, summarise

DONE = "build.done"  # written into the naive index folder once its build has finished


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


def ask_naive(
    pipeline, questions: Sequence[EvalQuestion], on_done: Callable[[], None] | None = None, free_form: bool = False
) -> list[Outcome]:
    def one(q: EvalQuestion) -> dict:
        asked = q.question if free_form else q.asked()
        started = time.perf_counter()
        hits = pipeline.search(asked, k=RANK_DEPTH)
        chosen = pipeline.choose(asked, q.choices, hits) if q.choices and not free_form else None
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
    free_form: bool = False,
    log: Callable[[str], None] = print,
) -> dict:
    """Build (or reuse) both indexes for the selected articles, ask every question, and report.

    With `free_form`, each question is asked without its options (see free_form.py).
    """
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

    overrides = dict(settings_overrides or {})
    if free_form:
        # Every answer given with its confidence: each setting of the abstention decision is then scored exactly.
        threshold = float(overrides.get("min_confidence", -1.0))
        overrides["min_confidence"] = 0.0
    assistant = Assistant(seeds_dir=folder / "seeds", index_dir=folder / "index", **overrides)
    started = time.perf_counter()
    report_index = assistant.index(progress=_bar("Embedding (ours)", log))
    log(f"ours: {report_index.summary()} ({time.perf_counter() - started:.0f} s)")
    # Both indexes are built before any question is asked, so the two pipelines' questions are
    # asked back to back, under the same load.
    naive = build_naive(folder / "naive", corpus, chosen.article_ids, log) if baseline else None
    ticker = _ticker("Asking (ours)", len(chosen.questions))
    result: dict = {}
    if free_form:
        from ..answering.short_answers import load_model
        from . import free_form as free

        free_outcomes = free.ask_free(assistant, chosen.questions, ticker)
        ours = [o.as_outcome() for o in free_outcomes]
        in_use = threshold if threshold >= 0 else load_model().threshold
        result["free_form"] = free.summarise_free(free_outcomes, in_use)
        result["anchors"] = free.anchors(questions_path, chosen.questions)
        result["free_form_outcomes"] = free.outcome_dicts(free_outcomes)
    else:
        ours = ask_ours(assistant, chosen.questions, ticker)
    result.update(summarise(ours, gold))
    result["by_outlet"] = by_outlet(ours, gold)
    if naive is not None:
        theirs = ask_naive(naive, chosen.questions, _ticker("Asking (naive)", len(chosen.questions)), free_form)
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
        "free_form": free_form,
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

            bar = tqdm(total=total, unit="article", desc=desc)
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
