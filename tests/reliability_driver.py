"""Run `news-assistant` in a process of its own for the crash tests, optionally with the fake embedder.

    python reliability_driver.py cli index --seeds S --index I      # the real CLI entry point
    python reliability_driver.py probe --seeds S --index I [--chroma-url U] --question Q
    python reliability_driver.py cli-probe index --seeds S --index I -- --seeds S --index I --question Q

RELIABILITY_FAKE_EMBEDDER=1 swaps in the deterministic fake embedder (no model load);
RELIABILITY_BATCH_CHUNKS=N makes the rebuild write in batches of N chunks, so a small corpus
passes every stop point several times. `probe` prints what the index holds, as JSON.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def configure() -> None:
    if os.environ.get("RELIABILITY_FAKE_EMBEDDER") == "1":
        from conftest import FakeEmbedder

        import assistant.core

        assistant.core.SentenceEmbedder = lambda *args, **kwargs: FakeEmbedder()
    if os.environ.get("RELIABILITY_BATCH_CHUNKS"):
        import assistant.storing.indexing

        assistant.storing.indexing.BATCH_CHUNKS = int(os.environ["RELIABILITY_BATCH_CHUNKS"])


def probe(argv: list[str]) -> int:
    import argparse

    from assistant.core import Assistant

    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--chroma-url")
    parser.add_argument("--collection", default="news")
    parser.add_argument("--question", action="append", default=[])
    parser.add_argument("--exit-code", type=int)
    args = parser.parse_args(argv)
    # The fake embedder's similarities mean nothing to the trained confidence model: these probes check
    # what the index holds and answers from, not how sure the answer is, so none is withheld.
    sure = {"min_confidence": 0.0} if os.environ.get("RELIABILITY_FAKE_EMBEDDER") == "1" else {}
    bot = Assistant(
        seeds_dir=args.seeds, index_dir=args.index, chroma_url=args.chroma_url, collection=args.collection, **sure
    )
    print(json.dumps({"exit": args.exit_code, **report(bot, args.question)}))
    return 0


def report(bot, questions) -> dict:
    """What the index holds and answers: stored and expected chunk ids, BM25 rows, answers with their citations."""
    from support import expected_chunk_ids, stored_chunk_ids

    from assistant.storing.bm25 import LexicalIndex

    stored = stored_chunk_ids(bot)
    metas = {cid: meta for ids, metas, _ in bot.store.scan(include=["metadatas"]) for cid, meta in zip(ids, metas)}
    answers = []
    for question in questions:
        answer = bot.answer(question)
        answers.append(
            {
                "text": answer.text,
                "abstained": answer.abstained,
                "cited": [c.chunk_id for c in answer.citations],
                "cited_paths": [metas[c.chunk_id].path if c.chunk_id in metas else None for c in answer.citations],
            }
        )
    saved = LexicalIndex.load(bot.lexical_dir)
    return {
        "stored": sorted(stored),
        "expected": sorted(expected_chunk_ids(bot)),
        "lexical_in_use": sorted(bot.lexical.rows.ids),
        "lexical_saved": sorted(saved.rows.ids) if saved else None,
        "lexical_saved_digest": saved.digest if saved else None,
        "store_digest": bot.store.digest,
        "answers": answers,
    }


def main() -> int:
    configure()
    mode, argv = sys.argv[1], sys.argv[2:]
    if mode == "probe":
        return probe(argv)
    from assistant.faces.cli import main as cli_main

    if mode == "cli-probe":  # a rebuild, then a look at what it left, in one process
        split = argv.index("--")
        code = cli_main(argv[:split])
        return probe([*argv[split + 1 :], "--exit-code", str(code)])
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
