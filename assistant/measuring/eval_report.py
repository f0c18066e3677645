"""Write an eval run as JSON and as a Markdown report with plots (matplotlib PNG)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

KEYS = [
    "hits@1",
    "hits@5",
    "hits@10",
    "mrr@10",
    "citation_precision",
    "citation_recall",
    "mc_accuracy",
    "abstain_rate",
    "late_share",
    "latency_p50_ms",
    "latency_p95_ms",
]
FREE_FORM_KEYS = [
    "short_em",
    "short_f1",
    "short_given",
    "gold_in_lead",
    "gold_in_answer",
    "abstain_rate",
    "abstain_answerable",
    "abstain_unanswerable",
    "citation_support",
    "citation_support_right",
    "right_answers",
    "threshold",
]
HIGHER_IS_BETTER = {"hits@1", "hits@5", "hits@10", "mrr@10", "citation_precision", "citation_recall", "mc_accuracy"}


def fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "–"
    if key.startswith("latency"):
        return f"{value:.0f}"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def diff(ours: Any, base: Any, key: str) -> str:
    if ours is None or base is None:
        return "–"
    delta = ours - base
    return f"{delta:+.0f}" if key.startswith("latency") else f"{delta:+.3f}"


def write_json(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))


def markdown(report: dict, plots: list[str]) -> str:
    base = report.get("baseline") or {}
    lines = [
        f"# Evaluation: {report['run']['questions_file']}",
        "",
        f"Command: `{report['run']['command']}`",
        "",
        f"{report['questions']} questions ({report['answerable']} answerable), {report['run']['articles']} articles "
        f"indexed, as of each question's date. Load average at start: {report['run']['loadavg']}.",
        "",
        "| metric | ours | naive LangChain | difference |",
        "|---|---:|---:|---:|",
    ]
    for key in KEYS:
        lines.append(
            f"| {key} | {fmt(report.get(key), key)} | {fmt(base.get(key), key)} | {diff(report.get(key), base.get(key), key)} |"
        )
    if report.get("paths"):
        answered = ", ".join(f"{name}: {count}" for name, count in sorted(report["paths"].items()))
        lines += ["", f"Which answerer answered (ours): {answered}."]
    lines += [
        "",
        "## By outlet (ours)",
        "",
        "| outlet | questions | hits@5 | mrr@10 | mc_accuracy | abstain_rate |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for outlet, m in report.get("by_outlet", {}).items():
        lines.append(
            f"| {outlet} | {m['questions']} | {fmt(m['hits@5'])} | {fmt(m['mrr@10'])} | {fmt(m['mc_accuracy'])} | {fmt(m['abstain_rate'])} |"
        )
    if report.get("free_form"):
        lines += free_form_markdown(report["free_form"], report.get("anchors"))
    for plot in plots:
        lines += ["", f"![{Path(plot).stem}]({plot})"]
    return "\n".join(lines) + "\n"


def free_form_markdown(free: dict, anchors: dict | None) -> list[str]:
    """The free-form figures, RealTimeQA's own systems on the same questions, and the abstention trade-off."""
    lines = [
        "",
        "## Free-form (asked without the options)",
        "",
        f"Abstaining below a confidence of {free['threshold']:.3f}. "
        f"{free['answerable_by_search']} of {free['questions']} questions have the answer in their own search results.",
        "",
        "| metric | ours |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {fmt(free.get(k), k)} |" for k in FREE_FORM_KEYS if k != "threshold"]
    if anchors:
        lines += ["", "| system | short_em | short_f1 | gold_in_lead |", "|---|---:|---:|---:|"]
        lines.append(f"| ours | {fmt(free['short_em'])} | {fmt(free['short_f1'])} | {fmt(free['gold_in_lead'])} |")
        for system, m in anchors.items():
            lines.append(f"| {system} | {fmt(m['short_em'])} | {fmt(m['short_f1'])} | {fmt(m['gold_in_lead'])} |")
    lines += [
        "",
        "| threshold | abstain_answerable | abstain_unanswerable | short_f1 | gold_in_lead |",
        "|---:|---:|---:|---:|---:|",
    ]
    for point in free.get("abstention_curve", []):
        lines.append(
            f"| {point['threshold']:.3f} | {fmt(point['abstain_answerable'])} | {fmt(point['abstain_unanswerable'])} "
            f"| {fmt(point['short_f1'])} | {fmt(point['gold_in_lead'])} |"
        )
    return lines


def plot(report: dict, folder: Path, stem: str) -> list[str]:
    """Two PNGs beside the Markdown: the quality metrics side by side, and latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = report.get("baseline") or {}
    names = [k for k in KEYS if not k.startswith("latency") and report.get(k) is not None]
    files = []
    fig, ax = plt.subplots(figsize=(8, 3.2))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [report[k] or 0 for k in names], width=0.4, label="ours")
    ax.bar([x + 0.2 for x in xs], [base.get(k) or 0 for k in names], width=0.4, label="naive LangChain")
    ax.set_xticks(list(xs), names, rotation=30, ha="right")
    ax.set_ylim(0, 1)
    ax.legend()
    ax.set_title("Quality (higher is better, except abstain_rate and late_share)")
    fig.tight_layout()
    name = f"{stem}-quality.png"
    fig.savefig(folder / name, dpi=90)
    files.append(name)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5, 2.8))
    keys = ["latency_p50_ms", "latency_p95_ms"]
    ax.bar([0 - 0.2, 1 - 0.2], [report.get(k) or 0 for k in keys], width=0.4, label="ours")
    ax.bar([0 + 0.2, 1 + 0.2], [base.get(k) or 0 for k in keys], width=0.4, label="naive LangChain")
    ax.set_xticks([0, 1], ["p50", "p95"])
    ax.set_ylabel("ms per question")
    ax.legend()
    fig.tight_layout()
    name = f"{stem}-latency.png"
    fig.savefig(folder / name, dpi=90)
    files.append(name)
    plt.close(fig)
    return files


def write_markdown(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    plots = plot(report, path.parent, path.stem)
    path.write_text(markdown(report, plots))
