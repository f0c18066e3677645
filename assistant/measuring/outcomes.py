"""One pipeline's result per question, and the retrieval, citation and choice figures over a set of them."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, Iterable, Sequence

from . import metrics

RANK_DEPTH = 10  # articles ranked for Hits@k and MRR@k


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
