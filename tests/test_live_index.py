"""The live index without a browser: a file copied into seeds/ by hand is indexed while the app runs."""

import shutil
import time

from support import md

from assistant.core import Assistant
from assistant.faces.live import LiveIndex


def wait_until(condition, seconds=60):
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.1)


def test_a_file_copied_into_seeds_is_indexed_and_counted(tmp_path, seeds, fake_embedder):
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)
    bot.index()
    before = bot.archive.article_count()
    live = LiveIndex(bot, watch=True).start()
    try:
        assert live.ready.wait(30)
        opened_at = live.arrived
        assert live.status(opened_at).endswith("0 new articles since this page was opened")
        draft = tmp_path / "bridge.md"
        draft.write_text(md("Riverside bridge reopens", ["The bridge reopened on Monday after repairs."]))
        (seeds / ".hidden.md").write_text("ignored")  # not an article file: no rebuild for it alone
        shutil.copy(draft, seeds / "bridge.md")
        wait_until(lambda: live.arrived == 1)
        assert bot.archive.article_count() == before + 1
        assert live.status(opened_at).endswith("1 new article since this page was opened")
        (seeds / "bridge.md").unlink()
        wait_until(lambda: bot.archive.article_count() == before)
        assert live.arrived == 1  # arrivals count what came in, not what is left
    finally:
        live.stop()


def test_refresh_runs_the_fetch_then_rebuilds_and_a_failing_fetch_does_not_stop_it(tmp_path, seeds, fake_embedder):
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)
    bot.index()
    calls = []

    class Report:
        new, updated, failures = [], [], []

        def summary(self):
            return "nothing new"

    def fetch():
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("network down")
        (seeds / f"item{len(calls)}.md").write_text(md(f"Story {len(calls)}", [f"Text of story {len(calls)}."]))
        return Report()

    live = LiveIndex(bot, watch=False, refresh_every=0.2, fetch=fetch).start()
    try:
        wait_until(lambda: live.arrived >= 2)
    finally:
        live.stop()
    assert len(calls) >= 3 and bot.archive.article_count() >= 3  # the seed article and two fetched stories
