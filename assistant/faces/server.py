"""Starting the chat window: bound to loopback unless credentials are set, Gradio's analytics and share links off."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from .chat import MAX_UPLOAD
from .window import CSS, FONTS, HEAD, MONO_FONTS, build

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials(auth_file: str | None) -> list[tuple[str, str]]:
    """user:password pairs: one per line of the auth file, else the one pair in NEWS_ASSISTANT_AUTH.

    Each entry is split at its first colon, so a password may hold any character (commas, colons,
    spaces). Blank lines and lines starting with # are skipped; any other line without a user or a
    password is refused, never skipped: a typo must not silently change who can log in.
    """
    if auth_file:
        text = Path(auth_file).read_text(encoding="utf-8")
        entries = [
            (f"{auth_file} line {n}", line)
            for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.startswith("#")
        ]
        if not entries:
            raise ValueError(f"{auth_file} holds no user:password line")
    else:
        value = os.environ.get("NEWS_ASSISTANT_AUTH", "")
        if "\n" in value:
            raise ValueError("NEWS_ASSISTANT_AUTH holds one user:password; put several in an auth file")
        entries = [("NEWS_ASSISTANT_AUTH", value)] if value else []
    pairs = []
    for where, entry in entries:
        user, sep, password = entry.partition(":")
        if not (sep and user.strip() and password):
            # The entry itself is not repeated: it may be a password.
            raise ValueError(f"{where} is not user:password (split at the first colon; neither part empty)")
        pairs.append((user.strip(), password))
    return pairs


def serve(assistant: Any, refresh_every: float | None = None, watch: bool = False) -> int:
    settings = assistant.settings
    auth = credentials(settings.auth_file or None)
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
    import gradio as gr

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
        theme=gr.themes.Default(font=FONTS, font_mono=MONO_FONTS),
        head=HEAD,
        footer_links=["api"],
    )
    return 0
