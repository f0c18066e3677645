"""A real HTTP server on 127.0.0.1 serving feeds and article pages, with the misbehaviours a fetcher must survive."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


class Site:
    """Routes: path -> (content type, body) for ordinary pages, or a callable taking the handler for the rest.

    Every answer carries an ETag (a hash of the body) and honours If-None-Match with a 304.
    `hits` counts requests per path; `agents` records the User-Agent headers seen.
    """

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes] | Callable[[BaseHTTPRequestHandler], None]] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.agents: set[str] = set()
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def put(self, path: str, body: str | bytes, kind: str = "text/html; charset=utf-8") -> None:
        self.routes[path] = (kind, body.encode() if isinstance(body, str) else body)

    def start(self) -> "Site":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                path = self.path.split("?")[0]
                with site.lock:
                    site.hits[path] += 1
                    site.agents.add(self.headers.get("User-Agent", ""))
                route = site.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                if callable(route):
                    route(self)
                    return
                kind, body = route
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    with site.lock:
                        site.not_modified[path] += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(usegmt=True))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def redirect_to(target: str) -> Callable[[BaseHTTPRequestHandler], None]:
    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", target)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return handle


def never_finishes(h: BaseHTTPRequestHandler) -> None:
    """Headers and a first few bytes, then silence until the client gives up."""
    h.send_response(200)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(b"<html><body><p>Once upon a time")
    h.wfile.flush()
    for _ in range(600):  # ten minutes at most, so a broken client cannot keep a thread forever
        time.sleep(1)
        try:
            h.wfile.write(b" ")
            h.wfile.flush()
        except OSError:
            return


def huge_page(megabytes: int) -> Callable[[BaseHTTPRequestHandler], None]:
    """A page of `megabytes` MB, streamed a block at a time without saying its length (never held in memory)."""

    def handle(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Connection", "close")
        h.end_headers()
        block = b"<p>" + b"filler text " * 5000 + b"</p>\n"
        sent = 0
        try:
            h.wfile.write(b"<html><body>")
            while sent < megabytes * 1024 * 1024:
                h.wfile.write(block)
                sent += len(block)
            h.wfile.write(b"</body></html>")
        except OSError:
            pass  # the client stopped reading: what a size cap does
        h.close_connection = True
        with_sent.append(sent)

    with_sent: list[int] = []
    handle.sent = with_sent  # type: ignore[attr-defined]
    return handle


def article_html(title: str, paragraphs: list[str], outlet: str, day: str, author: str = "Staff Reporter") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html><head><title>{title}</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="{outlet}">
<meta name="author" content="{author}"><meta property="article:published_time" content="{day}">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>{title}</h1>{body}</article><footer>Copyright {outlet}</footer></body></html>"""


def rss(title: str, items: list[tuple[str, str, str, str]]) -> str:
    """RSS 2.0: items are (title, link, RFC 822 date, description)."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid><pubDate>{d}</pubDate>"
        f"<description>{s}</description></item>"
        for t, link, d, s in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title><link>http://x/</link>{entries}</channel></rss>'


def atom(title: str, items: list[tuple[str, str, str]]) -> str:
    """Atom 1.0: items are (title, link, ISO date)."""
    entries = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{link}</id><updated>{d}</updated></entry>'
        for t, link, d in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:x</id><updated>2025-03-01T00:00:00Z</updated>{entries}</feed>"
    )


def json_feed(title: str, items: list[tuple[str, str, str]]) -> str:
    """JSON Feed 1.1: items are (title, url, ISO date)."""
    import json

    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "items": [{"id": u, "url": u, "title": t, "date_published": d} for t, u, d in items],
        }
    )
