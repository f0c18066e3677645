"""Helpers several test modules share: free ports, stopping processes, article files, chunk-id sets."""

import socket
import subprocess


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
