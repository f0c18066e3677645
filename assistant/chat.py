"""The Gradio chat window: a thin face over Assistant.answer, bound to 127.0.0.1 unless told otherwise."""

from __future__ import annotations

import html
import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Any

from .answers import Answer

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
EXAMPLES = ["When is the military parade in Beijing?", "What share of North Korea's trade does China account for?"]


def escape(text: str) -> str:
    """Article text is data: no HTML runs and no Markdown is interpreted."""
    text = html.escape(" ".join(text.split()), quote=False)
    return re.sub(r"([\\`*_{}\[\]()#+\-!|~>])", r"\\\1", text)


def render(answer: Answer) -> str:
    """The answer, then its numbered sources with the quoted supporting sentence."""
    lines = [escape(answer.text).replace("\\[", "[").replace("\\]", "]")]
    if answer.citations:
        lines += ["", "**Sources**", ""]
        for c in answer.citations:
            meta = " · ".join(escape(x) for x in (c.source, c.published.isoformat() if c.published else "") if x)
            title = escape(c.title) or "Untitled"
            link = f" · [original]({c.url})" if c.url.startswith(("http://", "https://")) else ""
            lines.append(f"{c.number}\\. **{title}**" + (f" — {meta}" if meta else "") + link)
            lines.append(f"> {escape(c.sentence or c.passage)}")
            if c.also_reported_by:
                others = ", ".join(escape(a.source or a.title) for a in c.also_reported_by)
                lines.append(f"\nAlso reported by {others}")
            lines.append("")
    elif answer.abstained and answer.passages:
        closest = ", ".join(dict.fromkeys(escape(p.title) for p in answer.passages[:3]))
        lines += ["", f"Closest articles: {closest}"]
    return "\n".join(lines).strip()


def build(assistant) -> Any:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    import gradio as gr

    def respond(message: str, history: list[dict]) -> str:
        return render(assistant.answer(message, history))

    return gr.ChatInterface(
        respond,
        title="News assistant",
        description="Ask about the news in the indexed articles. Every claim cites its source [n].",
        examples=EXAMPLES,
        analytics_enabled=False,
        api_name="chat",
        fill_height=True,
    )


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials(auth_file: str | None) -> list[tuple[str, str]]:
    """user:password pairs from --auth-file or NEWS_ASSISTANT_AUTH (one pair, or several split by commas)."""
    raw = Path(auth_file).read_text() if auth_file else os.environ.get("NEWS_ASSISTANT_AUTH", "")
    pairs = []
    for item in re.split(r"[\n,]", raw):
        user, sep, password = item.strip().partition(":")
        if sep and user and password:
            pairs.append((user, password))
    return pairs


def serve(assistant, auth_file: str | None = None) -> int:
    settings = assistant.settings
    auth = credentials(auth_file)
    if not is_loopback(settings.host) and not auth:
        print(
            f"news-assistant: refusing to listen on {settings.host} without credentials: set "
            "NEWS_ASSISTANT_AUTH=user:password or pass --auth-file FILE (or bind 127.0.0.1).",
            file=sys.stderr,
        )
        return 2
    report = assistant.ensure_index()
    if report is not None:
        print(report.summary(), file=sys.stderr)
    app = build(assistant)
    app.queue(default_concurrency_limit=4)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth or None,
        share=False,
        show_error=False,
        inbrowser=False,
    )
    return 0
