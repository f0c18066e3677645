import codecs
import json
from datetime import date
from pathlib import Path

import pytest

from assistant.articles import article_id
from assistant.reading import building, decoding, markup
from assistant.reading.folder import read_file, read_folder
from assistant.reading.metadata import authors_from_byline, parse_date, source_from_url

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED = SEEDS / "000_a256e67ae6222007.txt"

PARA_1 = "The river ferry will stop running at the end of the month, the harbour authority said on Tuesday."
PARA_2 = "Commuters who rely on the service have been told to use the new bridge, which opened in the spring."


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def read_one(folder: Path, name: str, content: str | bytes):
    return read_file(write(folder, name, content), folder)


# --- the real seed file -----------------------------------------------------------------


def test_seed_file_title_text_and_authors():
    result = read_file(SEED, SEEDS)
    assert result.bad == []
    [article] = result.articles
    assert article.title == "North Korea Joins Global Leaders at Beijing's Military Parade"
    assert "September 3" in article.text
    assert article.text.startswith("Kim Jong Un, the leader of North Korea, will participate in a military parade")
    for furniture in ("Read also", "Ingolstadt", "Truck manufacturers", "reported from Hong Kong"):
        assert furniture not in article.text
    assert article.authors == ("Jennifer Jett", "Stella Kim")
    assert article.path == SEED.name
    assert article.id == article_id(path=SEED.name)


# --- plain text -------------------------------------------------------------------------


def test_txt_headline_on_first_line_and_paragraph_per_line(tmp_path):
    [article] = read_one(tmp_path, "ferry.txt", f"Harbour Ferry to Stop Running\n{PARA_1}\n{PARA_2}\n").articles
    assert article.title == "Harbour Ferry to Stop Running"
    assert article.text == f"{PARA_1}\n\n{PARA_2}"
    assert article.source == "" and article.url == "" and article.published is None


def test_txt_lead_sentence_then_headline_and_cut_short_headline(tmp_path):
    [led] = read_one(tmp_path, "led.txt", f"Ferries stop next month.\nHarbour Ferry to Stop Running\n{PARA_1}").articles
    assert led.title == "Harbour Ferry to Stop Running"
    assert led.text == f"Ferries stop next month.\n\n{PARA_1}"
    [cut] = read_one(
        tmp_path, "cut.txt", f"Harbour ferry stops after ninety years as ...\nStaff Report\n{PARA_1}"
    ).articles
    assert cut.title == "Harbour ferry stops after ninety years as ..."


def test_txt_without_headline_uses_shortened_first_line_and_keeps_it(tmp_path):
    long_first = " ".join(["The council met again on Thursday evening to argue about the budget"] * 3) + "."
    [article] = read_one(tmp_path, "council.txt", f"{long_first}\n\n{PARA_2}").articles
    assert article.title.endswith("…") and len(article.title) <= building.TITLE_MAX_CHARS + 1
    assert article.text.startswith(long_first)


def test_txt_byline_and_link_list_are_removed(tmp_path):
    text = (
        f"Ferry Service Ends\n\n{PARA_1}\n\nReporting by Ola Nordmann; Editing by Kari Berg\n\n"
        "Related:\n- Bridge tolls explained\n- Tide tables for May"
    )
    [article] = read_one(tmp_path, "a.txt", text).articles
    assert article.text == PARA_1
    assert article.authors == ("Ola Nordmann",)


# --- markdown ---------------------------------------------------------------------------


def test_markdown_with_front_matter(tmp_path):
    text = (
        "---\ntitle: Ferry Service Ends\ndate: 2023-05-02\nsource: Harbour Gazette\n"
        "url: https://www.harbourgazette.example/news/ferry\nauthors: [Ola Nordmann, Kari Berg]\n---\n"
        f"# Ferry Service Ends\n\n{PARA_1}\n\n## What changes\n\n"
        "See the **new** [timetable](https://example.com/t) for *details*.\n"
    )
    [article] = read_one(tmp_path, "ferry.md", text).articles
    assert article.title == "Ferry Service Ends"
    assert article.published == date(2023, 5, 2)
    assert article.source == "Harbour Gazette"
    assert article.authors == ("Ola Nordmann", "Kari Berg")
    assert article.id == article_id(url="https://www.harbourgazette.example/news/ferry")
    assert article.text == f"{PARA_1}\n\nWhat changes\n\nSee the new timetable for details."


def test_markdown_without_front_matter_takes_first_heading(tmp_path):
    text = f"Some intro words before the heading.\n\n# Bridge Opens to Cyclists\n\n{PARA_2}\n\nAuthor: _staff_ and `code`\n"
    [article] = read_one(tmp_path, "notes/bridge.markdown", text).articles
    assert article.title == "Bridge Opens to Cyclists"
    assert article.text == f"Some intro words before the heading.\n\n{PARA_2}\n\nAuthor: staff and code"
    assert article.path == "notes/bridge.markdown"
    assert article.authors == () and article.published is None


def test_markdown_with_broken_front_matter_is_reported(tmp_path):
    result = read_one(tmp_path, "bad.md", f"---\ntitle: [unclosed\n---\n{PARA_1}\n")
    assert result.articles == []
    [bad] = result.bad
    assert bad.path == "bad.md" and bad.reason.startswith("malformed YAML front matter")


# --- html -------------------------------------------------------------------------------

PAGE = f"""<!doctype html><html><head>
<title>Ferry Service Ends | Harbour Gazette</title>
<meta property="og:site_name" content="Harbour Gazette">
<meta property="og:url" content="https://www.harbourgazette.example/news/ferry">
<meta name="author" content="Ola Nordmann">
<meta property="article:published_time" content="2023-05-02T08:30:00Z">
</head><body>
<nav><ul><li><a href="/">Home page</a></li><li><a href="/sport">Sport section</a></li></ul></nav>
<article><h1>Ferry Service Ends</h1>
<p>{PARA_1}</p>
<p>{PARA_2}</p>
<p>Share this article</p><p>Advertisement</p>
<p>The authority said it would review the decision next year if passenger numbers recovered.</p>
</article>
<aside><h3>Most read</h3><ul><li><a href="/x">Seal spotted in the marina</a></li></ul></aside>
<footer><p>Privacy policy | Terms of use | Cookie settings</p></footer>
</body></html>"""


def test_html_main_text_and_metadata(tmp_path):
    [article] = read_one(tmp_path, "ferry.html", PAGE).articles
    assert article.title == "Ferry Service Ends"
    assert article.text.startswith(PARA_1)
    assert PARA_2 in article.text
    for furniture in (
        "Home page",
        "Sport",
        "Most read",
        "Seal spotted",
        "Privacy",
        "Cookie",
        "Share this",
        "Advertisement",
    ):
        assert furniture not in article.text
    assert article.url == "https://www.harbourgazette.example/news/ferry"
    assert article.source == "Harbour Gazette"
    assert article.authors == ("Ola Nordmann",)
    assert article.published == date(2023, 5, 2)


def test_html_without_metadata_falls_back_to_title_tag_and_path_id(tmp_path):
    page = f"<html><head><title>Tide Times Change</title></head><body><p>{PARA_1}</p></body></html>"
    [article] = read_one(tmp_path, "tide.htm", page).articles
    assert article.title == "Tide Times Change"
    assert article.text == PARA_1
    assert article.id == article_id(path="tide.htm") and article.source == ""


def test_html_without_text_is_reported(tmp_path):
    [bad] = read_one(tmp_path, "blank.html", "<html><head><title>x</title></head><body></body></html>").bad
    assert (bad.path, bad.reason) == ("blank.html", "no article text")


def test_html_title_helper():
    assert markup.html_title("<html><TITLE> Fish &amp; Chips\n Prices </TITLE>") == "Fish & Chips Prices"


# --- json and jsonl ---------------------------------------------------------------------

RECORD = {
    "id": "abc123",
    "url": "https://www.cnn.com/2022/11/27/ferry",
    "title": "Ferry Service Ends",
    "source": "CNN",
    "authors": ["Ola Nordmann"],
    "published": "2022-11-27",
    "text": f"{PARA_1}\n\n{PARA_2}",
}


def test_json_single_object(tmp_path):
    [article] = read_one(tmp_path, "one.json", json.dumps(RECORD)).articles
    assert (article.id, article.title, article.source) == ("abc123", "Ferry Service Ends", "CNN")
    assert article.authors == ("Ola Nordmann",)
    assert article.published == date(2022, 11, 27)
    assert article.path == "one.json"
    assert article.text == f"{PARA_1}\n\n{PARA_2}"


def test_json_list_and_articles_wrapper(tmp_path):
    second = {"headline": "Bridge Opens", "body": PARA_2, "link": "https://bbc.co.uk/news/bridge"}
    listed = read_one(tmp_path, "list.json", json.dumps([RECORD, second]))
    wrapped = read_one(tmp_path, "wrapped.json", json.dumps({"status": "ok", "articles": [RECORD, second]}))
    for result, name in ((listed, "list.json"), (wrapped, "wrapped.json")):
        assert result.bad == []
        first, other = result.articles
        assert (first.path, other.path) == (f"{name}#1", f"{name}#2")
        assert other.title == "Bridge Opens" and other.text == PARA_2
        assert other.id == article_id(url="https://bbc.co.uk/news/bridge")
        assert other.source == "BBC"


def test_json_empty_articles_list_and_record_without_text(tmp_path):
    [bad] = read_one(tmp_path, "none.json", json.dumps({"articles": []})).bad
    assert (bad.path, bad.reason) == ("none.json", "no article text")
    result = read_one(tmp_path, "mixed.json", json.dumps([RECORD, {"title": "No body here"}, "oops"]))
    assert len(result.articles) == 1
    assert [(b.path, b.reason) for b in result.bad] == [
        ("mixed.json#2", "no article text"),
        ("mixed.json#3", "record is not a JSON object"),
    ]


def test_jsonl_eval_field_names(tmp_path):
    other = {**RECORD, "id": "def456", "published": "Nov 28, 2022", "authors": []}
    text = json.dumps(RECORD) + "\n\n" + json.dumps(other) + "\n"
    result = read_one(tmp_path, "corpus.jsonl", text)
    assert result.bad == []
    first, second = result.articles
    assert (first.id, first.path) == ("abc123", "corpus.jsonl#1")
    assert (second.id, second.path, second.published) == ("def456", "corpus.jsonl#3", date(2022, 11, 28))


def test_jsonl_variant_field_names(tmp_path):
    record = {
        "headline": "Bridge Opens",
        "content": PARA_2,
        "publishedAt": "2022-11-27T23:30:00Z",
        "outlet": "Harbour Gazette",
        "author": "By Ola Nordmann and Kari Berg",
    }
    no_url = {
        "title": "Tide Times",
        "body": PARA_1,
        "published_at": "27 November 2022",
        "publisher": {"name": "Coast FM"},
    }
    result = read_one(tmp_path, "feed.jsonl", json.dumps(record) + "\n" + json.dumps(no_url))
    first, second = result.articles
    assert (first.title, first.text, first.source) == ("Bridge Opens", PARA_2, "Harbour Gazette")
    assert first.authors == ("Ola Nordmann", "Kari Berg")
    assert first.published == date(2022, 11, 27)
    assert first.id == article_id(path="feed.jsonl#1")
    assert (second.source, second.published) == ("Coast FM", date(2022, 11, 27))
    assert second.id == article_id(path="feed.jsonl#2")


def test_jsonl_broken_line_is_reported_and_others_read(tmp_path):
    lines = [json.dumps(RECORD), '{"title": "Half a record", "text": ', json.dumps({**RECORD, "id": "zz9"})]
    result = read_one(tmp_path, "feed.jsonl", "\n".join(lines))
    assert [a.id for a in result.articles] == ["abc123", "zz9"]
    [bad] = result.bad
    assert (bad.path, bad.line) == ("feed.jsonl", 2)
    assert bad.reason.startswith("malformed JSON:")
    assert str(bad).startswith("feed.jsonl:2: malformed JSON")


# --- files that cannot be read ----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason", "line"),
    [
        ("empty.txt", b"", "empty file", None),
        ("blank.md", b"  \n\n\t\n", "empty file", None),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (not text)", None),
        (
            "broken-utf8.txt",
            "Headline\nFirst line\nCaf\u00e9 prices rose.".encode() + b"\xff",
            "not valid UTF-8 text (byte 0xFF in an otherwise UTF-8 file)",
            3,
        ),
        ("broken.json", b'{"title": "x",\n "text": }', "malformed JSON: Expecting value", 2),
        ("array.json", b"42", "not an article object or a list of them", None),
    ],
)
def test_bad_files_are_reported_with_their_name(tmp_path, name, content, reason, line):
    result = read_one(tmp_path, name, content)
    assert result.articles == []
    [bad] = result.bad
    assert (bad.path, bad.reason, bad.line) == (name, reason, line)


def test_utf16_and_utf8_bom_files_read_fine(tmp_path):
    text = f"Ferry Service Ends\n{PARA_1}\n"
    encodings = {"u16.txt": codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "bom.txt": codecs.BOM_UTF8 + text.encode()}
    for name, data in encodings.items():
        [article] = read_one(tmp_path, name, data).articles
        assert (article.title, article.text) == ("Ferry Service Ends", PARA_1)


def test_file_over_the_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(decoding, "MAX_FILE_MB", 0.0001)  # about 100 bytes
    [bad] = read_one(tmp_path, "big.txt", f"Ferry Service Ends\n{PARA_1}\n{PARA_2}\n").bad
    assert bad.path == "big.txt" and "larger than the 0.0001 MB limit for one file" in bad.reason


def test_txt_with_only_furniture_has_no_article_text(tmp_path):
    [bad] = read_one(tmp_path, "promo.txt", "Ferry Service Ends\nAdvertisement\nShare this article\n").bad
    assert (bad.path, bad.reason) == ("promo.txt", "no article text")


# --- folders ----------------------------------------------------------------------------


def test_read_folder_walks_sorted_and_skips_hidden_readme_and_other_files(tmp_path):
    write(tmp_path, "b.txt", f"Second Story\n{PARA_2}")
    write(tmp_path, "a/z.md", f"# Nested Story\n\n{PARA_1}")
    write(tmp_path, "A.TXT", f"Upper Case Suffix\n{PARA_1}")
    write(tmp_path, "README.md", "# Not an article\n\nThis folder holds articles.")
    write(tmp_path, ".hidden.txt", f"Hidden\n{PARA_1}")
    write(tmp_path, ".cache/c.txt", f"Cached\n{PARA_1}")
    write(tmp_path, "notes.csv", "a,b\n1,2\n")
    write(tmp_path, "photo.jpg", b"\xff\xd8\xff\x00")
    write(tmp_path, "empty.txt", "")
    result = read_folder(tmp_path)
    assert [a.path for a in result.articles] == ["A.TXT", "a/z.md", "b.txt"]
    assert [(b.path, b.reason) for b in result.bad] == [("empty.txt", "empty file")]
    assert read_folder(tmp_path).articles == result.articles  # deterministic


def test_read_folder_same_content_under_two_names_gives_one_article_that_records_both(tmp_path):
    write(tmp_path, "one.txt", f"Ferry Service Ends\n{PARA_1}")
    write(tmp_path, "two.txt", f"Ferry Service Ends\n{PARA_1}")
    result = read_folder(tmp_path)
    [article] = result.articles
    assert (article.path, article.copies) == ("one.txt", ("two.txt",))
    assert [str(n) for n in result.notes] == ["two.txt: same article as one.txt; indexed once, as one.txt"]


def test_read_folder_missing_folder_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_folder(tmp_path / "nope")


# --- small helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2022-11-27", date(2022, 11, 27)),
        ("2022-11-27T10:00:00Z", date(2022, 11, 27)),
        ("Nov 27, 2022", date(2022, 11, 27)),
        (date(2021, 1, 2), date(2021, 1, 2)),
        ("yesterday", None),
        ("10:30", None),
        ("2022-13-45", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://www.cnn.com/2022/11/27/x", "CNN"),
        ("https://edition.cnn.com/x", "CNN"),
        ("http://bbc.co.uk/news", "BBC"),
        ("https://www.theguardian.com/world", "Theguardian"),
        ("", ""),
        ("http://127.0.0.1/x", ""),
    ],
)
def test_source_from_url(url, source):
    assert source_from_url(url) == source


@pytest.mark.parametrize(
    ("byline", "authors"),
    [
        ("Jennifer Jett reported from Hong Kong, and Stella Kim from Los Angeles.", ("Jennifer Jett", "Stella Kim")),
        ("Reporting by Ana Ruiz and Tom Reed in Lima; Editing by Leo Marsh", ("Ana Ruiz", "Tom Reed")),
        ("Contributing: Sam Hart and Ivy Chen, USA TODAY; The Associated Press", ("Sam Hart", "Ivy Chen")),
        ("The Associated Press contributed to this report.", ()),
        ("Reuters", ()),
        (None, ()),
    ],
)
def test_authors_from_byline(byline, authors):
    assert authors_from_byline(byline) == authors


def test_markdown_link_whose_destination_holds_parentheses_leaves_only_its_text():
    _, text = markup.strip_markdown(
        "See the [page](javascript:alert(3)) and [Paris](https://en.wikipedia.org/wiki/Paris_(France)) "
        '![map](img(1).png "A map") now.'
    )
    assert text == "See the page and Paris map now."


def test_a_lone_surrogate_in_a_json_field_is_dropped_not_a_reader_error(tmp_path):
    # JSON may escape half of a surrogate pair ("\ud800" with no partner): no character, no UTF-8.
    record = '{"title": "Harbour ferry\\ud800", "url": "https://example.org/a\\ud800b", "text": "%s"}'
    (tmp_path / "a.json").write_text(record % "The harbour ferry now stops at every pier twice an hour, the port said.")
    result = read_file(tmp_path / "a.json", tmp_path)
    assert not result.bad
    [article] = result.articles
    assert article.title == "Harbour ferry" and article.url == "https://example.org/ab"
    assert article.id == article_id(url="https://example.org/ab")
