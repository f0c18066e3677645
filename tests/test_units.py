"""Pure logic: settings layers, question parsing, fusion, chunking, citation placement."""

from datetime import date
from pathlib import Path

import pytest

from assistant.answering.evidence import cite
from assistant.answering.questions import answer_kind, parse_question, query_for
from assistant.articles import Article
from assistant.embedding.models import tokenizer_file
from assistant.reading.chunking import Chunker
from assistant.searching.filters import Filters
from assistant.searching.fusion import convex_fusion
from assistant.settings import Settings


def test_settings_layers(tmp_path, monkeypatch):
    config = tmp_path / "conf.toml"
    config.write_text('seeds_dir = "from_file"\ntop_k = 3\nindex_dir = "idx_file"\n')
    monkeypatch.setenv("NEWS_ASSISTANT_CONFIG", str(config))
    monkeypatch.setenv("NEWS_ASSISTANT_TOP_K", "5")
    monkeypatch.setenv("NEWS_ASSISTANT_CHROMA_URL", "http://127.0.0.1:9000")
    s = Settings.load(index_dir="idx_flag")
    assert s.seeds_dir == Path("from_file")  # file beats default
    assert s.top_k == 5  # environment beats file
    assert s.index_dir == Path("idx_flag")  # flag beats everything
    assert s.chroma_url == "http://127.0.0.1:9000"


def test_settings_reject_unknown_and_mistyped_values(tmp_path, monkeypatch):
    config = tmp_path / "conf.toml"
    config.write_text("topk = 3\n")
    with pytest.raises(ValueError, match="topk"):
        Settings.load(config)
    monkeypatch.setenv("NEWS_ASSISTANT_TOP_K", "many")
    with pytest.raises(ValueError, match="top_k"):
        Settings.load()


@pytest.mark.parametrize(
    "text, stem, options",
    [
        (
            "When is the parade: September 3, October 1 or August 15?",
            "When is the parade?",
            ("September 3", "October 1", "August 15"),
        ),
        ("Which company was fined — Apple, Google, or Meta?", "Which company was fined?", ("Apple", "Google", "Meta")),
        ("Who won the vote, was it Smith or Jones?", "Who won the vote?", ("Smith", "Jones")),
        ("Who attends the parade?", "Who attends the parade?", ()),
    ],
)
def test_options_are_read_from_the_question(text, stem, options):
    q = parse_question(text)
    assert (q.stem, q.options) == (stem, options)


def test_follow_ups_carry_the_previous_question():
    history = [("When is the parade in Beijing?", "On September 3 [1].")]
    assert query_for("Who else is attending?", history).text == "When is the parade in Beijing? Who else is attending?"
    assert query_for("What did the EPA decide about diesel trucks?", history).text.startswith("What did the EPA")
    messages = [{"role": "user", "content": "Parade date?"}, {"role": "assistant", "content": "September 3"}]
    assert query_for("And who goes there?", messages).text == "Parade date? And who goes there?"


def test_answer_kinds():
    assert answer_kind("When is the parade?") == "when"
    assert answer_kind("How many countries attend?") == "number"
    assert answer_kind("Who leads the country?") == "who"
    assert answer_kind("What is North Korea's stance?") is None


def test_fusion_keeps_a_clear_lexical_winner_on_top():
    dense = [(f"d{i}", 0.7 - i * 0.01) for i in range(12)]
    dense.insert(8, ("rare", 0.625))  # ninth by meaning...
    lexical = [("rare", 9.0), ("d0", 2.0), ("d1", 1.5)]  # ...but the only exact match of a rare name
    assert convex_fusion(dense, lexical)[0][0] == "rare"


def test_filters_mask_and_where():
    import numpy as np

    f = Filters(as_of=date(2025, 3, 1), since=date(2025, 1, 1), sources=("A",))
    days = np.array([date(2025, 2, 1).toordinal(), date(2025, 4, 1).toordinal(), 0, date(2024, 6, 1).toordinal()])
    assert f.mask(days, ["A", "A", "A", "A"]).tolist() == [True, False, False, False]
    assert Filters().mask(days, ["A"] * 4) is None
    assert Filters(until=date(2025, 3, 1)).mask(days, ["B"] * 4).tolist() == [True, False, True, True]
    assert "$and" in f.chroma_where()


def test_chunks_fit_the_window_and_point_into_the_text():
    chunker = Chunker(tokenizer_file("all-MiniLM-L6-v2"), 60, 10)
    text = "\n\n".join(
        f"Paragraph {i} starts here. It has a second sentence about topic {i}. And a third one follows."
        for i in range(8)
    )
    article = Article(id="a1", title="A headline", text=text)
    chunks = chunker.chunk(article)
    assert len(chunks) > 2
    for position, chunk in enumerate(chunks):
        assert chunk.position == position
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunker.count_tokens(chunk.text) <= 60
        assert chunk.text[-1] in ".!?"  # sentence-aware: no chunk ends mid-sentence here
    again = chunker.chunk(article)
    assert [c.id for c in again] == [c.id for c in chunks]  # ids are content hashes
    edited = Article(id="a1", title="A headline", text=text.replace("Paragraph 7 starts", "Paragraph seven starts"))
    changed = {c.id for c in chunker.chunk(edited)} - {c.id for c in chunks}
    assert 1 <= len(changed) < len(chunks)


def test_citation_marker_sits_before_the_full_stop():
    assert cite("It rained.", 2) == "It rained [2]."
    assert cite("No stop", 1) == "No stop [1]."


@pytest.mark.parametrize(
    "text, options",
    [
        (
            "Top of the box office: “Thor: Love and Thunder”, “Top Gun: Maverick” or “Elvis”?",
            ("Thor: Love and Thunder", "Top Gun: Maverick", "Elvis"),
        ),
        ("How much will borrowers get: $5,000, $20,000 or $50,000?", ("$5,000", "$20,000", "$50,000")),
        (
            "What changed: “Sellers pay, buyers too”, “Buyers sign” or “Nothing”?",
            ("Sellers pay, buyers too", "Buyers sign", "Nothing"),
        ),
        ("What did the mayor say about roads, bridges and parks?", ()),
    ],
)
def test_options_with_colons_commas_and_quotes(text, options):
    assert parse_question(text).options == options


def test_quantities_match_across_notations_and_rounding():
    from assistant.answering.amounts import is_quantity, states

    assert states("It sold for $12,600,000 on Sunday.", "$12.6 million")
    assert states("Gas hit $4.96 a gallon.", "$5") and not states("Gas hit $4.96 a gallon.", "$4")
    assert states("About 68% are vaccinated.", "68%") and not states("68 people came.", "68%")
    assert is_quantity("£7m") and is_quantity("118") and not is_quantity("September 3")
    assert not states("Years are typically 365 days long.", "364")  # exact numbers stay exact
    assert not states("It will not be visible again until 2044.", "2016")
    assert not is_quantity("3-1")


def test_sentences_keep_abbreviations_numbers_and_quotes_whole_and_drop_captions():
    from assistant.reading.sentences import split_sentences

    text = (
        "The U.S. senator met Dr. Smith at 3 p.m. on Monday. They talked for an hour about the budget.\n\n"
        "Photo: AP\n\n"
        "Shares of Apple Inc. rose 2.5% to $182.31 on Tuesday. “We will not wait,” she said."
    )
    assert split_sentences(text) == [
        "The U.S. senator met Dr. Smith at 3 p.m. on Monday.",
        "They talked for an hour about the budget.",
        "Shares of Apple Inc. rose 2.5% to $182.31 on Tuesday.",
        "“We will not wait,” she said.",
    ]


def test_sentence_splitting_is_safe_under_concurrent_answers():
    from concurrent.futures import ThreadPoolExecutor

    from assistant.reading import sentences

    split = sentences.split_sentences
    texts = [
        " ".join(
            f"Sentence {k} of text {i} says the U.S. senator met Dr. Smith at 3 p.m. on Monday." for k in range(12)
        )
        for i in range(16)
    ]
    expected = [split(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: (n % 16, split(texts[n % 16])), range(400)))
    assert all(got == expected[i] for i, got in results)
