"""The bench's feed figures: 100 items fetched from a local server, and a refresh when every feed is unchanged."""

from __future__ import annotations

import hashlib
import html
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

FEED_ITEMS = 100
FEEDS = 4  # the items spread over a few feeds, as for a reader following several outlets


def _page(record: dict, n: int) -> bytes:
    title = html.escape(str(record.get("title") or f"Article {n}"))
    outlet = html.escape(str(record.get("source") or "Bench News"))
    day = html.escape(str(record.get("published") or "2025-01-01"))
    body = "".join(f"<p>{html.escape(p)}</p>" for p in str(record.get("text") or "").split("\n\n") if p.strip())
    return (
        f"<!doctype html><html><head><title>{title}</title><meta property='og:site_name' content='{outlet}'>"
        f"<meta property='article:published_time' content='{day}'></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>{outlet}</footer></body></html>"
    ).encode()


def _feed(base: str, k: int, items: list[tuple[int, dict]]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(str(r.get('title') or n))}</title><link>{base}/item/{n}.html</link>"
        f"<guid>{base}/item/{n}.html</guid><pubDate>Mon, 06 Jan 2025 08:00:00 GMT</pubDate></item>"
        for n, r in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bench feed {k}</title>'
        f"<link>{base}/</link>{entries}</channel></rss>"
    ).encode()


@contextmanager
def serving(lines: list[str], items: int = FEED_ITEMS, feeds: int = FEEDS) -> Iterator[list[str]]:
    """A server on 127.0.0.1 with `items` article pages (the corpus's articles, cycled) spread over `feeds`
    RSS feeds, answering If-None-Match with a 304 as a real site would; yields the feeds' URLs."""
    records = [json.loads(line) for line in lines if line.strip()]
    if not records:
        raise ValueError("the corpus has no articles to serve as feed items")
    routes: dict[str, tuple[str, bytes]] = {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
    server.daemon_threads = True
    base = f"http://127.0.0.1:{server.server_address[1]}"
    numbered = [(n, records[n % len(records)]) for n in range(items)]
    for n, record in numbered:
        routes[f"/item/{n}.html"] = ("text/html; charset=utf-8", _page(record, n))
    urls = []
    for k in range(feeds):
        routes[f"/feed-{k}.xml"] = ("application/rss+xml", _feed(base, k, numbered[k::feeds]))
        urls.append(f"{base}/feed-{k}.xml")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield urls
    finally:
        server.shutdown()
        server.server_close()


def _handler(routes: dict[str, tuple[str, bytes]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
            route = routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            kind, body = route
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            unchanged = self.headers.get("If-None-Match") == etag
            self.send_response(304 if unchanged else 200)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", "0" if unchanged else str(len(body)))
            self.end_headers()
            if not unchanged:
                self.wfile.write(body)

    return Handler


def child_ours_feeds(spec: Any, started: float) -> dict:
    """In the child: fetch every item once (timed), index them, then time a refresh with every feed unchanged:
    a conditional GET per feed and a rebuild that finds nothing to do."""
    from ..core import Assistant
    from ..fetching.feed_list import Feed
    from ..fetching.fetch_run import fetch_feeds

    work = Path(spec.work) / "feeds"
    seeds, index = work / "seeds", work / "index"
    feeds = [Feed(f"feed-{k}", url) for k, url in enumerate(spec.feed_urls)]
    t = time.perf_counter()
    first = fetch_feeds(feeds, seeds, index)
    fetch_s = time.perf_counter() - t
    assistant = Assistant(seeds_dir=seeds, index_dir=index, collection=spec.collection + "-feeds")
    t = time.perf_counter()
    built = assistant.index()
    index_s = time.perf_counter() - t
    t = time.perf_counter()
    again = fetch_feeds(feeds, seeds, index)
    noop = assistant.index()
    refresh_s = time.perf_counter() - t
    return {
        "fetch_100_items_s": fetch_s,
        "refresh_noop_s": refresh_s,
        "items_fetched": len(first.new),
        "fetch_failures": [str(f) for f in first.failures],
        "fetch_requests": first.requests,
        "index_fetched_s": index_s,
        "articles_indexed": len(built.plan.added),
        "refresh_unchanged_feeds": again.unchanged_feeds,
        "refresh_requests": again.requests,
        "refresh_chunks_embedded": noop.chunks_embedded,
    }
