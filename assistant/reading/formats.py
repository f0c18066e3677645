"""One reader per file format (txt, md, html, json, jsonl), each turning a file's text into Articles."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from ..articles import BadFile, ReadResult
from . import decoding
from .building import article_from_record, make_article, missing_fields
from .decoding import BOMS, Unreadable, decode, load_text
from .markup import html_title, split_front_matter, strip_markdown
from .metadata import as_text, field, parse_date, split_names
from .read_cache import ReadCache, cached


def read_txt(text: str, rel: str) -> ReadResult:
    return ReadResult([make_article(path=rel, text=text)])


def read_markdown(text: str, rel: str) -> ReadResult:
    meta, body = split_front_matter(text)
    heading, body = strip_markdown(body)
    title = as_text(field(meta, "title"))
    if not title:
        title = heading
    elif heading and heading.casefold() != title.casefold():
        body = f"{heading}\n\n{body}"
    article = article_from_record({**meta, "title": title, "text": body}, path=rel)
    # Only front matter promises fields; a plain Markdown page is not expected to carry a date.
    notes = missing_fields(article, bool(title), rel) if meta else []
    return ReadResult([article], notes=notes)


def extract_html(html: str | bytes, url: str | None = None) -> Any:
    """trafilatura's document of an HTML page (text, title, date, author...), or None: how both a page in
    the seeds folder and a fetched one are read."""
    import trafilatura  # slow to import; only HTML needs it

    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        # Precision and the default gave the same text on ordinary article pages; precision
        # leaves out more of the link boxes and teasers that are this module's main worry.
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        # Only dates from markup: a date guessed from the body text is often some other event's.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


def read_html(text: str, rel: str) -> ReadResult:
    doc = extract_html(text)
    if doc is None or not (doc.text or "").strip():
        raise Unreadable("no article text")
    title = doc.title or html_title(text)
    article = make_article(
        path=rel,
        text=doc.text,
        title=title,
        url=doc.url or "",
        source=doc.sitename or "",
        authors=split_names(doc.author),
        published=parse_date(doc.date),
    )
    return ReadResult([article], notes=missing_fields(article, bool(title.strip()), rel))


def read_json(text: str, rel: str) -> ReadResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(f"malformed JSON: {error.msg}", error.lineno) from None
    except RecursionError:
        raise Unreadable("malformed JSON: nested too deeply") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list):
        data = data["articles"]
    if isinstance(data, dict):
        return ReadResult([article_from_record(data, path=rel)])
    if not isinstance(data, list):
        raise Unreadable("not an article object or a list of them")
    if not data:
        raise Unreadable("no article text")
    result = ReadResult()
    for number, record in enumerate(data, start=1):
        where = f"{rel}#{number}"
        try:
            if not isinstance(record, dict):
                raise Unreadable("record is not a JSON object")
            article = article_from_record(record, path=where)
            result.articles.append(article)
            result.notes.extend(missing_fields(article, bool(as_text(field(record, "title"))), where))
        except Unreadable as problem:
            result.bad.append(BadFile(where, problem.reason))
    return result


def read_jsonl(text: str, rel: str, cache: ReadCache | None = None) -> ReadResult:
    return read_jsonl_lines(enumerate(text.split("\n"), start=1), rel, cache)


def read_jsonl_file(path: Path, rel: str, cache: ReadCache | None = None) -> ReadResult:
    """A JSON Lines file a line at a time, so its size is not limited, only each record's."""
    limit = int(decoding.MAX_FILE_MB * 1024 * 1024)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
            if any(head.startswith(bom) for bom, _ in BOMS):
                return read_jsonl(load_text(path), rel, cache)  # UTF-16/32: decoded whole, under the size limit
            if not head.strip():
                raise Unreadable("empty file")
            if b"\x00" in head:
                raise Unreadable("binary file (not text)")
            fh.seek(0)
            result = read_jsonl_lines(_lines(fh, limit), rel, cache)
    except OSError as error:
        raise Unreadable(f"cannot read file: {error.strerror or error}") from None
    if not result.articles and not result.bad:
        raise Unreadable("empty file")
    return result


def _lines(fh: BinaryIO, limit: int) -> Iterable[tuple[int, str | None | Unreadable]]:
    """(line number, text) for each line; text is None for a line longer than `limit` bytes."""
    number = 0
    while True:
        raw = fh.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the overlong line
                raw = fh.readline(1024 * 1024)
            yield number, None
            continue
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        raw = raw.rstrip(b"\r\n")
        if not raw.strip():
            continue
        try:
            yield number, decode(raw)
        except Unreadable as problem:
            yield number, problem


def read_jsonl_lines(
    lines: Iterable[tuple[int, str | None | Unreadable]], rel: str, cache: ReadCache | None = None
) -> ReadResult:
    result = ReadResult()
    for number, line in lines:
        if isinstance(line, str) and not line.strip():
            continue
        read = partial(read_jsonl_record, line, rel, number)
        # Only a decoded line has bytes to key on; an overlong or undecodable one is reported again.
        result.extend(cached(cache, f"{rel}#{number}", line, read) if isinstance(line, str) else read())
    return result


def read_jsonl_record(line: str | None | Unreadable, rel: str, number: int) -> ReadResult:
    result = ReadResult()
    try:
        if line is None:
            raise Unreadable(f"record longer than the {decoding.MAX_FILE_MB:g} MB limit")
        if isinstance(line, Unreadable):
            raise line
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise Unreadable(f"malformed JSON: {error.msg} (column {error.colno})") from None
        except RecursionError:
            raise Unreadable("malformed JSON: nested too deeply") from None
        if not isinstance(record, dict):
            raise Unreadable("record is not a JSON object")
        article = article_from_record(record, path=f"{rel}#{number}")
        result.articles.append(article)
        result.notes.extend(missing_fields(article, bool(as_text(field(record, "title"))), rel, number))
    except Unreadable as problem:
        result.bad.append(BadFile(rel, problem.reason, number))
    return result


READERS: dict[str, Callable[[str, str], ReadResult]] = {
    ".txt": read_txt,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
    ".jsonl": read_jsonl,
}
