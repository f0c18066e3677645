"""Helpers several test modules share: free ports, stopping processes, article files, chunk-id sets."""

import json
import shutil
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_a256e67ae6222007.txt"


def free_port() -> int:
    # Port 0 makes the kernel pick an unused port; the tiny window before the server binds it is acceptable.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen, grace: float = 20) -> None:
    """Ask politely, then insist."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


def md(title, paragraphs, date="2025-03-04", source="City Times"):
    """A Markdown article with front matter."""
    return f"---\ntitle: {title}\ndate: {date}\nsource: {source}\n---\n\n" + "\n\n".join(paragraphs) + "\n"


def long_paragraphs(tag, n=12):
    # Several chunks' worth, so editing one paragraph leaves the other chunks as they were.
    return [f"{tag} paragraph {i}: " + " ".join(f"word{i}x{j} {tag}" for j in range(40)) + "." for i in range(n)]


def expected_chunk_ids(assistant):
    """The chunk ids the seeds folder should give right now."""
    return {c.id for a in assistant.read().articles for c in assistant.chunker.chunk(a)}


def stored_chunk_ids(assistant):
    return {cid for ids, _, _ in assistant.store.scan(include=[]) for cid in ids}


def seed_folder(base: Path) -> Path:
    """A seeds folder under `base` holding a copy of the user's seed article."""
    folder = base / "seeds"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


def consume(stream):
    """The text pieces an Assistant.stream() yields, and the Answer it ends with."""
    pieces, final = [], None
    for item in stream:
        if isinstance(item, str):
            pieces.append(item)
        else:
            final = item
    return pieces, final


def indexed_feed(base: Path, rows, embedder):
    """An Assistant over one JSONL feed of (id, published, source, title, text) rows, already indexed."""
    from assistant.core import Assistant

    seeds = base / "seeds"
    seeds.mkdir()
    with open(seeds / "feed.jsonl", "w") as fh:
        for aid, day, source, title, text in rows:
            fh.write(json.dumps({"id": aid, "published": day, "source": source, "title": title, "text": text}) + "\n")
    assistant = Assistant(seeds_dir=seeds, index_dir=base / "index", embedder=embedder)
    assistant.index()
    return assistant


def wait_for_port(port, proc, log, deadline=240):
    """Wait until a started server listens, failing with its log if it exits first."""
    import time

    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode}:\n{Path(log).read_text()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"nothing listened on {port} within {deadline}s:\n{Path(log).read_text()}")


def start_app(base: Path, seeds: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free 127.0.0.1 port with its own index; returns the process and its URL."""
    import os
    import sys

    port = free_port()
    log = base / "app.log"
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    command = [sys.executable, str(ROOT / "app.py"), "--port", str(port), "--seeds", str(seeds)]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            command + ["--index", str(base / "index")], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=base
        )
    try:
        wait_for_port(port, proc, log)
    except AssertionError:
        stop(proc)
        raise
    return proc, f"http://127.0.0.1:{port}/"
