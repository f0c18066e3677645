"""`news-assistant bench`: speed and memory of ours and the naive LangChain pipeline, side by side.

Every build, rebuild and query run happens in a child process of its own, so each one's
peak RSS and start-up cost is its own and nothing warmed up by one run helps the next.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from . import bench_feeds
from .bench_phases import RESULT_MARK, BenchSpec, server_client
from .bench_report import KEYS

TOUCH_SHARE = 0.01
TOUCH_TEXT = " Officials said further details would be released later in the week."  # plain prose: cleaning keeps it
COLD_RUNS = 2  # cold starts are repeated and the best kept: other load only ever adds time
# Each pipeline's query step runs this many times, alternating, each in a fresh process, and
# the latencies are pooled: load that drifts during a run (the naive build's threads winding
# down, another job) then weighs on both pipelines alike rather than on whichever ran first.
QUERY_ROUNDS = 2
SERVE_TIMEOUT_S = 300
WORK_MARK = ".news-assistant-bench"  # only a folder holding this is ever emptied


def run(
    corpus: Path,
    *,
    articles: int | None = None,
    queries: int = 50,
    questions: Path | None = None,
    work: Path = Path(".cache/bench"),
    chroma_url: str | None = None,
    skip: Sequence[str] = (),
    command: str = "",
    log: Callable[[str], None] = print,
) -> dict:
    """Run every phase not skipped on the first `articles` articles of `corpus` and return the report."""
    started_load = _loadavg()
    work = Path(work).resolve()
    if work.exists() and any(work.iterdir()) and not (work / WORK_MARK).exists():
        raise ValueError(f"{work} is not empty and was not made by `news-assistant bench`; pick another --work folder")
    shutil.rmtree(work, ignore_errors=True)
    (work / "seeds").mkdir(parents=True)
    (work / WORK_MARK).touch()
    lines = _first_lines(corpus, articles)
    seeds_file = work / "seeds" / "corpus.jsonl"
    seeds_file.write_text("".join(lines), encoding="utf-8")
    questions = questions or corpus.with_name("questions.jsonl")
    spec = BenchSpec(
        work=str(work),
        chroma_url=chroma_url,
        collection=f"bench-{os.getpid()}",
        queries=_pick_queries(questions, queries) if "queries" not in skip else [],
    )
    log(f"bench: {len(lines)} articles, {len(spec.queries)} queries, work folder {work}")
    ours: dict[str, Any] = {}
    naive: dict[str, Any] = {}
    details: dict[str, Any] = {}

    build = _child("ours-build", spec, log)
    details["ours_build"] = build
    ours.update(_index_figures(build, len(lines)))
    if "baseline" not in skip:
        nbuild = _child("naive-build", spec, log)
        details["naive_build"] = nbuild
        naive.update(_index_figures(nbuild, len(lines)))

    if "reindex" not in skip:
        noop = _child("ours-reindex", spec, log)
        touched = _touch(seeds_file, TOUCH_SHARE)
        one = _child("ours-reindex", spec, log)
        details.update(reindex_noop=noop, reindex_1pct=one, touched_articles=touched)
        ours.update(reindex_noop_s=noop["seconds"], reindex_1pct_s=one["seconds"])
        if naive:
            # The naive pipeline has no change detection: picking up any change means building again.
            naive.update(reindex_noop_s=naive["index_wall_s"], reindex_1pct_s=naive["index_wall_s"])

    if spec.queries:
        rounds: dict[str, list[dict]] = {"ours": [], "naive": []}
        for _ in range(QUERY_ROUNDS):
            rounds["ours"].append(_child("ours-query", spec, log))
            if "baseline" not in skip:
                rounds["naive"].append(_child("naive-query", spec, log))
        for name, figures in (("ours", ours), ("naive", naive)):
            if rounds[name]:
                details[f"{name}_query"] = [_round_summary(r) for r in rounds[name]]
                figures.update(_latency_figures(_pooled(rounds[name])))

    if "cold" not in skip:
        question = spec.queries[0] if spec.queries else {"text": "What happened this week?", "as_of": None}
        ask = [_time_cli_ask(spec, question) for _ in range(COLD_RUNS)]
        bare = [_time_process([sys.executable, "-c", "import sentence_transformers"]) for _ in range(COLD_RUNS)]
        details.update(cold_start_runs_s=ask, import_sentence_transformers_runs_s=bare)
        details["import_sentence_transformers_s"] = min(bare)
        ours["cold_start_s"] = min(ask)
        if "baseline" not in skip:
            runs = [_child("naive-ask", spec, log)["wall_s"] for _ in range(COLD_RUNS)]
            details["naive_cold_start_runs_s"] = runs
            naive["cold_start_s"] = min(runs)
    if "serve" not in skip:
        ours["cold_start_serve_s"] = _time_serve(spec, log)
    if "feeds" not in skip:
        # The server runs here, the fetcher in the child: neither slows the other's Python.
        with bench_feeds.serving(lines) as urls:
            fed = _child("ours-feeds", replace(spec, feed_urls=urls), log)
        details["feeds"] = {**fed, "feed_urls": urls}
        ours.update(fetch_100_items_s=fed["fetch_100_items_s"], refresh_noop_s=fed["refresh_noop_s"])

    report: dict[str, Any] = {k: ours.get(k) for k in KEYS}
    report["baseline"] = {k: naive.get(k) for k in KEYS} if naive else None
    report["ratios"] = {k: _ratio(ours.get(k), naive.get(k)) for k in KEYS}
    report["loadavg"] = {"start": started_load, "end": _loadavg()}
    report["details"] = details
    report["run"] = {
        "command": command,
        "corpus": str(corpus),
        "questions": str(questions),
        "articles": len(lines),
        "queries": len(spec.queries),
        "chroma": chroma_url or "embedded folder",
        "skipped": list(skip),
        "embedding_dtype": build.get("embedding_dtype"),
        "cpu": _cpu_name(),
        "cores": len(os.sched_getaffinity(0)),
    }
    if chroma_url:
        _drop_server_collections(spec)
    return report


def _first_lines(corpus: Path, n: int | None) -> list[str]:
    out: list[str] = []
    with open(corpus, encoding="utf-8") as fh:
        for line in fh:
            if n is not None and len(out) >= n:
                break
            if line.strip():
                out.append(line if line.endswith("\n") else line + "\n")
    return out


def _pick_queries(path: Path, n: int) -> list[dict]:
    """The first `n` questions, asked as the eval asks them (choices offered, as of their date)."""
    if n <= 0 or not path.is_file():
        return []
    from .eval_sets import load_questions

    return [
        {"text": q.asked(), "free": q.question, "as_of": q.date.isoformat(), "choices": list(q.choices)}
        for q in load_questions(path)[:n]
    ]


def _touch(seeds_file: Path, share: float) -> int:
    """Edit the text of every 1/share-th article in place: one sentence added, as a correction would."""
    lines = seeds_file.read_text(encoding="utf-8").splitlines()
    step = max(1, round(1 / share))
    touched = 0
    for i in range(0, len(lines), step):
        record = json.loads(lines[i])
        # A new paragraph mid-article: text appended to the last line could land in page
        # furniture ("Play the daily crossword") that cleaning drops, and change nothing.
        paragraphs = (record.get("text") or "").split("\n\n")
        paragraphs.insert(len(paragraphs) // 2, TOUCH_TEXT.strip())
        record["text"] = "\n\n".join(paragraphs)
        lines[i] = json.dumps(record, ensure_ascii=False)
        touched += 1
    seeds_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return touched


# Timed per question: retrieval, the answer with options offered (as the eval asks), and without (as people ask).
LATENCIES = ("query", "answer", "free_answer")


def _index_figures(build: dict, articles: int) -> dict:
    seconds = build["wall_s"]
    return {
        "index_articles_per_s": articles / seconds,
        "index_chunks_per_s": build["chunks"] / seconds,
        "index_wall_s": seconds,
        "index_peak_rss_mb": build["peak_rss_mb"],
    }


def _latency_figures(result: dict) -> dict:
    from .metrics import percentile

    out = {}
    for name in LATENCIES:
        values = result.get(f"{name}_ms") or []
        for q in (50, 95, 99):
            out[f"{name}_p{q}_ms"] = percentile(values, q)
    return out


def _pooled(results: list[dict]) -> dict:
    """The latencies of several query rounds as one sample."""
    return {f"{name}_ms": [v for r in results for v in r.get(f"{name}_ms", [])] for name in LATENCIES}


def _round_summary(result: dict) -> dict:
    return {**_drop_lists(result), **_latency_figures(result)}


def _drop_lists(result: dict) -> dict:
    return {k: v for k, v in result.items() if not isinstance(v, list)}


def _ratio(ours: Any, theirs: Any) -> float | None:
    if ours is None or theirs is None or not theirs:
        return None
    return ours / theirs


def _loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def _child(phase: str, spec: BenchSpec, log: Callable[[str], None]) -> dict:
    """Run one phase in a fresh interpreter; its result is the last line it prints."""
    log(f"bench: {phase} ...")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.measuring.bench_phases", phase, json.dumps(asdict(spec))],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=spec.work,  # no project config file is picked up by accident
    )
    wall = time.perf_counter() - started
    marked = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if proc.returncode != 0 or not marked:
        raise RuntimeError(f"bench phase {phase} failed (exit {proc.returncode})")
    result = json.loads(marked[-1][len(RESULT_MARK) :])
    result["process_s"] = wall
    log(f"bench: {phase} {_brief(result)}")
    return result


def _brief(result: dict) -> str:
    return ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in _drop_lists(result).items())


def _where_flags(spec: BenchSpec) -> list[str]:
    flags = ["--seeds", str(Path(spec.work) / "seeds"), "--index", str(Path(spec.work) / "ours")]
    if spec.chroma_url:
        flags += ["--chroma-url", spec.chroma_url]
    return flags


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("news-assistant")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant"]


def _time_process(args: list[str], env: dict[str, str] | None = None, cwd: str | None = None) -> float:
    started = time.perf_counter()
    proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} ... failed (exit {proc.returncode}): {proc.stderr[-500:]}")
    return seconds


def _time_cli_ask(spec: BenchSpec, question: dict) -> float:
    """Process start to first answer printed: `news-assistant ask` on the index built above."""
    env = _env()
    env["NEWS_ASSISTANT_COLLECTION"] = spec.collection
    args = _console_script() + ["ask", question["text"], *_where_flags(spec)]
    if question.get("as_of"):
        args += ["--as-of", question["as_of"]]
    return _time_process(args, env=env, cwd=spec.work)


def _time_serve(spec: BenchSpec, log: Callable[[str], None]) -> float | None:
    """Process start to first answer received through the chat server's API."""
    import socket

    from gradio_client import Client  # imported before the clock starts: it is the user's side

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = _env()
    env["NEWS_ASSISTANT_COLLECTION"] = spec.collection
    args = _console_script() + ["serve", "--port", str(port), *_where_flags(spec)]
    question = spec.queries[0]["text"] if spec.queries else "What happened this week?"
    log("bench: serve cold start ...")
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=spec.work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < SERVE_TIMEOUT_S:
            if proc.poll() is not None:
                log(f"bench: the chat server exited with {proc.returncode}")
                return None
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            return None
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        client.predict(question, api_name="/chat")
        seconds = time.perf_counter() - started
        log(f"bench: serve cold start {seconds:.1f} s")
        return seconds
    except Exception as exc:  # the chat's API is not ours to fix here; report the gap instead
        log(f"bench: serve cold start not measured: {exc}")
        return None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _drop_server_collections(spec: BenchSpec) -> None:
    client = server_client(spec.chroma_url or "")
    for name in (spec.collection, spec.collection + "-naive"):
        try:
            client.delete_collection(name)
        except Exception:  # already gone
            pass
