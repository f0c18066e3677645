"""No outbound network at run time: index, ask and the chat server run with only loopback allowed.

A sitecustomize.py on the child's PYTHONPATH wraps socket connect and name lookup: loopback
goes through, anything else is refused and written down. The run must succeed and the list
must stay empty. (It sees Python's sockets; native code opening its own would not be seen.)
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from reliability_kit import clean_env
from support import ROOT, free_port, seed_folder, stop

pytestmark = [pytest.mark.model, pytest.mark.server]  # index, ask and the chat server as processes

GUARD = """
import ipaddress, json, os, socket

_LOG = os.environ["NETWORK_GUARD_LOG"]


def _loopback(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host is None or host in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(kind, target):
    with open(_LOG, "a") as fh:
        fh.write(json.dumps([kind, repr(target)]) + "\\n")
    raise OSError(101, f"outbound network blocked by the test: {kind} {target!r}")


_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse("connect", address)
    return _connect(self, address)


def connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        _refuse("connect", address)
    return _connect_ex(self, address)


def getaddrinfo(host, *args, **kwargs):
    if not _loopback(host):
        _refuse("getaddrinfo", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
"""


@pytest.fixture
def guarded(tmp_path):
    """An environment whose Python processes cannot reach past loopback; yields (env, log file)."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "outbound.log"
    env = clean_env(NETWORK_GUARD_LOG=str(log))
    env["PYTHONPATH"] = os.pathsep.join([str(guard), env["PYTHONPATH"]])
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "GRADIO_ANALYTICS_ENABLED"):
        env.pop(name, None)  # the program must keep itself offline, not the test for it
    return env, log


def attempts(log):
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def run(args, env, cwd):
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300, stdin=subprocess.DEVNULL
    )


def test_the_guard_itself_refuses_and_records(guarded, tmp_path):
    env, log = guarded
    code = (
        "import socket\n"
        "for attempt in (lambda: socket.socket().connect(('192.0.2.1', 80)), lambda: socket.getaddrinfo('example.com', 80)):\n"
        "    try:\n        attempt()\n    except OSError as e:\n        print(e)\n"
        "server = socket.create_server(('127.0.0.1', 0))\n"
        "socket.create_connection(server.getsockname(), timeout=5).close()\n"
        "print('loopback ok')"
    )
    done = run(["-c", code], env, tmp_path)
    assert done.stdout.count("blocked by the test") == 2 and "loopback ok" in done.stdout, done.stderr
    assert attempts(log) == [["connect", "('192.0.2.1', 80)"], ["getaddrinfo", "'example.com'"]]


def test_index_ask_and_serve_make_no_outbound_connection(guarded, tmp_path):
    env, log = guarded
    seeds = seed_folder(tmp_path)
    where = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]

    built = run(["-m", "assistant", "index", "--quiet", *where], env, tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    asked = run(["-m", "assistant", "ask", "When is the military parade in Beijing?", *where], env, tmp_path)
    assert asked.returncode == 0 and "September 3" in asked.stdout, asked.stderr[-3000:]

    server = serve_until_up(where, env, tmp_path)
    try:
        # Ctrl-C ends the server the ordinary way, and Python then waits for every thread it started
        # (Gradio runs its version check and analytics in threads of their own): once the process has
        # exited, whatever a launch does in the background has been done, and any attempt logged.
        server.send_signal(signal.SIGINT)
        # Ctrl-C's status, or 0 where the app closes its server on Ctrl-C itself; either way it exited.
        assert server.wait(timeout=120) in (0, 130), (tmp_path / "serve.log").read_text()[-3000:]
    finally:
        stop(server)
    assert attempts(log) == []


def serve_until_up(args: list[str], env: dict, tmp_path) -> subprocess.Popen:
    """The chat server started with `args`, once its page answers (its output in serve.log)."""
    port = free_port()
    with open(tmp_path / "serve.log", "wb") as out:
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--port", str(port), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=tmp_path,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the chat did not come up"
                time.sleep(0.5)
    except BaseException:
        stop(server)
        raise
    return server


def test_serve_refreshing_with_no_feeds_and_fetch_with_none_make_no_outbound_connection(guarded, tmp_path):
    env, log = guarded
    seeds = seed_folder(tmp_path)
    where = ["--seeds", str(seeds), "--index", str(tmp_path / "index")]
    fetched = run(["-m", "assistant", "fetch", *where], env, tmp_path)
    assert fetched.returncode == 0 and "No feeds" in fetched.stdout, fetched.stderr[-3000:]
    server = serve_until_up(["--refresh-every", "1s", *where], env, tmp_path)
    try:
        time.sleep(4)  # several refreshes of an empty feed list have run
    finally:
        stop(server)
    assert attempts(log) == []
