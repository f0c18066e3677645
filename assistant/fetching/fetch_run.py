"""`news-assistant fetch` and `add`: every feed checked, each new or changed item fetched, failures named, none fatal."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..articles import canonical_url
from .article_files import write_article
from .feed_items import FEED_TYPES, FeedItem, NotAFeed, ParsedFeed, parse_feed
from .feed_list import Feed, folder_name
from .fetch_state import STATE_FILE, FeedState, FetchState, ItemState
from .pages import PAGE_TYPES, NotAnArticle, article_record
from .polite_http import FetchFailed, Limits, PoliteClient

FEEDS_FOLDER = "feeds"  # seeds/feeds/<feed>/ holds each feed's articles
PAGES_FOLDER = "pages"  # seeds/pages/ holds pages added one by one
WORKERS = 8  # requests in flight overall; the per-host limit keeps any one site to fewer


@dataclass(frozen=True)
class Failure:
    """Something that could not be fetched: which feed, which item (or none: the feed itself), and why."""

    feed: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.feed}: {self.url}: {self.reason}"


@dataclass
class FetchReport:
    feeds: int = 0
    unchanged_feeds: int = 0  # answered 304 Not Modified: nothing else was requested for them
    new: list[str] = field(default_factory=list)  # files written for items never fetched before
    updated: list[str] = field(default_factory=list)  # files rewritten because the feed said the item changed
    known: int = 0  # items fetched before and unchanged: not requested again
    failures: list[Failure] = field(default_factory=list)
    requests: int = 0

    @property
    def failed(self) -> bool:
        return bool(self.failures)

    def summary(self) -> str:
        return (
            f"{self.feeds} feed(s) checked, {self.unchanged_feeds} unchanged (304); "
            f"{len(self.new)} new article(s), {len(self.updated)} updated, {self.known} already fetched; "
            f"{len(self.failures)} failure(s); {self.requests} request(s)"
        )


def state_path(index_dir: Path) -> Path:
    return Path(index_dir) / STATE_FILE


def fetch_feeds(
    feeds: list[Feed],
    seeds_dir: Path,
    index_dir: Path,
    limits: Limits | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> FetchReport:
    """Check every feed, fetch the pages of its new and changed items, write them under seeds/feeds/<feed>/."""
    report = FetchReport(feeds=len(feeds))
    state = FetchState.load(state_path(index_dir))
    with PoliteClient(limits) as client, ThreadPoolExecutor(WORKERS) as pool:
        checks = {pool.submit(_check_feed, client, feed, state.feeds.get(feed.url)): feed for feed in feeds}
        jobs: list[tuple[Feed, str, FeedItem, ItemState | None]] = []
        changed: dict[str, FeedState] = {}
        claimed: set[str] = set()
        failed_feeds: set[str] = set()
        for done in as_completed(checks):
            feed = checks[done]
            try:
                parsed, validators = done.result()
            except (FetchFailed, NotAFeed) as error:
                report.failures.append(Failure(feed.name, feed.url, str(error)))
                log(f"  failed   {feed.name}: {error}")
                continue
            if parsed is None:
                report.unchanged_feeds += 1
                log(f"  304      {feed.name}: unchanged")
                continue
            changed[feed.url] = validators
            if parsed.problem:
                report.failures.append(Failure(feed.name, feed.url, parsed.problem))
                failed_feeds.add(feed.url)
            for item in parsed.items:
                key = canonical_url(item.url)
                known = state.items.get(key)
                if key in claimed or (known and (known.signature == item.signature or known.feed != feed.name)):
                    report.known += 1  # fetched before, or by another feed listing the same page
                    continue
                claimed.add(key)
                jobs.append((feed, parsed.title, item, known))
        pages = {pool.submit(_fetch_item, client, seeds_dir, *job): job for job in jobs}
        for page_done in as_completed(pages):
            feed, _, item, known = pages[page_done]
            try:
                rel, wrote = page_done.result()
            except (FetchFailed, NotAnArticle) as error:
                report.failures.append(Failure(feed.name, item.url, str(error)))
                failed_feeds.add(feed.url)
                log(f"  failed   {feed.name}: {item.url}: {error}")
                continue
            state.items[canonical_url(item.url)] = ItemState(item.signature, rel, feed.name)
            if wrote:
                (report.updated if known else report.new).append(rel)
                log(f"  {'updated' if known else 'new':8} {rel}")
    for url, validators in changed.items():
        # A feed with an item that failed keeps its old validators: the next fetch gets the
        # whole feed again (not a 304) and retries that item; the rest are known and skipped.
        if url not in failed_feeds:
            state.feeds[url] = validators
    state.save(state_path(index_dir))
    report.requests = client.requests
    report.failures.sort(key=str)
    return report


def add_pages(urls: list[str], seeds_dir: Path, index_dir: Path, limits: Limits | None = None) -> FetchReport:
    """Fetch single pages into seeds/pages/ (fetched again each time they are added: the user asked)."""
    report = FetchReport()
    state = FetchState.load(state_path(index_dir))
    page = Feed(PAGES_FOLDER, "")
    with PoliteClient(limits) as client, ThreadPoolExecutor(WORKERS) as pool:
        jobs = {}
        for url in dict.fromkeys(urls):
            known = state.items.get(canonical_url(url))
            item = FeedItem(key=url, url=url)
            jobs[pool.submit(_fetch_item, client, seeds_dir, page, "", item, known, PAGES_FOLDER)] = (url, known)
        for done in as_completed(jobs):
            url, known = jobs[done]
            try:
                rel, wrote = done.result()
            except (FetchFailed, NotAnArticle) as error:
                report.failures.append(Failure(PAGES_FOLDER, url, str(error)))
                continue
            state.items[canonical_url(url)] = ItemState("", rel, known.feed if known else PAGES_FOLDER)
            if wrote:
                (report.updated if known else report.new).append(rel)
            else:
                report.known += 1
    state.save(state_path(index_dir))
    report.requests = client.requests
    report.failures.sort(key=str)
    return report


def _check_feed(client: PoliteClient, feed: Feed, before: FeedState | None) -> tuple[ParsedFeed | None, FeedState]:
    """The feed's items, or None when the server says it has not changed since last time."""
    before = before or FeedState()
    got = client.get(
        feed.url, accept=FEED_TYPES, etag=before.etag, last_modified=before.last_modified, public_only=feed.public_only
    )
    if got.not_modified:
        return None, before
    return parse_feed(got.body, got.content_type), FeedState(got.etag, got.last_modified)


def _fetch_item(
    client: PoliteClient,
    seeds_dir: Path,
    feed: Feed,
    outlet: str,
    item: FeedItem,
    known: ItemState | None,
    folder: str = "",
) -> tuple[str, bool]:
    got = client.get(item.url, accept=PAGE_TYPES, public_only=feed.public_only)
    record = article_record(got.body, item.url, item, outlet or feed.name)
    where = folder or f"{FEEDS_FOLDER}/{folder_name(feed.name)}"
    previous = known.path if known and (Path(seeds_dir) / known.path).is_file() else ""
    return write_article(seeds_dir, where, record, item.url, previous)
