"""The bench's report: its figures' names, a Markdown table with notes, and a plot of four panels (matplotlib PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

KEYS = [
    "index_articles_per_s",
    "index_chunks_per_s",
    "index_wall_s",
    "index_peak_rss_mb",
    "reindex_noop_s",
    "reindex_1pct_s",
    "query_p50_ms",
    "query_p95_ms",
    "query_p99_ms",
    "answer_p50_ms",
    "answer_p95_ms",
    "answer_p99_ms",
    "cold_start_s",
    "cold_start_serve_s",
    "fetch_100_items_s",
    "refresh_noop_s",
]
LABELS = {
    "index_articles_per_s": "articles/s",
    "index_chunks_per_s": "chunks/s",
    "index_wall_s": "full build",
    "reindex_noop_s": "nothing changed",
    "reindex_1pct_s": "1% edited",
    "cold_start_s": "ask",
    "cold_start_serve_s": "chat server",
    "fetch_100_items_s": "fetch 100 items",
    "refresh_noop_s": "refresh, feeds unchanged",
}


def fmt(value: Any, key: str) -> str:
    if value is None:
        return "–"
    if key.endswith("_ms") or key.endswith("_mb"):
        return f"{value:.0f}"
    return f"{value:.2f}"


def markdown(report: dict, plot: str | None) -> str:
    run = report["run"]
    base = report.get("baseline") or {}
    lines = [
        f"# Benchmark: {Path(run['corpus']).parent.name or run['corpus']}, {run['articles']} articles",
        "",
        f"Command: `{run['command']}`",
        "",
        f"{run['articles']} articles, {run['queries']} queries, Chroma: {run['chroma']}, "
        f"embedding dtype: {run['embedding_dtype']}, CPU: {run['cpu']} ({run['cores']} cores). "
        f"Load average at start: {report['loadavg']['start']}; at end: {report['loadavg']['end']}.",
        "",
        "| figure | ours | naive LangChain | ours / naive |",
        "|---|---:|---:|---:|",
    ]
    for key in KEYS:
        ratio = report["ratios"].get(key)
        lines.append(
            f"| {key} | {fmt(report.get(key), key)} | {fmt(base.get(key), key)} | "
            f"{'–' if ratio is None else f'{ratio:.2f}'} |"
        )
    details = report.get("details", {})
    notes = []
    if "reindex_noop" in details:
        d = details["reindex_noop"]
        notes.append(
            f"Rebuild with nothing changed: model loaded: {d['model_loaded']}, {d['chunks_embedded']} chunks embedded."
        )
        d = details["reindex_1pct"]
        notes.append(
            f"Rebuild after editing {details['touched_articles']} articles: {d['changed']} changed, "
            f"{d['chunks_embedded']} chunks embedded. The naive pipeline has no change detection, so its "
            "rebuild figures are its full build."
        )
    if isinstance(details.get("ours_query"), list):
        per_round = "; ".join(
            f"{name}: " + ", ".join(f"{r['query_p50_ms']:.1f}" for r in details[key])
            for name, key in (("ours", "ours_query"), ("naive", "naive_query"))
            if details.get(key)
        )
        notes.append(
            f"Queries: {len(details['ours_query'])} rounds per pipeline, alternating, each in a fresh process, "
            f"latencies pooled. Retrieval p50 per round, ms: {per_round}."
        )
    if "import_sentence_transformers_s" in details:
        notes.append(
            f"Bare `import sentence_transformers`: {details['import_sentence_transformers_s']:.2f} s; "
            f"`news-assistant ask` cold start is {report['cold_start_s'] / details['import_sentence_transformers_s']:.2f}x that."
        )
    if "feeds" in details:
        d = details["feeds"]
        notes.append(
            f"Feeds (a local server on 127.0.0.1, {d['items_fetched']} items over {len(d['feed_urls'])} RSS feeds): "
            f"fetching them took {d['fetch_requests']} requests; the refresh with every feed unchanged took "
            f"{d['refresh_requests']} ({d['refresh_unchanged_feeds']} answered 304) and a rebuild that embedded "
            f"{d['refresh_chunks_embedded']} chunks. The naive pipeline fetches nothing."
        )
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    if plot:
        lines += ["", f"![{Path(plot).stem}]({plot})"]
    return "\n".join(lines) + "\n"


def plot(report: dict, path: Path) -> str:
    """One PNG of four panels: throughput, rebuild times, latency, cold start and memory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = report.get("baseline") or {}
    panels = [
        ("Index throughput (higher is better)", ["index_articles_per_s", "index_chunks_per_s"], "per second"),
        ("Build and rebuild (s)", ["index_wall_s", "reindex_noop_s", "reindex_1pct_s"], "seconds"),
        (
            "Latency (ms)",
            ["query_p50_ms", "query_p95_ms", "query_p99_ms", "answer_p50_ms", "answer_p95_ms", "answer_p99_ms"],
            "ms",
        ),
        (
            "Cold start and feeds (s)",
            ["cold_start_s", "cold_start_serve_s", "fetch_100_items_s", "refresh_noop_s"],
            "seconds",
        ),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5))
    for ax, (title, keys, unit) in zip(axes.flat, panels):
        xs = range(len(keys))
        ax.bar([x - 0.2 for x in xs], [report.get(k) or 0 for k in keys], width=0.4, label="ours")
        ax.bar([x + 0.2 for x in xs], [base.get(k) or 0 for k in keys], width=0.4, label="naive LangChain")
        labels = [LABELS.get(k, k.removesuffix("_ms")) for k in keys]
        ax.set_xticks(list(xs), labels, rotation=20, ha="right", fontsize=8)
        ax.set_ylabel(unit)
        ax.set_title(title, fontsize=10)
        if any(k.startswith("reindex") for k in keys):
            ax.set_yscale("log")
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path.name


def write_markdown(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    picture = plot(report, path.with_suffix(".png"))
    path.write_text(markdown(report, picture))
