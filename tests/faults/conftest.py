"""Fixtures for the fault, load and big-payload tests: real servers on 127.0.0.1 only.

`server` is one in-process LocalServer for the package (faults reset after each test);
`client` points at it, so the root conftest's `ops` fixture runs a test body on the sync and
the aio side against it. `spawned` (tests.local) runs the server as a separate process that
a test can kill and restart on the same port and database.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from genai_grpc import Client, types
from genai_grpc.server import Faults, LocalServer
from tests.local import _no_faults, kill, server, spawned  # noqa: F401  fixtures and helpers for the package

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


@pytest.fixture
def client(server: LocalServer) -> Iterator[Client]:
    with Client(endpoint=server.address) as c:
        yield c


def free_port() -> int:
    """A port nothing listens on now (the server binds it right after; loopback only)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
