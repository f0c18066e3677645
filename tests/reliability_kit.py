"""Helpers for the reliability tests: a Chroma server, the CLI and driver as processes, stopping them at a stage."""

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from support import ROOT, free_port, stop

DRIVER = Path(__file__).resolve().parent / "reliability_driver.py"
STARTUP_SECONDS = 60
RUN_SECONDS = 300


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any NEWS_ASSISTANT_* settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWS_ASSISTANT_")}
    env.update(
        GRADIO_ANALYTICS_ENABLED="False",
        ANONYMIZED_TELEMETRY="False",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


def cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = RUN_SECONDS):
    """`python -m assistant ARGS` with the real embedding model."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env=env or clean_env(),
        cwd=cwd,
        timeout=timeout,
    )


def driver(*args: str, fake: bool = True, batch: int | None = None, env: dict | None = None, cwd=None):
    """The driver script as a process: `cli ...` runs the real CLI, `probe ...` reports the index."""
    extra = {"RELIABILITY_FAKE_EMBEDDER": "1" if fake else "0"}
    if batch:
        extra["RELIABILITY_BATCH_CHUNKS"] = str(batch)
    return subprocess.run(
        [sys.executable, str(DRIVER), *args],
        capture_output=True,
        text=True,
        env={**(env or clean_env()), **extra},
        cwd=cwd,
        timeout=RUN_SECONDS,
    )


def probe_args(seeds: Path, index: Path, url: str | None, questions, collection: str) -> list[str]:
    args = ["--seeds", str(seeds), "--index", str(index), "--collection", collection]
    if url:
        args += ["--chroma-url", url]
    for q in questions:
        args += ["--question", q]
    return args


def probe(seeds: Path, index: Path, url: str | None, *questions: str, fake: bool = True, collection="news") -> dict:
    """What another process finds in the index: stored ids, BM25 rows, answers (see reliability_driver)."""
    done = driver("probe", *probe_args(seeds, index, url, questions, collection), fake=fake)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def rebuild_and_probe(cli_args, seeds, index, url, *questions, fake=True, collection="news", env=None) -> dict:
    """`news-assistant index CLI_ARGS` then a probe, in one process; the report's "exit" is the CLI's status."""
    args = ["cli-probe", "index", "--quiet", *cli_args, "--", *probe_args(seeds, index, url, questions, collection)]
    done = driver(*args, fake=fake, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def state(pid: int) -> str:
    """The kernel's one-letter process state: T when stopped, Z when dead but not yet reaped."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[0]


@contextmanager
def stopped_at(
    stage: str, args: list[str], log: Path, fake: bool = True, batch: int | None = None, env=None, python_args=False
):
    """Start the driver (or `python ARGS`) with NEWS_ASSISTANT_STOP_AT=stage; yield the process once stopped there.

    On the way out the process is killed if it is still around, so no test leaves one behind.
    """
    extra = {"NEWS_ASSISTANT_STOP_AT": stage, "RELIABILITY_FAKE_EMBEDDER": "1" if fake else "0"}
    if batch:
        extra["RELIABILITY_BATCH_CHUNKS"] = str(batch)
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, *args] if python_args else [sys.executable, str(DRIVER), *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
            stdin=subprocess.DEVNULL,
            env={**(env or clean_env()), **extra},
        )
    try:
        deadline = time.monotonic() + RUN_SECONDS
        while not ("stopped at" in log.read_text(errors="replace") and state(proc.pid) == "T"):
            if proc.poll() is not None:
                raise AssertionError(f"exited with {proc.returncode} before stopping at {stage}:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"did not reach {stage} in {RUN_SECONDS} s:\n{log.read_text()}")
            time.sleep(0.05)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def crash(proc: subprocess.Popen) -> int:
    """SIGKILL: no cleanup, no finally blocks, no flushes, as a power cut would leave it."""
    os.kill(proc.pid, signal.SIGKILL)
    return proc.wait(timeout=30)


def resume(proc: subprocess.Popen, timeout: float = RUN_SECONDS) -> int:
    os.kill(proc.pid, signal.SIGCONT)
    return proc.wait(timeout=timeout)


def heartbeat(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class ChromaServer:
    """A real `chroma run` on a free local port, over a data folder that outlives restarts."""

    def __init__(self, data: Path, log: Path):
        self.data, self.log = data, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "ChromaServer":
        chroma = Path(sys.executable).parent / "chroma"
        assert os.access(chroma, os.X_OK), f"{chroma} is missing; install chromadb into this venv (make install)"
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [str(chroma), "run", "--path", str(self.data), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while not heartbeat(self.url):
            if self.proc.poll() is not None:
                raise AssertionError(f"chroma run exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"chroma run did not answer in {STARTUP_SECONDS} s")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            stop(self.proc, grace=10)
        self.proc = None


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port
