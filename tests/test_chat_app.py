"""The chat window's behaviour without a browser: states people hit, uploads, rebuild failures."""

import os

import pytest
from support import md, seed_folder

from assistant.core import Assistant
from assistant.faces.chat import ChatApp, clean_records
from assistant.faces.uploads import safe_name, save_uploads


def finish(stream):
    """The last (chat, panel, records) a respond() stream yields, and how many states it went through."""
    states = list(stream)
    return states[-1], len(states)


@pytest.fixture
def app(tmp_path, real_embedder):
    assistant = Assistant(seeds_dir=seed_folder(tmp_path), index_dir=tmp_path / "index", embedder=real_embedder)
    assistant.index()
    return ChatApp(assistant)


def test_an_answer_streams_then_ends_with_citations_and_a_panel(app):
    (chat, panel, records), states = finish(app.respond("When is the military parade in Beijing?", [], "", "", "", []))
    assert states >= 3  # the question at once, text as it comes, then the cited answer
    assert "September 3" in chat[-1]["content"] and "na-cite" in chat[-1]["content"]
    assert "North Korea Joins Global Leaders" in panel
    assert records[-1]["q"] == "When is the military parade in Beijing?" and "[1]" in records[-1]["a"]


def test_follow_up_uses_the_stored_conversation(app):
    (_, _, records), _ = finish(app.respond("When is the military parade in Beijing?", [], "", "", "", []))
    (chat, _, _), _ = finish(app.respond("Who else is attending?", records, "", "", "", []))
    assert "Putin" in chat[-1]["content"]


def test_abstaining_says_so_and_offers_the_closest_passages(app):
    (chat, _, _), _ = finish(app.respond("What is the capital of France?", [], "", "", "", []))
    assert "The indexed articles don't say. None of them mentions “France”." in chat[-1]["content"]
    assert "Closest passages" in chat[-1]["content"]


def test_a_very_long_question_is_refused_with_its_limit(app):
    (chat, _, _), _ = finish(app.respond("why " * 1000, [], "", "", "", []))
    assert "the limit is 2,000" in chat[-1]["content"]


def test_a_malformed_date_filter_is_named(app):
    (chat, _, _), _ = finish(app.respond("When is the parade?", [], "", "", "next tuesday", []))
    assert "Not a date" in chat[-1]["content"] and "next tuesday" in chat[-1]["content"]


def test_an_empty_index_says_how_to_add_articles(tmp_path, fake_embedder):
    (tmp_path / "seeds").mkdir()
    app = ChatApp(Assistant(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index", embedder=fake_embedder))
    assert "The index is empty" in app.idle_panel() and "Rebuild index" in app.idle_panel()
    (chat, _, _), _ = finish(app.respond("Anything new?", [], "", "", "", []))
    assert "The index is empty" in chat[-1]["content"]


def test_a_failed_rebuild_is_reported_and_the_old_index_still_answers(app, monkeypatch):
    seeds = app.assistant.settings.seeds_dir
    (seeds / "new.md").write_text(md("Ferry strike ends", ["The ferry strike ended on Friday after nine days."]))

    def broken(*args, **kwargs):
        raise RuntimeError("the embedder ran out of memory")

    monkeypatch.setattr(app.assistant.embedder, "embed", broken)
    monkeypatch.setattr(app.assistant.embedder, "embed_with_spans", broken)
    status = app.rebuild()
    assert "Rebuild failed" in status and "ran out of memory" in status
    monkeypatch.undo()
    (chat, _, _), _ = finish(app.respond("When is the military parade in Beijing?", [], "", "", "", []))
    assert "September 3" in chat[-1]["content"]


def test_rebuild_reports_added_and_skipped_files_with_reasons(app):
    seeds = app.assistant.settings.seeds_dir
    (seeds / "ferry.md").write_text(md("Ferry strike ends", ["The ferry strike ended on Friday after nine days."]))
    (seeds / "broken.json").write_text("{not json")
    status = app.rebuild()
    assert "1 added" in status and "ferry.md" in status
    assert "broken.json" in status and "Skipped" in status


def test_uploads_land_in_seeds_under_safe_names(tmp_path):
    seeds, outside = tmp_path / "seeds", tmp_path / "outside"
    seeds.mkdir()
    outside.mkdir()
    upload = tmp_path / "upload.md"
    upload.write_text(md("A title", ["Some news."]))
    saved = save_uploads([upload] * 4, seeds, ["../outside/evil.md", "/etc/cron.d/x.md", "ok.md", "ok.md"])
    assert sorted(p.name for p in seeds.iterdir()) == ["evil.md", "ok.md", "x.md"]
    assert not any(outside.iterdir())
    assert "ok.md (already there, unchanged)" in saved.written
    refused = save_uploads([upload, upload], seeds, ["run.sh", ".md"])
    assert len(refused.refused) == 2 and "not an article file" in refused.refused[0]


def test_uploads_never_write_through_a_symlink(tmp_path):
    seeds, outside = tmp_path / "seeds", tmp_path / "outside"
    seeds.mkdir()
    outside.mkdir()
    os.symlink(outside / "target.md", seeds / "news.md")
    upload = tmp_path / "news.md"
    upload.write_text(md("A title", ["Some news."]))
    saved = save_uploads([upload], seeds, ["news.md"])
    assert not (outside / "target.md").exists()
    assert saved.written == ["news-2.md"]


@pytest.mark.parametrize(
    "name,expected",
    [
        ("riverside bridge (draft).md", "riverside_bridge_draft.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.md", "win.md"),
        (".hidden.txt", "hidden.txt"),
        ("Zürich.HTML", "Zurich.html"),
        ("noext", None),
        (".md", None),
    ],
)
def test_safe_names(name, expected):
    assert safe_name(name) == expected


def test_stored_history_is_checked_before_use():
    good = {"q": "q", "a": "a", "html": "<p>a</p>", "panel": ""}
    assert clean_records([good, {"q": 1}, "junk", None]) == [good]
    assert clean_records("not a list") == []


def test_outlet_filter_lists_the_indexed_outlets_and_narrows_the_answer(app):
    seeds = app.assistant.settings.seeds_dir
    ferry = md("Ferry strike ends", ["The ferry strike ended on Friday after nine days."], source="Valley Courier")
    (seeds / "ferry.md").write_text(ferry)
    app.rebuild()
    assert "Valley Courier" in app.outlets()
    (chat, panel, _), _ = finish(
        app.respond("When is the military parade in Beijing?", [], "", "", "", ["Valley Courier"])
    )
    assert "North Korea Joins Global Leaders" not in chat[-1]["content"] + panel
    assert "outlets: Valley Courier" in chat[-1]["content"]


def test_a_chat_model_answer_streams_into_the_window_checked_and_labelled(tmp_path, real_embedder):
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    reply = "The military parade in Beijing is scheduled for September 3 [1]. It marks the end of World War II [1]."
    model = GenericFakeChatModel(messages=iter([AIMessage(reply)]))
    assistant = Assistant(
        seeds_dir=seed_folder(tmp_path), index_dir=tmp_path / "index", embedder=real_embedder, chat_model=model
    )
    assistant.index()
    (chat, panel, _), states = finish(ChatApp(assistant).respond("When is the parade?", [], "", "", "", []))
    assert states >= 3
    assert "September 3" in chat[-1]["content"] and "na-cite" in chat[-1]["content"]
    assert "Answered by llm:" in chat[-1]["content"]
    assert "North Korea Joins Global Leaders" in panel
