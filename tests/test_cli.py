"""The `news-assistant` command, run as a real process: index, ask --json, and the same answer as answer()."""

import json
import os
import subprocess
import sys

import pytest
from support import seed_folder


def run(*args, env=None, timeout=300):
    full_env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    seeds = seed_folder(base)
    (seeds / "empty.txt").write_text("")
    index = base / "index"
    result = run("index", "--seeds", str(seeds), "--index", str(index), "--quiet")
    return seeds, index, result


@pytest.mark.model  # the command indexes with the packaged model
def test_index_prints_plan_and_summary_and_names_skipped_files(built):
    seeds, index, result = built
    assert result.returncode == 3, result.stderr  # 3: indexed, but some files were skipped
    assert "1 added" in result.stdout and "1 skipped" in result.stdout
    assert "empty.txt: empty file" in result.stderr
    assert "000_a256e67ae6222007.txt" in result.stdout

    again = run("index", "--seeds", str(seeds), "--index", str(index), "--dry-run")
    assert "0 added, 0 changed, 0 removed, 1 unchanged" in again.stdout


@pytest.mark.model  # the command indexes with the packaged model
def test_ask_json_matches_the_python_api(built, real_embedder):
    seeds, index, _ = built
    question = "What share of North Korea's trade does China account for?"
    result = run("ask", question, "--json", "--seeds", str(seeds), "--index", str(index))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "98%" in data["text"] and data["citations"] and not data["abstained"]

    from assistant import Assistant

    direct = Assistant(seeds_dir=seeds, index_dir=index, embedder=real_embedder).answer(question)
    assert direct.text == data["text"]
    assert [c.chunk_id for c in direct.citations] == [c["chunk_id"] for c in data["citations"]]


@pytest.mark.model  # the command indexes with the packaged model
def test_module_level_answer_uses_the_environment(built, monkeypatch):
    seeds, index, _ = built
    monkeypatch.setenv("NEWS_ASSISTANT_SEEDS_DIR", str(seeds))
    monkeypatch.setenv("NEWS_ASSISTANT_INDEX_DIR", str(index))
    code = (
        "from assistant import answer; a = answer('When is the military parade in Beijing?'); "
        "print(a.citations[0].title); print('September 3' in a.text)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["North Korea Joins Global Leaders at Beijing's Military Parade", "True"]


@pytest.mark.model  # the command indexes with the packaged model
def test_ask_plain_text_lists_sources(built):
    seeds, index, _ = built
    result = run("ask", "When is the military parade in Beijing?", "--seeds", str(seeds), "--index", str(index))
    assert result.returncode == 0, result.stderr
    assert "September 3" in result.stdout and "\n[1] North Korea Joins" in result.stdout


def test_missing_seeds_folder_is_a_clear_error(tmp_path):
    result = run("index", "--seeds", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index"))
    assert result.returncode == 1
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.model  # the command indexes with the packaged model
def test_bad_date_flag_is_a_clear_error(built):
    seeds, index, _ = built
    result = run("ask", "parade?", "--as-of", "next tuesday", "--seeds", str(seeds), "--index", str(index))
    assert result.returncode == 1
    assert "Not a date" in result.stderr and "Traceback" not in result.stderr


def test_ask_says_when_it_builds_a_missing_index_and_refuses_without_articles(tmp_path):
    from reliability_kit import driver

    seeds, index = seed_folder(tmp_path), tmp_path / "typo-index"
    built = driver("cli", "ask", "When is the parade?", "--seeds", str(seeds), "--index", str(index))
    assert built.returncode == 0, built.stderr
    assert f"No index at {index}: building it from {seeds} (1 file) first." in built.stderr
    assert built.stdout.strip()
    again = driver("cli", "ask", "When is the parade?", "--seeds", str(seeds), "--index", str(index))
    assert "No index" not in again.stderr  # built once, then used

    nowhere = tmp_path / "no-such-index"
    refused = driver("cli", "ask", "When?", "--seeds", str(tmp_path / "no-seeds"), "--index", str(nowhere))
    assert refused.returncode == 1
    assert f"no index at {nowhere}" in refused.stderr and "news-assistant index --seeds" in refused.stderr
    assert "Traceback" not in refused.stderr and not nowhere.exists()  # nothing created


def test_index_prints_the_plan_first_and_the_bar_counts_articles_to_a_known_total(tmp_path):
    import re

    from reliability_kit import DRIVER, clean_env
    from support import long_paragraphs, md

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(12):
        (seeds / f"a{i:02}.md").write_text(md(f"Report number {i}", long_paragraphs(f"t{i}", 4 + i % 5)))
    out = tmp_path / "out.txt"
    env = {**clean_env(), "RELIABILITY_FAKE_EMBEDDER": "1", "RELIABILITY_BATCH_CHUNKS": "8"}
    with open(out, "w") as fh:  # stdout and stderr in one file, as `> log 2>&1` makes them
        done = subprocess.run(
            [sys.executable, str(DRIVER), "cli", "index", "--seeds", str(seeds), "--index", str(tmp_path / "index")],
            stdout=fh,
            stderr=fh,
            env=env,
            timeout=300,
        )
    text = out.read_text()
    assert done.returncode == 0, text
    assert text.index("Plan: 12 added") < text.index("Embedding")
    totals = {int(t) for t in re.findall(r"\| *\d+/(\d+) ", text)}
    assert totals == {12}, text
    assert "12/12" in text
