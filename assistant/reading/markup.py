"""Markdown and HTML helpers: YAML front matter, Markdown to plain text, a page's <title>."""

from __future__ import annotations

import html
import re
from typing import Any

import yaml

from .decoding import Unreadable

_DESTINATION = r"(?:[^()]|\([^()]*\))*"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    text = text.lstrip("\ufeff")
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise Unreadable(
            f"malformed YAML front matter: {getattr(error, 'problem', None) or error}", mark.line + 2 if mark else None
        ) from None
    if not isinstance(meta, dict):
        raise Unreadable("malformed YAML front matter: not a mapping of fields")
    return meta, text[match.end() :]


def strip_markdown(text: str) -> tuple[str, str]:
    """The first "# " heading, and the rest as plain text: markers go, words stay."""
    lines: list[str] = []
    heading_1 = ""
    for line in text.split("\n"):
        if re.match(r"\s*(```|~~~)", line) or re.match(r"\s*\[[^\]]+\]:\s+\S", line):
            continue  # code fences and link reference definitions
        heading = re.match(r"\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            line = heading.group(2)
            if heading.group(1) == "#" and not heading_1:
                heading_1 = _inline_markdown(line)
                continue
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        lines.append(_inline_markdown(line))
    return heading_1, "\n".join(lines)


def _inline_markdown(line: str) -> str:
    # A link's destination may hold balanced parentheses ("javascript:alert(3)", Wikipedia URLs).
    line = re.sub(r"!\[([^\]]*)\]\(" + _DESTINATION + r"\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\(" + _DESTINATION + r"\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\[[^\]]*\]", r"\1", line)
    line = re.sub(r"<(https?://[^>]+)>", r"\1", line)
    line = re.sub(r"</?[a-zA-Z][^>]*>", "", line)
    line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
    line = re.sub(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", r"\1", line)
    line = re.sub(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])", r"\1", line)
    line = re.sub(r"~~(.+?)~~", r"\1", line)
    return re.sub(r"`([^`]+)`", r"\1", line)


def html_title(page: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", page, re.IGNORECASE | re.DOTALL)
    return " ".join(html.unescape(match.group(1)).split()) if match else ""
