"""Starting the chat window: bound to loopback unless credentials are set, Gradio's analytics and share links off."""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from pathlib import Path
from typing import Any

from .chat import CSS, HEAD, MAX_UPLOAD, build

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


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


def serve(assistant: Any, auth_file: str | None = None, refresh_every: float | None = None, watch: bool = False) -> int:
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
    live = None
    if watch or refresh_every:
        from .feeds_cli import fetcher
        from .live import LiveIndex

        fetch = fetcher(settings) if refresh_every else None
        live = LiveIndex(assistant, watch=True, refresh_every=refresh_every, fetch=fetch).start()
    app = build(assistant, live)
    # Four answers at once keeps two CPU cores busy without starving the embedder; the rest wait in line.
    app.queue(default_concurrency_limit=4, max_size=64)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth or None,
        share=False,
        show_error=False,
        inbrowser=False,
        max_file_size=MAX_UPLOAD,
        css=CSS,
        head=HEAD,
        footer_links=["api"],
    )
    return 0
