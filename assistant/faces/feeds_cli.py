"""The feed commands of `news-assistant`: feeds add/list/remove, fetch, add URL..., and serve's live-index flags."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXIT_OK, EXIT_FAILURES = 0, 3
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("feeds", help="the feeds followed: add, list, remove")
    feeds = p.add_subparsers(dest="feeds_command", required=True)
    q = feeds.add_parser("add", parents=[common], help="follow an RSS, Atom or JSON Feed")
    q.add_argument("url")
    q.add_argument("--name", help="short name, also its folder under seeds/feeds/ (default: from the host)")
    q.set_defaults(run=run_feeds_add)
    q = feeds.add_parser("list", parents=[common], help="the feeds followed")
    q.set_defaults(run=run_feeds_list)
    q = feeds.add_parser("remove", parents=[common], help="stop following a feed (its articles stay)")
    q.add_argument("name")
    q.set_defaults(run=run_feeds_remove)

    p = sub.add_parser("fetch", parents=[common], help="fetch new and changed items of every feed into seeds/feeds/")
    p.add_argument("--quiet", action="store_true", help="only the summary and failures")
    p.set_defaults(run=run_fetch)

    p = sub.add_parser("add", parents=[common], help="fetch web pages as articles into seeds/pages/")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.set_defaults(run=run_add)


def add_live_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--refresh-every",
        type=duration,
        metavar="INTERVAL",
        help="fetch the feeds and update the index in the background this often (e.g. 30m, 2h); implies --watch",
    )
    p.add_argument("--watch", action="store_true", help="index whatever lands in the seeds folder while serving")


def duration(text: str) -> float:
    """ "30m", "2h", "90s", "1d" or plain seconds, as seconds."""
    text = text.strip().lower()
    unit = UNITS.get(text[-1:], None)
    try:
        seconds = float(text[:-1] if unit else text) * (unit or 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 30m, 2h, 90s)") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the interval must be positive")
    return seconds


def _settings(args: argparse.Namespace) -> Any:
    from ..settings import Settings

    return Settings.load(args.config, seeds_dir=args.seeds_dir, index_dir=args.index_dir)


def _feeds_file(settings: Any) -> Any:
    from ..fetching.feed_list import feeds_path

    return feeds_path(settings.index_dir, settings.feeds_file)


def limits(settings: Any) -> Any:
    from ..fetching.polite_http import Limits

    return Limits.from_settings(settings)


def fetcher(settings: Any) -> Any:
    """What `serve --refresh-every` runs on its schedule: the feeds file read afresh each time, then fetched."""
    from ..fetching.feed_list import load_feeds
    from ..fetching.fetch_run import fetch_feeds

    def fetch() -> Any:
        feeds = load_feeds(_feeds_file(settings))
        return fetch_feeds(feeds, settings.seeds_dir, settings.index_dir, limits(settings))

    return fetch


def run_feeds_add(args: argparse.Namespace) -> int:
    from ..fetching.feed_list import add_feed

    path = _feeds_file(_settings(args))
    feed = add_feed(path, args.url, args.name)
    print(f"Following {feed.url} as {feed.name!r} (in {path}). `news-assistant fetch` fetches it.")
    return EXIT_OK


def run_feeds_list(args: argparse.Namespace) -> int:
    from ..fetching.feed_list import load_feeds

    feeds = load_feeds(_feeds_file(_settings(args)))
    if not feeds:
        print("No feeds. Add one with `news-assistant feeds add URL`.")
    for feed in feeds:
        print(f"{feed.name}\t{feed.url}")
    return EXIT_OK


def run_feeds_remove(args: argparse.Namespace) -> int:
    from ..fetching.feed_list import remove_feed

    feed = remove_feed(_feeds_file(_settings(args)), args.name)
    print(f"No longer following {feed.name!r} ({feed.url}); its articles stay in the seeds folder.")
    return EXIT_OK


def print_report(report: Any) -> int:
    print(report.summary())
    for failure in report.failures:
        print(f"  failed   {failure}", file=sys.stderr)
    return EXIT_FAILURES if report.failed else EXIT_OK


def run_fetch(args: argparse.Namespace) -> int:
    from ..fetching.feed_list import load_feeds
    from ..fetching.fetch_run import fetch_feeds

    settings = _settings(args)
    feeds = load_feeds(_feeds_file(settings))
    if not feeds:
        print("No feeds to fetch. Add one with `news-assistant feeds add URL`.")
        return EXIT_OK
    log = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    report = fetch_feeds(feeds, settings.seeds_dir, settings.index_dir, limits(settings), log=log)
    return print_report(report)


def run_add(args: argparse.Namespace) -> int:
    from ..fetching.feed_list import check_url
    from ..fetching.fetch_run import add_pages

    settings = _settings(args)
    urls = [check_url(u) for u in args.urls]
    report = add_pages(urls, settings.seeds_dir, settings.index_dir, limits(settings))
    for rel in report.new + report.updated:
        print(f"  saved    {rel}")
    return print_report(report)
