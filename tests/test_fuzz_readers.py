"""Fuzzed article files of every format: the reader never raises, and each file yields articles or a named BadFile.

Hypothesis runs derandomized (a fixed seed derived from the test), so every run tries the same
files and a failure reproduces. EXAMPLES files per format, half well-formed and then damaged.
"""

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from assistant.reading.folder import read_file

EXAMPLES = {"txt": 300, "md": 300, "html": 200, "json": 300, "jsonl": 300}
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\ufeff]")
FIELD_NAMES = ["title", "headline", "text", "body", "content", "url", "link", "source", "outlet", "authors", "author"]
FIELD_NAMES += ["published", "published_at", "publishedAt", "date", "id", "articles"]

# Text that exercises the cleaners: words, sentence ends, furniture words, control and invisible characters.
pieces = st.sampled_from(
    ["The", "harbour", "ferry", "stops", "on", "March", "31", ".", ",", "?", "Read also:", "Advertisement", "By Ann Lee",
     "\n", "\n\n", " ", "\t", "\r", "\x00", "\x07", "\x1b[31m", "\u200b", "\u202e", "\ufeff", "é", "北京", "—", "---", "#"]
)  # fmt: skip
prose = st.lists(st.one_of(pieces, st.text(max_size=12)), max_size=60).map("".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), prose)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(prose, inner, max_size=4), max_leaves=12
)
# Mostly article-like records (a text field and some others), some anything-goes objects.
article_like = st.fixed_dictionaries(
    {"text": prose | json_values},
    optional={name: json_values | prose for name in FIELD_NAMES if name != "text"},
)
records = st.one_of(article_like, article_like, st.dictionaries(st.sampled_from(FIELD_NAMES) | prose, json_values))


def markdown(draw):
    meta = draw(st.dictionaries(st.sampled_from(FIELD_NAMES) | prose, scalars, max_size=5))
    front = draw(st.sampled_from(["", "---\n{}\n---\n", "---\n{}\n", "---\n{}\n...\n"]))
    head = draw(st.sampled_from(["", "# ", "## ", "> ", "```\n", "[a]: http://x "]))
    return front.format("\n".join(f"{k}: {v}" for k, v in meta.items())) + head + draw(prose) + "\n" + draw(prose)


def page(draw):
    tags = st.sampled_from(["p", "div", "article", "h1", "title", "script", "nav", "li", "meta", "a", "table", "td"])
    parts = draw(st.lists(st.tuples(tags, prose, st.booleans()), max_size=12))
    body = "".join(f"<{t}>{text}" + (f"</{t}>" if close else "") for t, text, close in parts)
    return draw(st.sampled_from(["<html><head>", "<!doctype html>", ""])) + body


FORMAT_TEXT = {
    "txt": st.builds(lambda lines: "\n".join(lines), st.lists(prose, max_size=8)),
    "md": st.composite(lambda draw: markdown(draw))(),
    "html": st.composite(lambda draw: page(draw))(),
    "json": st.one_of(records, st.lists(records, max_size=4), json_values, st.fixed_dictionaries({"articles": st.lists(records, max_size=3)})).map(json.dumps),
    "jsonl": st.lists(st.one_of(records.map(json.dumps), prose), max_size=6).map("\n".join),
}  # fmt: skip
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "latin-1", "cp1252", "cp1251"])


@st.composite
def damaged(draw, fmt):
    """Well-formed text in some encoding, or raw bytes, then maybe cut short or with bytes overwritten."""
    if draw(st.integers(0, 9)) == 0:
        data = draw(st.binary(max_size=600))
    else:
        data = draw(FORMAT_TEXT[fmt]).encode(draw(ENCODINGS), errors="replace")
    damage = draw(st.sampled_from(["none", "none", "truncate", "overwrite"]))
    if damage == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "overwrite" and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at + 4 :]
    return data


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def check(folder: Path, fmt: str, data: bytes) -> None:
    path = folder / f"fuzzed.{fmt}"
    path.write_bytes(data)
    result = read_file(path, folder)  # must not raise
    assert result.articles or result.bad, f"{path.name} gave neither articles nor a reason"
    # Shown by --hypothesis-show-statistics: how the generated files split between outcomes.
    event("articles" if result.articles else f"skipped: {result.bad[0].reason.split(':')[0].split(' (')[0]}")
    for bad in result.bad:
        assert bad.path.startswith(path.name) and bad.reason, bad
        assert "internal error" not in bad.reason, bad  # the safety net in read_file must never be needed
    for article in result.articles:
        assert article.path.startswith(path.name) and article.id and article.text.strip()
        shown = [article.text, article.title, article.source, article.url, *article.authors]
        assert not any(UNSAFE.search(value) for value in shown), article


def fuzz(fmt: str):
    @settings(
        max_examples=EXAMPLES[fmt],
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )
    @given(data=damaged(fmt))
    def test(folder, data):
        check(folder, fmt, data)

    return test


test_fuzz_txt = fuzz("txt")
test_fuzz_md = fuzz("md")
test_fuzz_html = fuzz("html")
test_fuzz_json = fuzz("json")
test_fuzz_jsonl = fuzz("jsonl")
