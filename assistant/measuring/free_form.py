"""`eval --free-form`: questions asked without their options, the short answer and the lead scored against the quiz's answer.

Scores follow RealTimeQA's own free-form anchors (SQuAD normalisation, exact match and token F1),
so the benchmark's GPT-3 and RAG outputs (`anchors/generation.jsonl` beside the questions) can be
scored on the same questions in the same report.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from ..answering.wanted import wanted
from . import metrics
from .eval_sets import EvalQuestion
from .outcomes import RANK_DEPTH, Outcome

ANCHORS = Path("anchors") / "generation.jsonl"
# Other settings of the abstention decision, so the trade-off can be seen beside the one in use.
THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
RIGHT = 0.5  # token F1 from which a short answer counts as right, for citation support
# The first sentence of a composed answer ends at its first citation marker's stop.
LEAD_END = re.compile(r"\[\d+\](?:\[\d+\])*[.!?]")


@dataclass
class FreeOutcome:
    """One question asked without its options, and what came back."""

    question_id: str
    outlet: str
    answerable: bool  # the gold article is in the corpus
    answer_in_search: bool  # the answer's text is in the question's own search results
    gold: str
    short: str | None
    lead: str
    text: str
    abstained: bool
    confidence: float | None
    cited: list[str]  # article ids
    cited_sentences: list[str]
    latency_ms: float
    path: str = ""
    searched: str = ""
    ranked: list[str] = field(default_factory=list)
    late: int = 0
    retrieved: int = 0
    wants_short: bool = True  # asks for a name, number, date...: the confidence threshold decides it

    def as_outcome(self) -> Outcome:
        """The fields the retrieval and citation figures of `eval` read."""
        return Outcome(
            question_id=self.question_id,
            outlet=self.outlet,
            answerable=self.answerable,
            ranked=self.ranked,
            cited=self.cited,
            text=self.text,
            chosen=None,
            correct=False,
            abstained=self.abstained,
            latency_ms=self.latency_ms,
            late=self.late,
            retrieved=self.retrieved,
            path=self.path,
        )


def lead_sentence(text: str) -> str:
    """An answer's first sentence: up to its first cited stop, or all of an uncited text."""
    match = LEAD_END.search(text)
    return text[: match.end()] if match else text


def ask_free(
    assistant: Any, questions: Sequence[EvalQuestion], on_done: Callable[[], None] | None
) -> list[FreeOutcome]:
    outcomes = []
    for q in questions:
        started = time.perf_counter()
        answer = assistant.answer(q.question, as_of=q.date)
        latency = (time.perf_counter() - started) * 1000
        ranking = assistant.retrieve(q.question, as_of=q.date, k=2 * RANK_DEPTH)
        outcomes.append(
            FreeOutcome(
                question_id=q.id,
                outlet=q.source,
                answerable=q.answerable,
                answer_in_search=q.answer_in_search,
                gold=q.answer,
                short=answer.short,
                lead=lead_sentence(answer.text),
                text=answer.text,
                abstained=answer.abstained,
                confidence=answer.confidence,
                cited=metrics.dedupe(c.article_id for c in answer.citations),
                cited_sentences=[c.sentence for c in answer.citations],
                latency_ms=latency,
                path=answer.path,
                searched=answer.searched,
                ranked=metrics.dedupe(p.article_id for p in ranking)[:RANK_DEPTH],
                late=sum(1 for p in ranking if p.published and p.published > q.date),
                retrieved=len(ranking),
                wants_short=wanted(q.question).short,
            )
        )
        if on_done:
            on_done()
    return outcomes


def decided(outcome: FreeOutcome, threshold: float) -> FreeOutcome:
    """The outcome as the answerer gives it when it abstains below `threshold` (questions wanting a short answer).

    The questions are asked with abstention off (every answer given, with its confidence), so
    each setting of the decision can be scored exactly: below the threshold the answer is
    "the articles don't say", with no short answer, lead or citation.
    """
    if outcome.abstained or not outcome.wants_short:
        return outcome  # a why/how question is decided by its best sentence, whatever the threshold
    if outcome.confidence is not None and outcome.confidence >= threshold:
        return outcome
    return replace(outcome, short=None, lead="", text="", abstained=True, cited=[], cited_sentences=[])


def summarise_free(outcomes: Sequence[FreeOutcome], threshold: float) -> dict[str, Any]:
    """short_em, short_f1, gold_in_lead, abstention on answerable and unanswerable questions, citation
    support, at the decision's threshold in use; then the same at other thresholds."""
    figures = _figures([decided(o, threshold) for o in outcomes])
    figures["threshold"] = threshold
    figures["abstention_curve"] = [
        {"threshold": t, **_figures([decided(o, t) for o in outcomes])} for t in sorted({*THRESHOLDS, threshold})
    ]
    for point in figures["abstention_curve"]:
        for key in ("paths", "latency_p50_ms", "latency_p95_ms", "questions", "answerable_by_search"):
            point.pop(key, None)
    return figures


def _figures(outcomes: Sequence[FreeOutcome]) -> dict[str, Any]:
    answered = [o for o in outcomes if not o.abstained]
    right = [o for o in answered if metrics.token_f1(o.short, o.gold) >= RIGHT]
    with_answer = [o for o in outcomes if o.answer_in_search]
    without = [o for o in outcomes if not o.answer_in_search]
    latencies = [o.latency_ms for o in outcomes]
    return {
        "questions": len(outcomes),
        "short_em": metrics.mean(metrics.exact_match(o.short, o.gold) for o in outcomes),
        "short_f1": metrics.mean(metrics.token_f1(o.short, o.gold) for o in outcomes),
        "short_given": metrics.mean(float(o.short is not None) for o in outcomes),
        "gold_in_lead": metrics.mean(float(metrics.states(o.lead, o.gold)) for o in outcomes),
        "gold_in_answer": metrics.mean(float(metrics.states(o.text, o.gold)) for o in outcomes),
        "abstain_rate": metrics.mean(float(o.abstained) for o in outcomes),
        "abstain_answerable": metrics.mean(float(o.abstained) for o in with_answer),
        "abstain_unanswerable": metrics.mean(float(o.abstained) for o in without),
        "answerable_by_search": len(with_answer),
        "citation_support": _support(answered),
        "citation_support_right": _support(right),
        "right_answers": len(right),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
        "paths": dict(Counter(o.path for o in outcomes).most_common()),
    }


def _support(outcomes: Sequence[FreeOutcome]) -> float | None:
    """Share of the citations whose cited sentence itself states the gold answer (any outlet's report counts)."""
    return metrics.mean(float(metrics.states(s, o.gold)) for o in outcomes for s in o.cited_sentences)


def anchors(questions_path: Path, questions: Sequence[EvalQuestion]) -> dict[str, dict[str, Any]] | None:
    """RealTimeQA's own free-form outputs for these questions, scored the same way; None without the file."""
    path = questions_path.parent / ANCHORS
    if not path.is_file():
        return None
    wanted = {q.id: q for q in questions}
    by_system: dict[str, list[tuple[str, EvalQuestion]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if row["id"] in wanted:
                    by_system.setdefault(row["system"], []).append((row["prediction"] or "", wanted[row["id"]]))
    return {
        system: {
            "questions": len(rows),
            "short_em": metrics.mean(metrics.exact_match(p, q.answer) for p, q in rows),
            "short_f1": metrics.mean(metrics.token_f1(p, q.answer) for p, q in rows),
            "gold_in_lead": metrics.mean(float(metrics.states(lead_sentence(p), q.answer)) for p, q in rows),
        }
        for system, rows in sorted(by_system.items())
    }


def outcome_dicts(outcomes: Sequence[FreeOutcome]) -> list[dict]:
    return [asdict(o) for o in outcomes]
