"""The eval's cached naive index: a stopped build is never answered from, and asking a question first leaves it every core."""

import json
import subprocess
import sys
import textwrap

import torch

from assistant.embedding.cpu import cpu_threads
from assistant.measuring.evaluation import DONE, build_naive

STORIES = {
    "a1": "The city council approved a new budget on Monday after a long debate about road repairs.",
    "a2": "A storm brought heavy snow to the mountains, closing two passes for most of the weekend.",
    "a3": "The museum opened an exhibition of early photographs, lent by families across the region.",
}
CORPUS = {
    i: json.dumps({"id": i, "title": f"Story {i}", "published": "2024-03-0" + i[-1], "text": (text + " ") * 30})
    for i, text in STORIES.items()
}


def test_a_stopped_naive_build_is_built_again_and_a_finished_one_is_reused(tmp_path, real_embedder):
    folder = tmp_path / "naive"
    # A build of one article that stopped before finishing, in a process of its own as in real life.
    script = f"""
        import json
        from pathlib import Path
        from assistant.measuring.baseline import NaivePipeline
        from assistant.measuring.evaluation import read_raw
        corpus = {{"a1": {CORPUS["a1"]!r}}}
        print(NaivePipeline(Path({str(folder)!r})).build(read_raw(corpus, ["a1"])))
    """
    partial = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True)
    assert partial.returncode == 0, partial.stderr[-2000:]
    assert int(partial.stdout.split()[-1]) > 0 and not (folder / DONE).exists()

    real_embedder.embed(["Which passes did the snow close?"])  # a question: encoded on one thread
    said: list[str] = []
    naive = build_naive(folder, CORPUS, list(CORPUS), said.append)
    assert torch.get_num_threads() == cpu_threads()
    assert any("unfinished build" in line for line in said)
    chunks = int((folder / DONE).read_text().split()[0])
    assert naive.count() == chunks
    assert {hit.article_id for hit in naive.search("snow closed the mountain passes", k=10)} == set(CORPUS)

    said.clear()
    again = build_naive(folder, CORPUS, list(CORPUS), said.append)
    assert said == [] and again.count() == chunks
