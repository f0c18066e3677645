"""What the chat window does: streamed, cited answers, a sources panel, filters, uploads and index management."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterator

from ..answers import Answer
from ..reading.decoding import MAX_FILE_MB
from ..reading.folder import SUFFIXES
from .briefing_render import briefing_html, collection_card
from .chat_render import (
    answer_html,
    empty_index_html,
    escape,
    panel_html,
    pending_html,
    report_markdown,
    sanitised,
    web_url,
)
from .uploads import save_uploads

log = logging.getLogger(__name__)

MAX_RECORDS = 50  # conversation turns kept in the browser between visits
UPLOAD_TYPES = sorted(SUFFIXES)
MAX_UPLOAD = f"{MAX_FILE_MB}mb"  # Gradio refuses larger uploads before they reach us
STORAGE_KEY = "news-assistant-chat"


class ChatApp:
    """The window's behaviour, kept apart from its layout so it can be tested without a browser."""

    def __init__(self, assistant):
        self.assistant = assistant

    def outlets(self) -> list[str]:
        try:
            return self.assistant.outlets()
        except Exception as exc:  # an unreachable Chroma server must not break the page
            log.warning("could not list outlets: %s", exc)
            return []

    def index_empty(self) -> bool:
        try:
            return self.assistant.store.count() == 0
        except Exception:
            return False

    def collection(self) -> str:
        """What the window answers from: "1,204 articles, up to 2024-01-09" ("now" for time words)."""
        try:
            count, newest = self.assistant.archive.article_count(), self.assistant.archive.newest()
        except Exception as exc:  # an unreachable Chroma server must not break the page
            log.warning("could not describe the collection: %s", exc)
            return ""
        if not count:
            return "No articles indexed yet."
        return f"{count:,} article{'s' if count != 1 else ''}" + (f", up to {newest.isoformat()}" if newest else "")

    def idle_panel(self) -> str:
        if self.index_empty():
            return empty_index_html(str(self.assistant.settings.seeds_dir))
        return panel_html(None)

    def restore(self, records: list[dict] | None) -> tuple[list[dict], str]:
        records = clean_records(records)
        if self.index_empty():
            return messages(records), empty_index_html(str(self.assistant.settings.seeds_dir))
        return messages(records), records[-1]["panel"] if records else panel_html(None)

    def respond(
        self, message: str, records: list[dict] | None, since: str, until: str, as_of: str, outlets: list[str] | None
    ) -> Iterator[tuple[list[dict], str | None, list[dict] | None]]:
        """Stream one answer: (chat messages, sources panel or None to keep it, records or None to keep them)."""
        records = clean_records(records)
        key = str(len(records) + 1)
        chat = messages(records) + [
            {"role": "user", "content": question_html(message)},
            {"role": "assistant", "content": pending_html("")},
        ]
        yield chat, None, None
        history = [(r["q"], r["a"]) for r in records]
        options = {"since": since, "until": until, "as_of": as_of, "sources": outlets or None}
        answer, text = None, ""
        try:
            for piece in self.assistant.stream(message, history, **options):
                if isinstance(piece, str):
                    text += piece
                    chat[-1]["content"] = pending_html(text)
                    yield chat, None, None
                else:
                    answer = piece
        except (ValueError, RuntimeError, OSError) as exc:
            log.warning("question failed: %s", exc)
            answer = Answer(question=message or "", text=f"Sorry: {exc}", abstained=True)
        if answer is None:  # a stream that ended without its Answer is a bug; say so plainly
            answer = Answer(question=message or "", text="Sorry: no answer was produced.", abstained=True)
        render = briefing_html if answer.briefing is not None else answer_html
        html = render(answer, key, filters_note(options) + path_note(answer))
        chat[-1]["content"] = html
        panel = panel_html(answer, key)
        records.append({"q": message or "", "a": answer.text, "html": html, "panel": panel})
        yield chat, panel, records[-MAX_RECORDS:]

    def starters(self) -> tuple[str, list[dict]]:
        """The empty window's collection card and its starter questions (the latest top stories)."""
        return collection_card(self.assistant)

    def upload(self, files: list[str] | None) -> str:
        if not files:
            return ""
        names = [Path(f).name for f in files]
        saved = save_uploads(files, self.assistant.settings.seeds_dir, names)
        lines = []
        if saved.written:
            lines.append("Saved to the seeds folder: " + ", ".join(escape(n) for n in saved.written) + ".")
            lines.append(f"Press **Rebuild index** to add {'it' if len(saved.written) == 1 else 'them'}.")
        lines += [f"- Refused {escape(r)}" for r in saved.refused]
        return "\n".join(lines)

    def follow(self, url: str) -> str:
        """Follow a feed from the window. Its URL must name a public address (no requests to the
        server's own network on a visitor's behalf) unless `fetch_allow_private` is set, and every
        fetch of it checks that again, redirects included."""
        from ..fetching.addresses import private_address
        from ..fetching.feed_list import add_feed, check_url, feeds_path

        s = self.assistant.settings
        try:
            url = check_url(url or "")
            problem = "" if s.fetch_allow_private else private_address(url)
            if problem:
                raise ValueError(problem)
            feed = add_feed(feeds_path(s.index_dir, s.feeds_file), url, public_only=not s.fetch_allow_private)
        except ValueError as exc:
            return f"**Not followed:** {escape(str(exc))}."
        return f"Following {escape(feed.url)} as **{escape(feed.name)}**: its items arrive with the next refresh."

    def rebuild(self, progress: Any = None) -> str:
        from ..storing.indexing import IndexBusy

        def tick(done: int, total: int) -> None:
            if progress is not None and total:
                progress((done, total), desc="Embedding articles", unit="articles")

        try:
            report = self.assistant.index(progress=tick)
        except IndexBusy as exc:
            return f"**Not rebuilt:** {escape(str(exc))}"
        except Exception as exc:  # shown to the user; the previous index keeps answering
            log.exception("rebuild failed")
            return (
                f"**Rebuild failed:** {escape(str(exc))}. The articles indexed before are still there and still answer."
            )
        return report_markdown(report)

    def api_chat(
        self,
        message: str,
        history: list | None = None,
        since: str = "",
        until: str = "",
        as_of: str = "",
        sources: list[str] | None = None,
    ) -> dict:
        """Answer one question: the answer text, its citations and how it was produced, as data."""
        try:
            answer = self.assistant.answer(message, history, since=since, until=until, as_of=as_of, sources=sources)
        except (ValueError, RuntimeError, OSError) as exc:  # a malformed date filter, an unreachable store
            answer = Answer(question=message or "", text=f"Sorry: {exc}", abstained=True)
        return api_data(answer)

    def api_brief(
        self,
        as_of: str = "",
        since: str = "",
        until: str = "",
        topic: str = "",
        top: int = 10,
        sources: list[str] | None = None,
    ) -> dict:
        """The top stories of a window (default: the week up to the newest article), or the latest on a topic."""
        try:
            briefing = self.assistant.brief(
                as_of=as_of, since=since, until=until, sources=sources, topic=topic, top=int(top)
            )
        except (ValueError, RuntimeError, OSError) as exc:
            return {"error": str(exc), "stories": []}
        data = briefing.to_dict()
        for story in data["stories"]:
            web_links(story["citations"])
        return data


def api_data(answer: Answer) -> dict:
    """An answer as the /chat endpoint returns it: every text field plain text, links only http(s)."""
    data = answer.to_dict()
    data.pop("passages", None)
    web_links(data["citations"])
    # gradio_client takes any dict with a "path" key for a file to download: rename it.
    data["answered_by"] = data.pop("path")
    return data


def web_links(citations: list[dict]) -> None:
    """Blank every citation's (and its other outlets') link that is not http(s), in place."""
    for citation in citations:
        for item in (citation, *citation.get("also_reported_by", ())):
            item["url"] = web_url(str(item.get("url", "")))


def question_html(message: str) -> str:
    return f'<p class="na-question">{escape(message or "")}</p>'


def filters_note(options: dict[str, Any]) -> str:
    bits = [
        f"{name.replace('_', ' ')} {escape(str(options[name]))}"
        for name in ("as_of", "since", "until")
        if options.get(name)
    ]
    if options.get("sources"):
        bits.append("outlets: " + ", ".join(escape(s) for s in options["sources"]))
    return f'<p class="na-note">Filters: {"; ".join(bits)}</p>' if bits else ""


def path_note(answer: Answer) -> str:
    """Which answerer spoke, when it was not the default one (a model, or the fallback after it)."""
    if answer.path in ("extractive", "briefing"):
        return ""
    return f'<p class="na-note">Answered by {escape(answer.path)}</p>'


def messages(records: list[dict]) -> list[dict]:
    chat = []
    for r in records:
        chat.append({"role": "user", "content": question_html(r["q"])})
        chat.append({"role": "assistant", "content": r["html"]})
    return chat


def clean_records(records: Any) -> list[dict]:
    """Records from the browser's storage, keeping only well-formed ones (storage is user-editable)."""
    keys = ("q", "a", "html", "panel")
    if not isinstance(records, list):
        return []
    kept = [r for r in records if isinstance(r, dict) and all(isinstance(r.get(k), str) for k in keys)]
    # The panel goes into the page as it is: only what chat_render writes survives. (Messages
    # pass through the Chatbot's own sanitiser, and keep the entities that stop Markdown.)
    return [{**r, "panel": sanitised(r["panel"])} for r in kept]
