"""A polite HTTP client: conditional GET, timeouts, a size cap, bounded redirects, per-host limits, retries, robots.txt."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Iterable
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from .addresses import non_public, private_address

try:
    VERSION = version("news-assistant")
except PackageNotFoundError:  # run from a source tree that was never installed
    VERSION = "0"
USER_AGENT = f"news-assistant/{VERSION} (feed reader; fetches only the feeds and pages its user configured)"
ROBOTS_AGENT = "news-assistant"  # the product token robots.txt rules name
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 30.0
ROBOTS_MAX_BYTES = 512 * 1024


class FetchFailed(Exception):
    """A request that gave nothing usable; the message is the reason, shown next to the feed or item."""


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 20.0  # per request: connecting, each read, and the whole body
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    per_host: int = 2  # requests in flight to one host at a time
    retries: int = 2  # further attempts after a connection error or a 429/5xx answer
    backoff_s: float = 0.5  # first wait between attempts; doubled each time

    @classmethod
    def from_settings(cls, settings: Any) -> "Limits":
        return cls(
            timeout_s=settings.fetch_timeout,
            max_bytes=int(settings.fetch_max_mb * 1024 * 1024),
            max_redirects=settings.fetch_max_redirects,
            per_host=max(1, settings.fetch_per_host),
            retries=max(0, settings.fetch_retries),
        )


@dataclass(frozen=True)
class Fetched:
    """A successful answer: 200 with its body, or 304 (not modified) with none."""

    url: str  # after redirects
    status: int
    content_type: str = ""
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class PoliteClient:
    """One client per fetch run; safe to share between threads."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        t = self.limits.timeout_s
        self._http = httpx.Client(
            timeout=httpx.Timeout(t, connect=t),
            headers={"User-Agent": USER_AGENT},
            follow_redirects=False,  # followed by hand, to bound and check every hop
            trust_env=False,  # no proxy from the environment sees what the user follows
        )
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._robots: dict[str, RobotFileParser | str] = {}  # the rules, or why there are none
        self._lock = threading.Lock()
        self._robots_lock = threading.Lock()  # one read of a site's robots.txt, however many threads ask
        self.requests = 0  # requests sent, robots.txt included: what a run cost the servers

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "PoliteClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        accept: Iterable[str] = (),
        etag: str = "",
        last_modified: str = "",
        robots: bool = True,
        max_bytes: int | None = None,
        public_only: bool = False,
    ) -> Fetched:
        """GET url, following at most `max_redirects` redirects; FetchFailed says why nothing came back.

        `accept` lists content-type prefixes the caller can use; anything else is refused unread.
        `public_only` refuses every hop that names or resolves to a non-public address.
        """
        seen = {url}
        for _ in range(self.limits.max_redirects + 1):
            if public_only and (problem := private_address(url)):
                raise FetchFailed(problem)
            if robots and not self.allowed(url, public_only):
                raise FetchFailed(f"robots.txt of {urlsplit(url).netloc} disallows {urlsplit(url).path or '/'}")
            headers = {}
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            result = self._with_retries(url, headers, tuple(accept), max_bytes or self.limits.max_bytes, public_only)
            if isinstance(result, Fetched):
                return result
            target = urljoin(url, result)
            if urlsplit(target).scheme not in ("http", "https"):
                raise FetchFailed(f"redirected to a non-http URL: {target}")
            if target in seen:
                raise FetchFailed(f"redirect loop ({url} -> {target})")
            seen.add(target)
            url = target
        raise FetchFailed(f"more than {self.limits.max_redirects} redirects")

    def _with_retries(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...], cap: int, public_only: bool = False
    ) -> Fetched | str:
        attempt = 0
        while True:
            try:
                return self._once(url, headers, accept, cap, public_only)
            except _Retry as retry:
                if attempt >= self.limits.retries:
                    raise FetchFailed(retry.reason) from None
                wait = retry.after if retry.after is not None else self.limits.backoff_s * 2**attempt
                time.sleep(min(wait, MAX_RETRY_AFTER_S))
                attempt += 1

    def _once(
        self, url: str, headers: dict[str, str], accept: tuple[str, ...], cap: int, public_only: bool = False
    ) -> Fetched | str:
        """One request: a Fetched, or the Location of a redirect."""
        host = urlsplit(url).netloc.lower()
        with self._host_slot(host):
            with self._lock:
                self.requests += 1
            try:
                with self._http.stream("GET", url, headers=headers) as response:
                    if public_only:
                        self._connected_publicly(url, response)
                    return self._read(url, response, accept, cap)
            except httpx.TimeoutException:
                raise FetchFailed(f"timed out after {self.limits.timeout_s:g} s") from None
            except (httpx.ConnectError, httpx.RemoteProtocolError) as error:
                raise _Retry(f"cannot connect: {error}") from None
            except httpx.HTTPError as error:
                raise FetchFailed(f"{type(error).__name__}: {error}") from None

    @staticmethod
    def _connected_publicly(url: str, response: httpx.Response) -> None:
        """Refuse a response from a non-public peer, whatever the name resolved to when it was checked:
        a name can resolve to a public address for the check and to 127.0.0.1 for the connection (DNS
        rebinding). Nothing of such a response is read; an unknown peer is refused too."""
        stream = response.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if not peer:
            raise FetchFailed(f"cannot tell which address {urlsplit(url).hostname} connected to")
        if problem := non_public(str(peer[0])):
            raise FetchFailed(f"{urlsplit(url).hostname} connected to a {problem}; set fetch_allow_private to allow it")

    def _read(self, url: str, response: httpx.Response, accept: tuple[str, ...], cap: int) -> Fetched | str:
        status = response.status_code
        if status in (301, 302, 303, 307, 308):
            location = response.headers.get("location")
            if not location:
                raise FetchFailed(f"HTTP {status} without a Location")
            return location
        if status in RETRY_STATUS:
            raise _Retry(f"HTTP {status}", _retry_after(response.headers.get("retry-after")))
        common = dict(etag=response.headers.get("etag", ""), last_modified=response.headers.get("last-modified", ""))
        if status == 304:
            return Fetched(url, 304, **common)
        if status != 200:
            raise FetchFailed(f"HTTP {status}")
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if accept and not any(kind.startswith(a) for a in accept):
            raise FetchFailed(f"not an article: content type {kind or 'missing'}")
        return Fetched(url, 200, kind, self._body(response, cap), **common)

    def _body(self, response: httpx.Response, cap: int) -> bytes:
        """The body, read no further than the size cap and no longer than the timeout."""
        deadline = time.monotonic() + self.limits.timeout_s
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchFailed(f"too big: {int(declared) / 1e6:.1f} MB declared, the limit is {cap / 1e6:g} MB")
        parts, size = [], 0
        for part in response.iter_bytes():
            size += len(part)
            if size > cap:
                raise FetchFailed(f"too big: more than the {cap / 1e6:g} MB limit")
            if time.monotonic() > deadline:  # a server trickling bytes forever never trips the read timeout
                raise FetchFailed(f"timed out after {self.limits.timeout_s:g} s (body still arriving)")
            parts.append(part)
        return b"".join(parts)

    def _host_slot(self, host: str) -> threading.BoundedSemaphore:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = threading.BoundedSemaphore(self.limits.per_host)
            return self._hosts[host]

    def allowed(self, url: str, public_only: bool = False) -> bool:
        """What the site's robots.txt says about url for this tool (read once per site per run).

        FetchFailed when robots.txt cannot be had: the site is down, or answers 5xx (RFC 9309:
        then nothing may be fetched); no robots.txt (4xx) allows everything.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        key = f"{origin} {public_only}"  # a robots.txt redirected elsewhere is checked as its page would be
        with self._robots_lock:
            if key not in self._robots:
                self._robots[key] = self._load_robots(origin, public_only)
            rules = self._robots[key]
        if isinstance(rules, str):
            raise FetchFailed(rules)
        return rules.can_fetch(ROBOTS_AGENT, url)

    def _load_robots(self, origin: str, public_only: bool) -> RobotFileParser | str:
        rules = RobotFileParser(origin + "/robots.txt")
        try:
            got = self.get(origin + "/robots.txt", robots=False, max_bytes=ROBOTS_MAX_BYTES, public_only=public_only)
        except FetchFailed as failure:
            reason = str(failure)
            if reason.startswith("HTTP 4"):
                rules.parse([])
                return rules
            if reason.startswith("HTTP 5"):
                return f"robots.txt of {urlsplit(origin).netloc} unavailable ({reason}): nothing fetched from the site"
            return reason
        rules.parse(got.body.decode("utf-8", "replace").splitlines())
        return rules


class _Retry(Exception):
    def __init__(self, reason: str, after: float | None = None):
        super().__init__(reason)
        self.reason, self.after = reason, after


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
