"""The live index behind `serve`: what lands in seeds/ is indexed as it lands, feeds are fetched on a schedule."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from ..reading.folder import is_article_name

log = logging.getLogger(__name__)

DEBOUNCE_MS = 1500  # files arriving together (a fetch, a copied folder) make one rebuild


def article_file(change: Any, path: str) -> bool:
    """Only changes to files the seeds folder reads as articles count."""
    return is_article_name(Path(path).name)


class LiveIndex:
    """Keeps the index in step with the seeds folder while the window serves questions.

    Rebuilds run on background threads, one at a time; questions keep being answered from the
    index as it was until each rebuild finishes. `fetch` (when feeds are followed) runs every
    `refresh_every` seconds, each time followed by a rebuild.
    """

    def __init__(
        self,
        assistant: Any,
        *,
        watch: bool = True,
        refresh_every: float | None = None,
        fetch: Callable[[], Any] | None = None,
    ):
        self.assistant = assistant
        self.watch = watch
        self.refresh_every = refresh_every
        self.fetch = fetch
        self.updated_at: datetime = datetime.now(timezone.utc)  # the index is current as of starting
        self.arrived = 0  # articles added to the index since the app started
        self._stop = threading.Event()
        self.ready = threading.Event()  # set once the seeds folder is being watched
        self._rebuilding = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> "LiveIndex":
        seeds = Path(self.assistant.settings.seeds_dir)
        seeds.mkdir(parents=True, exist_ok=True)
        if self.watch:
            self._spawn(self._watch_loop, "watch-seeds")
        if self.refresh_every and self.fetch is not None:
            self._spawn(self._refresh_loop, "refresh-feeds")
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def rebuild(self, why: str) -> None:
        """Bring the index in line with the seeds folder; a failure is logged and the old index keeps answering."""
        from ..storing.indexing import IndexBusy

        with self._rebuilding:
            try:
                report = self.assistant.index()
            except IndexBusy as exc:  # another process (`news-assistant index`) is at it: it does the work
                log.info("live index: %s", exc)
                return
            except Exception:
                log.exception("live index: rebuild after %s failed; the articles indexed before still answer", why)
                return
            # Load the new BM25 index here, not in the first question after: that one would wait for
            # the lock whenever the next rebuild had already started.
            self.assistant.archive.lexical  # noqa: B018
            self.arrived += len(report.plan.added)
            self.updated_at = datetime.now(timezone.utc)
            plan = report.plan
            busy = plan.added or plan.changed or plan.removed or plan.bad
            log.log(logging.WARNING if busy else logging.INFO, "live index (%s): %s", why, report.summary())

    def _watch_loop(self) -> None:
        import watchfiles

        seeds = str(self.assistant.settings.seeds_dir)
        try:
            for changes in watchfiles.watch(
                seeds,
                watch_filter=article_file,
                debounce=DEBOUNCE_MS,
                stop_event=self._stop,
                raise_interrupt=False,
                yield_on_timeout=True,  # an empty set each quiet second: the first says the watch is set up
                rust_timeout=1000,
            ):
                if changes:
                    self.rebuild("files changed in the seeds folder")
                elif not self.ready.is_set():
                    self.ready.set()
                    # Whatever landed between the start-up index and the watch being set up.
                    self.rebuild("starting to watch the seeds folder")
        except Exception:
            log.exception("live index: watching %s stopped", seeds)

    def _refresh_loop(self) -> None:
        assert self.fetch is not None and self.refresh_every
        while not self._stop.is_set():
            try:
                report = self.fetch()
                busy = report.new or report.updated or report.failures
                log.log(logging.WARNING if busy else logging.INFO, "live index: fetched: %s", report.summary())
                for failure in report.failures:
                    log.warning("live index: failed %s", failure)
            except Exception:
                log.exception("live index: fetching the feeds failed")
            self.rebuild("fetching the feeds")
            if self._stop.wait(self.refresh_every):
                return

    def status(self, arrived_at_open: int) -> str:
        """ "Updated 12:31 UTC · 3 new articles since this page was opened" """
        new = max(0, self.arrived - arrived_at_open)
        when = self.updated_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"Updated {when} · {new} new article{'s' if new != 1 else ''} since this page was opened"
