"""The `news-assistant` command: index, ask, serve, eval, bench (and the feed commands of feeds_cli.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from . import feeds_cli

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_SKIPPED = 0, 1, 2, 3
PLAN_LINES = 20  # names listed per kind of change before "... and N more"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except (ValueError, RuntimeError, OSError) as exc:
        # Expected failures (bad settings, a busy or mismatched index, an unreachable server)
        # get one clear line; anything else is a bug and keeps its traceback.
        print(f"news-assistant: {exc}", file=sys.stderr)
        return EXIT_ERROR


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--seeds", dest="seeds_dir", metavar="DIR", help="folder of article files (default: seeds/)")
    common.add_argument("--index", dest="index_dir", metavar="DIR", help="index folder (default: index/)")
    common.add_argument("--chroma-url", metavar="URL", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    common.add_argument("--config", metavar="FILE", help="TOML settings file (default: news-assistant.toml if present)")

    parser = argparse.ArgumentParser(
        prog="news-assistant", description="Answers questions about news articles, with citations."
    )
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("index", parents=[common], help="bring the index in line with the seeds folder")
    p.add_argument("--dry-run", action="store_true", help="show the plan, change nothing")
    p.add_argument("--full", action="store_true", help="drop the index and rebuild it from scratch")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run_index)

    p = sub.add_parser("ask", parents=[common], help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the Answer as JSON")
    add_filter_flags(p)
    add_llm_flags(p)
    p.set_defaults(run=run_ask)

    p = sub.add_parser("brief", parents=[common], help="the top stories of a window, or the latest on a topic")
    p.add_argument("--topic", metavar="X", help="the latest on X instead of the top stories")
    p.add_argument("--top", type=int, default=10, metavar="N", help="stories listed (default 10)")
    p.add_argument("--json", action="store_true", help="print the Briefing as JSON")
    add_filter_flags(p)
    p.set_defaults(run=run_brief)

    p = sub.add_parser("eval", parents=[common], help="measure answers on a question set, beside the naive pipeline")
    p.add_argument("--corpus", required=True, type=Path, help="corpus.jsonl (id, url, title, source, published, text)")
    p.add_argument("--questions", required=True, type=Path, help="questions.jsonl (id, date, question, choices, ...)")
    p.add_argument("--sample", type=int, help="a seeded sample of N questions, with only their own articles")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--distractors", type=int, default=5, help="other articles per own article with --sample")
    p.add_argument("--answerable", action="store_true", help="only questions whose gold article is in the corpus")
    p.add_argument("--no-baseline", action="store_true", help="skip the naive LangChain pipeline")
    p.add_argument(
        "--free-form", action="store_true", help="ask without the options: short answers, leads and abstention scored"
    )
    p.add_argument(
        "--briefing", action="store_true", help="the top stories of each quiz week against the quiz (whole corpus)"
    )
    p.add_argument("--min-confidence", type=float, metavar="P", help="abstain below this confidence (default: trained)")
    p.add_argument("--cache", type=Path, default=Path(".cache/eval"), help="where indexes are kept between runs")
    p.add_argument("--json", dest="json_out", type=Path, metavar="OUT", help="write the report as JSON")
    p.add_argument("--markdown", type=Path, metavar="OUT", help="write a Markdown report (plots beside it)")
    add_llm_flags(p)
    p.set_defaults(run=run_eval)

    p = sub.add_parser("bench", help="measure speed and memory, beside the naive pipeline")
    p.add_argument("--corpus", required=True, type=Path, help="corpus.jsonl (id, url, title, source, published, text)")
    p.add_argument("--articles", type=int, help="the first N articles of the corpus (default: all)")
    p.add_argument("--queries", type=int, default=50, help="questions timed (default 50)")
    p.add_argument("--questions", type=Path, help="questions.jsonl (default: beside the corpus)")
    p.add_argument(
        "--work", type=Path, default=Path(".cache/bench"), help="scratch folder (a bench-made one is emptied)"
    )
    p.add_argument("--chroma-url", metavar="URL", help="run both pipelines against this Chroma server")
    p.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["baseline", "reindex", "queries", "cold", "serve", "feeds"],
        help="leave a phase out (repeatable)",
    )
    p.add_argument("--json", dest="json_out", type=Path, metavar="OUT", help="write the report as JSON")
    p.add_argument("--markdown", type=Path, metavar="OUT", help="write a Markdown report (a PNG plot beside it)")
    p.set_defaults(run=run_bench)

    p = sub.add_parser("serve", parents=[common], help="start the chat window")
    add_serve_flags(p)
    feeds_cli.add_live_flags(p)
    add_llm_flags(p)
    p.set_defaults(run=run_serve)
    feeds_cli.add_commands(sub, common)
    return parser


def add_filter_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="YYYY-MM-DD", help="answer as of this date: later articles do not exist")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only articles published on or after this date")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="only articles published on or before this date")
    p.add_argument("--source", action="append", dest="sources", metavar="OUTLET", help="only this outlet (repeatable)")


def add_serve_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", help="address to bind (default 127.0.0.1); anything else needs credentials")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument(
        "--auth-file",
        metavar="FILE",
        help="file with one user:password per line (or NEWS_ASSISTANT_AUTH=user:password)",
    )


def add_llm_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("generative answers (default: the extractive answerer, no LLM)")
    g.add_argument("--llm", choices=["openai", "ollama", "llama-cpp", "none"], help="chat-model backend")
    g.add_argument("--base-url", dest="llm_base_url", metavar="URL", help="server, e.g. http://127.0.0.1:8080/v1")
    g.add_argument("--model", dest="llm_model", metavar="NAME", help="model name the server knows")
    g.add_argument("--model-path", dest="llm_model_path", metavar="GGUF", help="llama-cpp: the model file")
    g.add_argument("--llm-timeout", type=float, metavar="SECONDS", help="per attempt, whole answer (default 120)")
    g.add_argument("--llm-retries", type=int, metavar="N", help="further attempts after a failure (default 1)")
    g.add_argument("--unsupported", choices=["mark", "drop"], help="sentences their source does not back")


LLM_FLAGS = ("llm", "llm_base_url", "llm_model", "llm_model_path", "llm_timeout", "llm_retries", "unsupported")


def llm_overrides(args: argparse.Namespace) -> dict:
    """The generative-answer flags given on the command line (None when absent, so lower layers win)."""
    return {name: getattr(args, name, None) for name in LLM_FLAGS}


def make_assistant(args: argparse.Namespace):
    from ..core import Assistant
    from ..settings import Settings

    settings = Settings.load(
        args.config,
        seeds_dir=args.seeds_dir,
        index_dir=args.index_dir,
        chroma_url=args.chroma_url,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        auth_file=getattr(args, "auth_file", None),
        **llm_overrides(args),
    )
    return Assistant(settings=settings)


def run_index(args: argparse.Namespace) -> int:
    assistant = make_assistant(args)
    seeds = assistant.settings.seeds_dir
    if not seeds.is_dir():
        print(f"news-assistant: seeds folder {seeds} does not exist", file=sys.stderr)
        return EXIT_ERROR
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if args.quiet or total == 0:
            return
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="article", desc="Embedding", file=sys.stderr)
        bar.update(done - bar.n)

    report = assistant.index(full=args.full, dry_run=args.dry_run, progress=progress, planned=print_plan)
    if bar is not None:
        bar.close()
    print(report.summary())
    return EXIT_SKIPPED if report.plan.bad else EXIT_OK


def print_plan(plan) -> None:
    sections = [
        ("added", [a.path for a in plan.added]),
        ("changed", [a.path for a in plan.changed]),
        ("removed", [e.path or aid for aid, e in plan.removed.items()]),
    ]
    print(f"Plan: {plan.summary()}")
    for name, paths in sections:
        for path in paths[:PLAN_LINES]:
            print(f"  {name:8} {path}")
        if len(paths) > PLAN_LINES:
            print(f"  {name:8} ... and {len(paths) - PLAN_LINES} more")
    for bad in plan.bad:
        print(f"  skipped  {bad}", file=sys.stderr)
    for note in plan.notes[:PLAN_LINES]:
        print(f"  note     {note}", file=sys.stderr)
    if len(plan.notes) > PLAN_LINES:
        print(f"  note     ... and {len(plan.notes) - PLAN_LINES} more", file=sys.stderr)
    sys.stdout.flush()  # before the progress bar on stderr, also when both go to one file


def run_ask(args: argparse.Namespace) -> int:
    assistant = make_assistant(args)
    if not prepare_index(assistant):
        return EXIT_ERROR
    options = dict(as_of=args.as_of, since=args.since, until=args.until, sources=args.sources)
    if args.json or assistant.chat_model is None:
        # The extractive answer is whole at once: the short answer is printed first, then the rest.
        answer = assistant.answer(args.question, **options)
        print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else answer.with_sources())
        return EXIT_OK
    shown = ""
    for item in assistant.stream(args.question, **options):
        if isinstance(item, str):  # streamed as it is checked
            sys.stdout.write(item)
            sys.stdout.flush()
            shown += item
        else:
            answer = item
    if answer.path.startswith("extractive (fallback"):
        print(f"news-assistant: the model's answer was not used ({answer.path}); see the log above", file=sys.stderr)
    if shown == answer.text:
        print(("\n\n" + answer.sources_text()) if answer.citations else "")
    else:  # the model failed part-way: the extractive answer replaces what was shown
        print(f"\n\n({answer.path}; the answer is:)\n")
        print(answer.with_sources())
    return EXIT_OK


def prepare_index(assistant) -> bool:
    """Build the index on first use, saying so on stderr; False, with the command to run, when
    there are no article files to build it from (a mistyped --index or --seeds, say)."""
    from ..reading.folder import article_files

    s = assistant.settings
    where = s.chroma_url or str(s.index_dir)
    # Checked before the store is opened: opening it would create an empty index folder.
    if (s.chroma_url or (s.index_dir / "chroma").exists()) and assistant.store.count() > 0:
        return True
    files = article_files(s.seeds_dir) if s.seeds_dir.is_dir() else []
    if not files:
        print(
            f"news-assistant: no index at {where}, and no article files in {s.seeds_dir} to build one from. "
            "Add articles there and run: news-assistant index --seeds DIR --index DIR",
            file=sys.stderr,
        )
        return False
    print(
        f"No index at {where}: building it from {s.seeds_dir} ({len(files)} file{'s' if len(files) != 1 else ''}) first.",
        file=sys.stderr,
    )
    assistant.ensure_index()
    return True


def run_brief(args: argparse.Namespace) -> int:
    from ..briefing.briefer import briefing_text

    assistant = make_assistant(args)
    assistant.ensure_index()
    options = dict(as_of=args.as_of, since=args.since, until=args.until, sources=args.sources)
    briefing = assistant.brief(topic=args.topic or "", top=args.top, **options)
    if args.json:
        print(json.dumps(briefing.to_dict(), indent=2, ensure_ascii=False))
        return EXIT_OK
    print(briefing_text(briefing))
    cited = "\n".join(f"[{c.number}] {c.label()}" + (f"\n    {c.url}" if c.url else "") for c in briefing.citations())
    print(("\n" + cited) if cited else "")
    return EXIT_OK


def run_eval(args: argparse.Namespace) -> int:
    from ..measuring import eval_report, evaluation

    for path in (args.corpus, args.questions):
        if not path.is_file():
            print(f"news-assistant: {path} does not exist", file=sys.stderr)
            return EXIT_ERROR
    given = {"chroma_url": args.chroma_url or None, "min_confidence": args.min_confidence, **llm_overrides(args)}
    overrides = {k: v for k, v in given.items() if v is not None}
    if args.briefing:
        return run_briefing_eval(args, overrides)
    report = evaluation.run(
        args.corpus,
        args.questions,
        sample=args.sample,
        seed=args.seed,
        distractors=args.distractors,
        answerable_only=args.answerable,
        cache=args.cache,
        baseline=not args.no_baseline,
        command="news-assistant " + " ".join(sys.argv[1:]),
        settings_overrides=overrides,
        free_form=args.free_form,
        log=lambda line: print(line, file=sys.stderr),
    )
    summary = {k: report.get(k) for k in eval_report.KEYS}
    if args.free_form:
        summary["free_form"] = {k: report["free_form"].get(k) for k in eval_report.FREE_FORM_KEYS}
        summary["anchors"] = report.get("anchors")
    summary["paths"] = report.get("paths")  # which answerer answered: extractive, llm:<backend>, fallbacks
    if "baseline" in report:
        summary["baseline"] = {k: report["baseline"].get(k) for k in eval_report.KEYS}
    print(json.dumps(summary, indent=2))
    if args.json_out:
        eval_report.write_json(report, args.json_out)
    if args.markdown:
        eval_report.write_markdown(report, args.markdown)
    return EXIT_OK


def run_briefing_eval(args: argparse.Namespace, overrides: dict) -> int:
    from ..measuring import briefing_eval, eval_report

    report = briefing_eval.run(
        args.corpus,
        args.questions,
        cache=args.cache,
        command="news-assistant " + " ".join(sys.argv[1:]),
        settings_overrides=overrides,
        log=lambda line: print(line, file=sys.stderr),
    )
    print(json.dumps({k: v for k, v in report.items() if k != "rows"}, indent=2))
    if args.json_out:
        eval_report.write_json(report, args.json_out)
    return EXIT_OK


def run_bench(args: argparse.Namespace) -> int:
    from ..measuring import bench, bench_report, eval_report

    if not args.corpus.is_file():
        print(f"news-assistant: {args.corpus} does not exist", file=sys.stderr)
        return EXIT_ERROR
    report = bench.run(
        args.corpus,
        articles=args.articles,
        queries=args.queries,
        questions=args.questions,
        work=args.work,
        chroma_url=args.chroma_url,
        skip=args.skip,
        command="news-assistant " + " ".join(sys.argv[1:]),
        log=lambda line: print(line, file=sys.stderr),
    )
    summary = {k: report[k] for k in bench_report.KEYS}
    print(json.dumps({**summary, "ratios": report["ratios"], "loadavg": report["loadavg"]}, indent=2))
    if args.json_out:
        eval_report.write_json(report, args.json_out)
    if args.markdown:
        bench_report.write_markdown(report, args.markdown)
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    from .server import serve

    assistant = make_assistant(args)
    assistant.chat_model  # noqa: B018 - a misconfigured --llm fails at start, not at the first question
    return serve(assistant, refresh_every=args.refresh_every, watch=args.watch)


if __name__ == "__main__":
    sys.exit(main())
