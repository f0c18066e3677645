"""Bad input, file by file: each gets a message naming it, the rest is indexed, and the exit status tells."""

import codecs
import json
import os

import pytest
from reliability_kit import cli
from support import md

from assistant.core import Assistant
from assistant.reading import decoding
from assistant.reading.folder import read_file, read_folder

PARA = "The river ferry will stop running at the end of the month, the harbour authority said on Tuesday."
FRENCH = "Le bac s'arrêtera à la fin du mois, a déclaré l'autorité portuaire mardi. Ça coûte 5 €."
MB = 1024 * 1024


def one(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return read_file(path, tmp_path)


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("latin1.txt", f"Le bac s'arrête\n{FRENCH.replace(' €', '')}".encode("latin-1")),
        ("cp1252.txt", f"Le bac s'arrête\n{FRENCH}".encode("cp1252")),
        ("utf16le.txt", codecs.BOM_UTF16_LE + f"Le bac s'arrête\n{FRENCH}".encode("utf-16-le")),
        ("utf16be.txt", codecs.BOM_UTF16_BE + f"Le bac s'arrête\n{FRENCH}".encode("utf-16-be")),
        ("utf32.txt", f"Le bac s'arrête\n{FRENCH}".encode("utf-32")),
        ("bom.txt", codecs.BOM_UTF8 + f"Le bac s'arrête\n{FRENCH}".encode()),
    ],
)
def test_legacy_encodings_and_boms_are_decoded(tmp_path, name, data):
    result = one(tmp_path, name, data)
    assert result.bad == []
    [article] = result.articles
    assert article.title == "Le bac s'arrête"
    assert "déclaré l'autorité portuaire" in article.text and "Ã" not in article.text


@pytest.mark.parametrize(
    ("data", "text"),
    [
        ("Café prices rose.".encode("latin-1"), "Café prices rose."),
        ("Цены на хлеб выросли, сообщили в министерстве.".encode("cp1251"), "Цены на хлеб выросли"),
        ("Zażółć gęślą jaźń, powiedział rzecznik ratusza.".encode("cp1250"), "Zażółć gęślą jaźń"),
    ],
)
def test_short_and_non_western_legacy_text_is_decoded(tmp_path, data, text):
    [article] = one(tmp_path, "news.txt", b"Headline\n" + data).articles
    assert article.text.startswith(text)


def test_a_latin1_feed_line_is_decoded_too(tmp_path):
    line = json.dumps({"title": "Bac", "text": FRENCH.replace(" €", ""), "published": "2025-01-02"}, ensure_ascii=False)
    [article] = one(tmp_path, "feed.jsonl", line.encode("latin-1")).articles
    assert "déclaré" in article.text


@pytest.mark.parametrize(
    ("name", "data", "reason", "line"),
    [
        ("empty.txt", b"", "empty file", None),
        ("spaces.md", b" \n\t\n", "empty file", None),
        ("empty.jsonl", b"\n\n", "empty file", None),
        ("png.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file (not text)", None),
        ("controls.txt", bytes(range(1, 9)) * 50, "binary file (not text)", None),
        ("zip.jsonl", b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200), "binary file (not text)", None),
        (
            "mixed.txt",
            "Headline\nCafé prices rose.\n".encode() + b"Then \xff\xfe broke.",
            "not valid UTF-8 text (byte 0xFF in an otherwise UTF-8 file)",
            3,
        ),
        ("noise.txt", bytes(range(0x80, 0x100)) * 4, "not valid UTF-8 text, and no other encoding fits (byte 0x80)", 1),
        ("broken.json", b'{"title": "x",\n "text": ', "malformed JSON: Expecting value", 2),
        ("deep.json", b"[" * 100_000, "malformed JSON: nested too deeply", None),
        ("bad.md", b"---\ntitle: [unclosed\n---\nBody text here.", "malformed YAML front matter", 2),
    ],
)
def test_unreadable_files_get_a_message_naming_them(tmp_path, name, data, reason, line):
    result = one(tmp_path, name, data)
    assert result.articles == []
    [bad] = result.bad
    assert bad.path == name and bad.reason.startswith(reason) and bad.line == line
    assert str(bad).startswith(f"{name}:{line}: " if line else f"{name}: ")


def test_a_malformed_jsonl_line_is_named_and_the_other_lines_are_read(tmp_path):
    good = json.dumps({"title": "Ferry", "text": PARA, "published": "2025-01-02"})
    lines = [good, '{"title": "half', "[1, 2]", good.replace("Ferry", "Bridge"), '{"title": "no text"}']
    result = one(tmp_path, "feed.jsonl", "\n".join(lines))
    assert [a.title for a in result.articles] == ["Ferry", "Bridge"]
    assert [str(b) for b in result.bad] == [
        "feed.jsonl:2: malformed JSON: Unterminated string starting at (column 11)",
        "feed.jsonl:3: record is not a JSON object",
        "feed.jsonl:5: no article text",
    ]


def test_records_without_title_or_date_are_indexed_with_a_note(tmp_path):
    lines = [json.dumps({"text": PARA, "published": "2025-01-02"}), json.dumps({"title": "Ferry", "text": PARA})]
    result = one(tmp_path, "feed.jsonl", "\n".join(lines))
    assert result.bad == [] and len(result.articles) == 2
    untitled, undated = result.articles
    assert untitled.title.startswith("The river ferry will stop running") and undated.published is None
    assert [str(n) for n in result.notes] == [
        f"feed.jsonl:1: no title; using {untitled.title!r} from its text",
        "feed.jsonl:2: no publication date; treated as undated (no as-of date hides it)",
    ]


# --- size ------------------------------------------------------------------------------


def test_a_50_mb_file_is_refused_with_the_limit_in_the_message(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.write(f"Ferry\n{PARA}\n".encode())
        fh.truncate(50 * MB)  # sparse: the size is real, the disk use is not
    [bad] = read_file(path, tmp_path).bad
    assert bad.path == "huge.txt"
    assert bad.reason.startswith(f"50.0 MB is larger than the {decoding.MAX_FILE_MB} MB limit for one file")


def test_a_50_mb_jsonl_feed_is_streamed_and_only_an_overlong_record_is_refused(tmp_path):
    path = tmp_path / "feed.jsonl"
    with open(path, "w") as fh:
        fh.write(json.dumps({"title": "First", "text": PARA}) + "\n")
        fh.write('{"title": "Huge", "text": "' + "x" * (49 * MB) + '"}\n')
        fh.write(json.dumps({"title": "Last", "text": PARA}) + "\n")
    assert path.stat().st_size > 49 * MB
    result = read_file(path, tmp_path)
    assert [a.title for a in result.articles] == ["First", "Last"]
    assert [str(b) for b in result.bad] == [f"feed.jsonl:2: record longer than the {decoding.MAX_FILE_MB} MB limit"]


# --- duplicates ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["folder", pytest.param("server", marks=pytest.mark.server)])
def test_the_same_article_under_two_names_and_two_urls_is_indexed_once_and_both_recorded(
    tmp_path, fake_embedder, kind, request
):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    article = md("Ferry service ends", [PARA])
    (seeds / "ferry.md").write_text(article)
    (seeds / "ferry-copy.md").write_text(article)
    record = {"title": "Bridge opens", "text": PARA.replace("ferry", "bridge"), "source": "Gazette"}
    (seeds / "feed.jsonl").write_text(
        json.dumps({**record, "url": "https://gazette.example/bridge"})
        + "\n"
        + json.dumps({**record, "url": "https://gazette.example/news/bridge-opens"})
        + "\n"
    )
    result = read_folder(seeds)
    by_path = {a.path: a for a in result.articles}
    assert sorted(by_path) == ["feed.jsonl#1", "ferry-copy.md"]
    assert by_path["ferry-copy.md"].copies == ("ferry.md",)
    assert by_path["feed.jsonl#1"].copies == ("feed.jsonl#2 https://gazette.example/news/bridge-opens",)
    assert [str(n) for n in result.notes if "same article" in n.message] == [
        "feed.jsonl#2: same article as feed.jsonl#1; indexed once, as feed.jsonl#1",
        "ferry.md: same article as ferry-copy.md; indexed once, as ferry-copy.md",
    ]

    url = request.getfixturevalue("server").url if kind == "server" else None
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", chroma_url=url, embedder=fake_embedder)
    report = bot.index()
    assert len(report.plan.added) == 2 and not report.plan.bad
    copies = {m.path: "\n".join(m.copies) for _, metas, _ in bot.store.scan(include=["metadatas"]) for m in metas}
    assert copies == {
        "ferry-copy.md": "ferry.md",
        "feed.jsonl#1": "feed.jsonl#2 https://gazette.example/news/bridge-opens",
    }

    # Removing the copy updates the record without embedding anything again.
    (seeds / "ferry.md").unlink()
    calls = fake_embedder.calls
    again = bot.index()
    assert [a.path for a in again.plan.changed] == ["ferry-copy.md"] and fake_embedder.calls == calls


def test_other_outlets_and_later_republications_stay_separate(tmp_path):
    rows = [
        {"id": "a", "title": "Storm", "text": PARA, "source": "Island Times", "published": "2024-08-14"},
        {"id": "b", "title": "Storm", "text": PARA, "source": "Coast Daily", "published": "2024-08-14"},
        {"id": "c", "title": "Storm", "text": PARA, "source": "Island Times", "published": "2025-08-14"},
    ]
    (tmp_path / "feed.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    result = read_folder(tmp_path)
    assert [a.id for a in result.articles] == ["a", "b", "c"] and not result.notes


# --- the whole rebuild, through the command ----------------------------------------------


@pytest.mark.model  # the command, as a process, with the packaged model
def test_index_command_names_every_problem_finishes_and_exits_3(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.md").write_text(md("Ferry service ends", [PARA]))
    (seeds / "latin1.txt").write_bytes(f"Le bac s'arrête\n{FRENCH.replace(' €', '')}".encode("latin-1"))
    (seeds / "copy.md").write_text(md("Ferry service ends", [PARA]))
    (seeds / "empty.txt").write_bytes(b"")
    (seeds / "binary.html").write_bytes(b"\x00\x01\x02\x03" * 100)
    (seeds / "mixed.txt").write_bytes("Headline\nCafé.\n".encode() + b"\xff")
    (seeds / "broken.json").write_text('{"title": "x", "text": ')
    (seeds / "feed.jsonl").write_text(json.dumps({"text": PARA.replace("ferry", "tram")}) + "\n{oops\n")
    with open(seeds / "huge.md", "wb") as fh:
        fh.truncate(50 * MB)
    index = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]

    done = cli("index", "--quiet", *index)
    assert done.returncode == 3, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    for expected in (
        "skipped  empty.txt: empty file",
        "skipped  binary.html: binary file (not text)",
        "skipped  mixed.txt:3: not valid UTF-8 text (byte 0xFF in an otherwise UTF-8 file)",
        "skipped  broken.json:1: malformed JSON",
        "skipped  feed.jsonl:2: malformed JSON",
        f"skipped  huge.md: 50.0 MB is larger than the {decoding.MAX_FILE_MB} MB limit",
        "note     good.md: same article as copy.md; indexed once, as copy.md",
        "note     feed.jsonl:1: no title",
    ):
        assert expected in done.stderr, (expected, done.stderr)
    assert "3 added, 0 changed, 0 removed, 0 unchanged, 6 skipped" in done.stdout

    # Nothing left to skip: the same command says so with 0.
    for name in ("empty.txt", "binary.html", "mixed.txt", "broken.json", "huge.md"):
        os.remove(seeds / name)
    (seeds / "feed.jsonl").write_text(json.dumps({"text": PARA.replace("ferry", "tram")}) + "\n")
    clean = cli("index", "--dry-run", *index)
    assert clean.returncode == 0, clean.stderr[-3000:]
    assert "0 added, 0 changed, 0 removed, 3 unchanged, 0 skipped" in clean.stdout


def test_an_article_repeating_a_passage_word_for_word_indexes_it_once(tmp_path, fake_embedder):
    # Before: identical chunks got identical ids, and Chroma refused the whole batch.
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    passage = " ".join(f"word{i}" for i in range(150)) + "."
    (seeds / "repeat.md").write_text(md("Repeated boilerplate", [passage] * 6 + [PARA]))
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)
    report = bot.index()
    [article] = report.plan.added
    chunks = bot.chunker.chunk(article)
    assert len({c.id for c in chunks}) == len(chunks) == report.chunks_total
    assert [c.position for c in chunks] == list(range(len(chunks)))
    assert any(PARA in c.text for c in chunks)


def test_links_leaving_the_seeds_folder_are_refused_by_name_unless_allowed(tmp_path, monkeypatch):
    from assistant.settings import Settings

    seeds, outside = tmp_path / "seeds", tmp_path / "private"
    seeds.mkdir()
    outside.mkdir()
    (outside / "secret.md").write_text(md("Private memo on salaries", [PARA]))
    (seeds / "news.md").write_text(md("Ferry to stop running", [PARA]))
    os.symlink(outside / "secret.md", seeds / "memo.md")
    os.symlink(seeds / "news.md", seeds / "alias.md")  # stays inside: read as usual
    os.symlink(seeds / "memo.md", seeds / "chain.md")  # a link to the link still leaves
    result = read_folder(seeds)
    assert {a.title for a in result.articles} == {"Ferry to stop running"}
    refused = {b.path: b.reason for b in result.bad}
    assert set(refused) == {"memo.md", "chain.md"}
    assert all("outside the seeds folder" in reason for reason in refused.values())
    allowed = read_folder(seeds, links_outside=True)
    assert "Private memo on salaries" in {a.title for a in allowed.articles} and not allowed.bad
    # The setting that allows it reads true/false from the environment.
    monkeypatch.setenv("NEWS_ASSISTANT_FOLLOW_LINKS_OUTSIDE", "false")
    assert Settings.load().follow_links_outside is False
    monkeypatch.setenv("NEWS_ASSISTANT_FOLLOW_LINKS_OUTSIDE", "true")
    assert Settings.load().follow_links_outside is True


def test_a_file_name_that_is_not_utf8_is_indexed_under_an_escaped_name(tmp_path, fake_embedder):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    with open(os.fsencode(seeds) + b"/bad\xff\xfename.txt", "w") as fh:
        fh.write("Ferry to stop running\n" + PARA + "\n")
    bot = Assistant(seeds_dir=seeds, index_dir=tmp_path / "index", embedder=fake_embedder)
    report = bot.index()
    assert not report.plan.bad
    assert [a.path for a in report.plan.added] == ["bad\\xff\\xfename.txt"]
    assert report.chunks_total >= 1
    assert bot.retrieve("When will the river ferry stop running?")[0].path == "bad\\xff\\xfename.txt"
    assert bot.index().plan.summary().startswith("0 added, 0 changed, 0 removed, 1 unchanged")
