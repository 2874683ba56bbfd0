"""Fixtures for the fault, load and big-payload tests: real servers on 127.0.0.1 only.

`server` is one in-process LocalServer for the package (faults reset after each test);
`client` points at it, so the root conftest's `ops` fixture runs a test body on the sync and
the aio side against it. `serve_process` runs the server as a separate process that a test
can kill and restart on the same port and database.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from genai_grpc import Client, types
from genai_grpc.server import Faults, LocalServer

CLI = "import sys; from genai_grpc.server.cli import main; sys.exit(main(sys.argv[1:]))"
#: Retries fast enough that a test rides out a burst in well under a second.
QUICK_RETRY = types.RetryPolicy(initial=0.02, multiplier=2.0, maximum=0.2)
FAST_POLL = types.PollPolicy(initial=0.02, multiplier=1.5, maximum=0.2)


class ScriptedFaults(Faults):
    """Faults that fail calls by a script (one code or None per call, in order) and record
    when each call reached the server: the server's view of a client's retries."""

    def __init__(self, script: list[str | None]) -> None:
        super().__init__(fail_rate=1.0)  # so the server asks injected_failure on every call
        self.script = list(script)
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def injected_failure(self, draw: float) -> str | None:
        with self.lock:
            self.arrivals.append(time.monotonic())
            return self.script.pop(0) if self.script else None


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    with LocalServer(duration_s=0.0) as local:
        yield local


@pytest.fixture(autouse=True)
def _no_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        local = request.getfixturevalue("server")
        local.faults = Faults()


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    with Client(endpoint=server.address) as c:
        yield c


def free_port() -> int:
    """A port nothing listens on now (the server binds it right after; loopback only)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_process(port: int, db: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """`serve --port PORT --db DB ARGS` in a child process, killed (SIGKILL) on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--port", str(port), "--db", db, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
    )  # fmt: skip
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready and proc.stdout is not None, "the server printed no address within 30 s"
        line = proc.stdout.readline().strip()
        assert line == f"127.0.0.1:{port}", (line, proc.stderr.read() if proc.stderr else "")
        yield proc
    finally:
        kill(proc)


def kill(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
