"""Read a folder of article files into Articles: which files count, one reader per file, copies merged."""

from __future__ import annotations

import importlib
import os
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from .. import checkpoints
from ..articles import Article, BadFile, Note, ReadResult, sha
from .decoding import Unreadable, load_text
from .formats import READERS, read_jsonl_file
from .read_cache import ReadCache, cached

# The modules whose code decides what a file reads as: the read cache's entries are keyed by their digest.
READING_MODULES = (
    "assistant.articles",
    "assistant.reading.building",
    "assistant.reading.cleaning",
    "assistant.reading.decoding",
    "assistant.reading.folder",
    "assistant.reading.formats",
    "assistant.reading.markup",
    "assistant.reading.metadata",
    "assistant.reading.read_cache",
)


SUFFIXES = frozenset(READERS)


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the reading code itself: a change to any of it, wherever the file lives, re-reads everything."""
    return sha(
        *(Path(importlib.import_module(name).__file__ or "").read_text(encoding="utf-8") for name in READING_MODULES)
    )


def read_folder(folder: Path, cache: ReadCache | None = None, *, links_outside: bool = False) -> ReadResult:
    """Read every article file under folder, in sorted order; hidden files and READMEs are skipped.

    With a cache, a file or JSONL record whose bytes have not changed since it was last read
    is taken from it instead of being parsed and cleaned again. A symlink whose target lies
    outside the folder is skipped and named unless `links_outside` allows it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    result = ReadResult()
    for path in article_files(folder):
        if not links_outside and leaves(path, folder):
            reason = "a link to a file outside the seeds folder (set follow_links_outside to read it)"
            result.bad.append(BadFile(relative_name(path, folder), reason))
            continue
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


def is_article_name(name: str) -> bool:
    """Whether a file of this name is read as an article: a known suffix, not hidden (a fetch's
    half-written temporaries), not a README."""
    return Path(name).suffix.lower() in SUFFIXES and not name.startswith(".") and not name.upper().startswith("README")


def article_files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(here, name) for name in files if is_article_name(name))
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def relative_name(path: Path, root: Path) -> str:
    """The file's name under root as text that can be stored and shown: bytes that are not
    UTF-8 (the OS hands them over as surrogates) are written as \\xNN escapes."""
    return os.fsencode(path.relative_to(root).as_posix()).decode("utf-8", "backslashreplace")


def leaves(path: Path, folder: Path) -> bool:
    """Whether a link (or a chain of them) leads from inside the folder to somewhere outside it."""
    return path.is_symlink() and not path.resolve().is_relative_to(folder.resolve())


def read_file(path: Path, root: Path, cache: ReadCache | None = None) -> ReadResult:
    """Read one file; problems come back as BadFile entries, never as exceptions."""
    path = Path(path)
    rel = relative_name(path, root)
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
