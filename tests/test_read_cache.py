"""The read cache: unchanged files and records are not parsed and cleaned again, and reading gives the same result."""

import ast
import importlib
import importlib.util
import inspect
import json
import sqlite3
from pathlib import Path

import pytest

from assistant.reading import building
from assistant.reading.folder import READING_MODULES, code_version, read_folder
from assistant.reading.read_cache import ReadCache

RECORDS = [
    {
        "id": f"r{n}",
        "title": f"Story {n}",
        "text": f"Paragraph {n} of the story.\n\nSubscribe to our newsletter today.",
        "source": "Outlet",
        "published": "2024-05-0" + str(n),
    }
    for n in range(1, 4)
]


@pytest.fixture
def folder(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    (seeds / "note.txt").write_text("A headline\n\nThe body of a plain text article.\n", encoding="utf-8")
    return seeds


@pytest.fixture
def cleaned(monkeypatch):
    """Counts the articles that really go through the cleaner."""
    calls = []
    real = building.clean_article_text

    def counting(text):
        calls.append(text)
        return real(text)

    monkeypatch.setattr(building, "clean_article_text", counting)
    return calls


def read(folder, cache_path, version=None, **kwargs):
    return read_folder(folder, ReadCache(cache_path, version or code_version(), **kwargs))


def test_a_second_read_cleans_nothing_and_gives_the_same_articles(folder, tmp_path, cleaned):
    cache = tmp_path / "cache.sqlite3"
    first = read(folder, cache)
    assert len(first.articles) == 4 and len(cleaned) == 4
    assert all("Subscribe" not in a.text for a in first.articles)  # cleaned, and cached cleaned
    cleaned.clear()
    second = read(folder, cache)
    assert cleaned == []
    assert second.articles == first.articles
    assert second.notes == first.notes
    assert read_folder(folder).articles == first.articles  # the same as reading without a cache


def test_only_the_edited_record_is_read_again(folder, tmp_path, cleaned):
    cache = tmp_path / "cache.sqlite3"
    read(folder, cache)
    edited = [dict(r) for r in RECORDS]
    edited[1]["text"] = "A corrected paragraph."
    (folder / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in edited) + "\n", encoding="utf-8")
    cleaned.clear()
    result = read(folder, cache)
    assert cleaned == ["A corrected paragraph."]
    assert [a.text for a in result.articles if a.id == "r2"] == ["A corrected paragraph."]


def test_what_leaves_the_folder_leaves_the_cache(folder, tmp_path):
    cache = tmp_path / "cache.sqlite3"
    read(folder, cache)
    (folder / "note.txt").unlink()
    read(folder, cache)
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 3


def test_a_bad_record_is_reported_every_time(folder, tmp_path):
    cache = tmp_path / "cache.sqlite3"
    with open(folder / "feed.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"title": "no text"}\n')
    for _ in range(2):
        result = read(folder, cache)
        assert [(b.path, b.line) for b in result.bad] == [("feed.jsonl", 4)]


def test_other_reading_code_reads_everything_again(folder, tmp_path, cleaned, monkeypatch):
    cache = tmp_path / "cache.sqlite3"
    read(folder, cache)
    cleaned.clear()
    read(folder, cache, version="another version of the cleaner")
    assert len(cleaned) == 4


def test_the_cache_key_covers_every_module_reading_runs():
    """Every module of the package that reading a folder imports is part of the code digest."""
    seen, todo = set(), ["assistant.reading.folder"]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(package_imports(name))
    # Checkpoints only pause a process for crash tests: what a file reads as does not depend on them.
    ours = seen - {"assistant", "assistant.reading", "assistant.checkpoints"}
    assert ours <= set(READING_MODULES), sorted(ours - set(READING_MODULES))
    assert code_version() != read_cache_digest_without("assistant.reading.cleaning")


def package_imports(name):
    """The modules of this package that module `name` imports from."""
    module = importlib.import_module(name)
    found = set()
    for node in ast.walk(ast.parse(Path(module.__file__).read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        base = importlib.util.resolve_name("." * node.level + (node.module or ""), module.__package__)
        if base.startswith("assistant"):
            for alias in node.names:
                target = getattr(importlib.import_module(base), alias.name, None)
                found.add(target.__name__ if inspect.ismodule(target) else base)
    return found


def read_cache_digest_without(name):
    """The digest as it would be if one module's code were left out: another digest."""
    from assistant.articles import sha

    return sha(*(Path(importlib.import_module(m).__file__).read_text() for m in READING_MODULES if m != name))


def test_fresh_and_unreadable_caches_read_everything(folder, tmp_path, cleaned):
    cache = tmp_path / "cache.sqlite3"
    read(folder, cache)
    cleaned.clear()
    read(folder, cache, fresh=True)
    assert len(cleaned) == 4
    cache.write_bytes(b"not a database at all")
    cleaned.clear()
    result = read(folder, cache)
    assert len(cleaned) == 4 and len(result.articles) == 4


def test_a_rebuild_with_nothing_changed_cleans_nothing(seeds, tmp_path, fake_embedder, cleaned):
    from assistant.core import Assistant

    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)
    bot.index()
    assert cleaned
    cleaned.clear()
    report = bot.index()
    assert cleaned == [] and report.plan.is_empty
    cleaned.clear()
    bot.index(full=True)  # a full rebuild reads everything again
    assert cleaned
