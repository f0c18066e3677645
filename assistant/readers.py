"""Turn the article files in a folder (txt, md, html, json, jsonl) into Articles."""

from __future__ import annotations

import codecs
import html
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from dateutil import parser as dateparser

from . import checkpoints
from .articles import Article, BadFile, Note, ReadResult, article_id, sha
from .cleaning import clean_article_text, clean_text, is_byline, is_furniture
from .read_cache import ReadCache, record_key

# Whole-file formats are read into memory at once; .jsonl is read a line at a time, so this
# bounds one record there and a feed of any size can be indexed.
MAX_FILE_MB = 20
# A file is binary rather than text when more than this share of its characters are control codes.
MAX_CONTROL_SHARE = 0.1
# charset-normalizer's "chaos" (0..1) above which a legacy-encoding guess is not trusted.
MAX_CHAOS = 0.05
SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})
TITLE_MAX_WORDS = 20
TITLE_MAX_CHARS = 120

# Record field names and the variants other exporters use, most specific first.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "text": ("text", "body", "content"),
    "url": ("url", "link"),
    "source": ("source", "outlet", "site", "publisher"),
    "authors": ("authors", "author"),
    "published": ("published", "published_at", "publishedAt", "date"),
}


class Unreadable(Exception):
    """A file or record that cannot become an Article; the message is the reason shown to the user."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def read_folder(folder: Path, cache: ReadCache | None = None) -> ReadResult:
    """Read every article file under folder, in sorted order; hidden files and READMEs are skipped.

    With a cache, a file or JSONL record whose bytes have not changed since it was last read
    is taken from it instead of being parsed and cleaned again.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    result = ReadResult()
    for path in article_files(folder):
        result.extend(read_file(path, folder, cache))
        checkpoints.reached("read")
    if cache is not None:
        cache.save()
    result.articles, copies = merge_copies(result.articles)
    result.notes.extend(copies)
    return result


def merge_copies(articles: list[Article]) -> tuple[list[Article], list[Note]]:
    """One Article per distinct article: a copy under another name or URL is recorded on the first.

    A copy is the same headline and text from the same outlet on the same day. Other outlets' copies and
    re-publications on later days stay separate articles: retrieval groups them as one story,
    and an as-of date must still see the copy that existed then.
    """
    first: dict[str, int] = {}
    kept: list[Article] = []
    notes: list[Note] = []
    for article in articles:
        key = sha(
            *(" ".join(x.casefold().split()) for x in (article.title, article.text, article.source)),
            str(article.published),
        )
        if key not in first:
            first[key] = len(kept)
            kept.append(article)
            continue
        original = kept[first[key]]
        where = article.path + (f" {article.url}" if article.url and article.url != original.url else "")
        kept[first[key]] = replace(original, copies=(*original.copies, where))
        notes.append(Note(article.path, f"same article as {original.path}; indexed once, as {original.path}"))
    return kept, notes


def article_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.startswith(".") or name.upper().startswith("README"):
                continue
            if Path(name).suffix.lower() in SUFFIXES:
                found.append(Path(here, name))
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_file(path: Path, root: Path, cache: ReadCache | None = None) -> ReadResult:
    """Read one file; problems come back as BadFile entries, never as exceptions."""
    path = Path(path)
    rel = path.relative_to(root).as_posix()
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        return ReadResult()
    try:
        if suffix == ".jsonl":
            return read_jsonl_file(path, rel, cache)
        text = load_text(path)
        return cached(cache, rel, text, lambda: reader(text, rel))
    except Unreadable as problem:
        return ReadResult(bad=[BadFile(rel, problem.reason, problem.line)])
    except Exception as error:  # noqa: BLE001  a reader bug must cost one file, never the whole rebuild
        return ReadResult(bad=[BadFile(rel, f"internal error while reading ({type(error).__name__}: {error})")])


def load_text(path: Path) -> str:
    limit = MAX_FILE_MB * 1024 * 1024
    try:
        size = path.stat().st_size
        if size > limit:
            raise Unreadable(
                f"{size / 1024 / 1024:.1f} MB is larger than the {MAX_FILE_MB:g} MB limit for one file "
                "(split it, or use .jsonl, which is read a record at a time)"
            )
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"cannot read file: {error.strerror or error}") from None
    text = decode(data)
    if not text.strip():
        raise Unreadable("empty file")
    return text


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# A well-formed multi-byte UTF-8 sequence: its presence means the file was meant as UTF-8.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f]")


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (BOM or not), UTF-16/32 by their BOM, else a legacy encoding if one fits.

    A legacy encoding (Latin-1, cp1252, cp1251, ...) is taken only when the file holds no UTF-8
    at all and charset-normalizer finds a clean fit: a UTF-8 file with a few broken bytes is
    reported, since decoding it as cp1252 would turn every accented letter into mojibake in the
    index and in quoted citations without a word.
    """
    if not data.strip():
        raise Unreadable("empty file")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _text(data.decode(codec))
            except UnicodeDecodeError as error:
                raise Unreadable(f"not valid {codec.upper()} text (bad bytes at offset {error.start})") from None
    if b"\x00" in data:
        raise Unreadable("binary file (not text)")
    try:
        return _text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.start + 1].hex().upper()
        if _UTF8_SEQUENCE.search(data):
            raise Unreadable(f"not valid UTF-8 text (byte 0x{bad} in an otherwise UTF-8 file)", line) from None
        guessed = legacy_decode(data)
        if guessed is None:
            raise Unreadable(f"not valid UTF-8 text, and no other encoding fits (byte 0x{bad})", line) from None
        return _text(guessed)


def legacy_decode(data: bytes) -> str | None:
    """The text in a single-byte legacy encoding, when charset-normalizer finds one that fits cleanly."""
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(data) if not codecs.lookup(m.encoding).name.startswith(("utf-16", "utf-32"))]
    if not matches or matches[0].chaos > MAX_CHAOS:
        return None  # (UTF-16/32 without a BOM are left out above: they are guesses about binary data)
    best = matches[0]
    # Short Western text fits several code pages equally well (é is é in cp1250 too, ê is not):
    # on a tie, take cp1252, the usual legacy encoding of Western European news.
    for match in matches:
        if "cp1252" in match.could_be_from_charset and (match.chaos, -match.coherence) <= (best.chaos, -best.coherence):
            try:
                return data.decode("cp1252")
            except UnicodeDecodeError:
                break
    return str(best)


def _text(text: str) -> str:
    """The text, unless so much of it is control codes that it is a binary file."""
    sample = text[:65536]
    if sample and len(_CONTROL_CHARS.findall(sample)) > MAX_CONTROL_SHARE * len(sample):
        raise Unreadable("binary file (not text)")
    return text


# --- one reader per format -------------------------------------------------------------


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


def read_html(text: str, rel: str) -> ReadResult:
    import trafilatura  # slow to import; only HTML needs it

    doc = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        # Precision and the default gave the same text on ordinary article pages; precision
        # leaves out more of the link boxes and teasers that are this module's main worry.
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        # Only dates from markup: a date guessed from the body text is often some other event's.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
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


def cached(cache: ReadCache | None, place: str, raw: str, read: Callable[[], ReadResult]) -> ReadResult:
    if cache is None:
        return read()
    key = record_key(place, raw)
    found = cache.get(key)
    if found is None:
        found = read()
        cache.put(key, found)
    return found


def read_jsonl(text: str, rel: str, cache: ReadCache | None = None) -> ReadResult:
    return read_jsonl_lines(enumerate(text.split("\n"), start=1), rel, cache)


def read_jsonl_file(path: Path, rel: str, cache: ReadCache | None = None) -> ReadResult:
    """A JSON Lines file a line at a time, so its size is not limited, only each record's."""
    limit = int(MAX_FILE_MB * 1024 * 1024)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
            if any(head.startswith(bom) for bom, _ in _BOMS):
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


def _lines(fh, limit: int) -> Iterable[tuple[int, str | None]]:
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
            raise Unreadable(f"record longer than the {MAX_FILE_MB:g} MB limit")
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


def missing_fields(article: Article, titled: bool, path: str, line: int | None = None) -> list[Note]:
    """Notes for a record that lacks a title or a date: it is indexed, but the user should know."""
    notes = []
    if not titled:
        found = f"; using {article.title!r} from its text" if article.title else ""
        notes.append(Note(path, f"no title{found}", line))
    if article.published is None:
        notes.append(Note(path, "no publication date; treated as undated (no as-of date hides it)", line))
    return notes


READERS: dict[str, Callable[[str, str], ReadResult]] = {
    ".txt": read_txt,
    ".md": read_markdown,
    ".markdown": read_markdown,
    ".html": read_html,
    ".htm": read_html,
    ".json": read_json,
    ".jsonl": read_jsonl,
}


# --- building an Article ---------------------------------------------------------------


def article_from_record(record: dict[str, Any], *, path: str) -> Article:
    text = field(record, "text")
    if isinstance(text, list):
        text = "\n\n".join(str(part) for part in text)
    if not isinstance(text, str) or not text.strip():
        raise Unreadable("no article text")
    record_id = record.get("id")
    return make_article(
        path=path,
        text=text,
        title=as_text(field(record, "title")),
        url=as_text(field(record, "url")),
        source=as_text(field(record, "source")),
        authors=split_names(field(record, "authors")),
        published=parse_date(field(record, "published")),
        id="" if record_id is None else str(record_id).strip(),
    )


def make_article(
    *,
    path: str,
    text: str,
    title: str = "",
    url: str = "",
    source: str = "",
    authors: tuple[str, ...] = (),
    published: date | None = None,
    id: str = "",
) -> Article:
    """Clean the text, find a title if none was given, and take authors from a byline if needed."""
    text = clean_text(text)
    title = " ".join(clean_text(title).split())
    if not title:
        title, text = split_title(text)
    else:
        first, _, rest = text.partition("\n")
        if first.casefold() == title.casefold():
            text = rest  # the headline repeated as the first line (an <h1>, a scraped page)
    cleaned = clean_article_text(text)
    if not cleaned.text:
        raise Unreadable("no article text")
    # Metadata is shown beside every citation, so it is cleaned like the text.
    url = "".join(clean_text(url).split())
    source = " ".join(clean_text(source).split())
    authors = tuple(name for name in (" ".join(clean_text(a).split()) for a in authors) if name)
    return Article(
        id=" ".join(clean_text(id).split()) or (article_id(url=url) if url else article_id(path=path)),
        title=title,
        text=as_paragraphs(cleaned.text),
        source=source or source_from_url(url),
        url=url,
        authors=authors or authors_from_byline(cleaned.byline),
        published=published,
        path=path,
    )


def split_title(text: str) -> tuple[str, str]:
    """Title and remaining text: a headline among the first two lines, else the first line shortened.

    A lead sentence before the headline stays in the text; a first line used only because no
    headline was found stays too, since it is body prose.
    """
    lines = text.split("\n")
    first_two = [i for i, line in enumerate(lines) if line][:2]
    for i in first_two:
        if looks_like_headline(lines[i]):
            return lines[i], "\n".join(lines[:i] + lines[i + 1 :]).strip()
    if not first_two:
        return "", text
    return shorten(lines[first_two[0]], TITLE_MAX_CHARS), text


def looks_like_headline(line: str) -> bool:
    words = line.split()
    if not words or len(words) > TITLE_MAX_WORDS or len(line) > 160 or is_furniture(line) or is_byline(line):
        return False
    if re.search(r"(\.\.\.|…)$", line):
        return True  # a headline cut short
    # Sentences end in . ! ; : , and datelines in a dash; headlines may end in "?".
    return not re.search(r"[.!;:,—–-][\"”’')]*$", line)


def shorten(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return f"{cut}…"


def as_paragraphs(text: str) -> str:
    """One paragraph per line when the text has no blank lines, so chunkers see paragraph breaks."""
    return text if "\n\n" in text else text.replace("\n", "\n\n")


# --- field values ----------------------------------------------------------------------


def field(record: dict[str, Any], name: str) -> Any:
    for key in FIELDS[name]:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # e.g. NewsAPI's "source": {"id": ..., "name": "CNN"}
        return as_text(value.get("name") or value.get("title") or "")
    if isinstance(value, list):
        return ", ".join(as_text(item) for item in value if item)
    return str(value).strip()


def split_names(value: Any) -> tuple[str, ...]:
    """Author names from a list, or from one string joined with commas, semicolons or "and"."""
    if not value:
        return ()
    items = value if isinstance(value, list) else re.split(r"\s*(?:;|,|&|\band\b)\s*", as_text(value))
    names = [re.sub(r"(?i)^by\s+", "", as_text(item)).strip() for item in items]
    return tuple(dict.fromkeys(name for name in names if name))


def parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.search(r"\d{4}", value):
        return None  # without a year dateutil would fill in the current one
    try:
        return dateparser.parse(value.strip(), default=datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def source_from_url(url: str) -> str:
    """A rough outlet name from the host: cnn.com -> "CNN", bbc.co.uk -> "BBC", nytimes.com -> "Nytimes"."""
    if not url:
        return ""
    try:
        host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").removeprefix("www.")
    except ValueError:  # e.g. an unbalanced "[" reads as a broken IPv6 address
        return ""
    labels = host.split(".")
    if len(labels) < 2 or host.replace(".", "").isdigit():
        return ""
    name = labels[-2]
    if name in {"co", "com", "org", "net", "gov", "ac", "edu"} and len(labels) >= 3:
        name = labels[-3]
    return name.upper() if len(name) <= 4 else name.title()


# Words that mark an organisation, not a person, in a credit line.
_ORG_WORDS = frozenset(
    "press news network times post staff reuters associated today journal register herald tribune "
    "magazine daily gazette wire wires reports bureau agency media".split()
)
_NAME = re.compile(r"[A-Z][\w'’.-]*")
_CREDIT_LABEL = re.compile(
    r"(?i)^\s*(contributing|contributors?)\b\s*:?|^\s*(additional )?(reporting|writing|written|research) by\b|^\s*by\b"
)


def authors_from_byline(byline: str | None) -> tuple[str, ...]:
    """Person names in a credit line; editors, outlets and single words are left out."""
    if not byline:
        return ()
    names: list[str] = []
    for clause in byline.split(";"):
        if re.match(r"(?i)\s*(editing|edited|compiled|graphics|photos?|produced|fact-checked) by\b", clause):
            continue
        clause = re.sub(_CREDIT_LABEL, "", clause)
        for part in re.split(r"\s*(?:,|&|\band\b)\s*", clause):
            part = re.split(r"\s(?:reported|contributed|from|in|at|of|for|with|wrote)\b", part)[0]
            name = _last_capitalised_run(re.sub(r"^\S+[’']s\s+", "", part.strip(" .")))
            if name:
                names.append(name)
    return tuple(dict.fromkeys(names))


def _last_capitalised_run(text: str) -> str:
    run: list[str] = []
    best: list[str] = []
    for token in text.split():
        if _NAME.fullmatch(token):
            run.append(token)
            best = run
        else:
            run = []
    if not 2 <= len(best) <= 4:
        return ""
    if any(token.lower().strip(".") in _ORG_WORDS or (token.isupper() and len(token) > 2) for token in best):
        return ""
    return " ".join(best)


# --- markdown and html helpers ---------------------------------------------------------

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
    line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", line)
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
