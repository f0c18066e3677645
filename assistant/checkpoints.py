"""Named points of a rebuild where a process can be stopped on request, so crash tests can kill it there."""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter

# "stage" stops the first time the stage is reached, "stage:N" the N-th time. Unset in normal use.
ENV = "NEWS_ASSISTANT_STOP_AT"
STAGES = ("read", "embed", "write", "delete", "lexical", "switch")

_seen: Counter[str] = Counter()


def reached(stage: str) -> None:
    """Stop this process (SIGSTOP) if NEWS_ASSISTANT_STOP_AT names this stage; a no-op otherwise.

    A stopped process holds its locks and half-written state exactly as a crash there would
    leave them; the test then sends SIGKILL (a crash) or SIGCONT (carry on).
    """
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != stage:
        return
    _seen[stage] += 1
    if _seen[stage] != int(nth or 1):
        return
    print(f"stopped at {stage}:{_seen[stage]} (pid {os.getpid()})", file=sys.stderr, flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
