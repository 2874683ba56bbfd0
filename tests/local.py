"""Shared by tests/server and tests/faults: the in-process LocalServer fixtures and a
`serve` subprocess that a test can kill and restart. Real servers on 127.0.0.1 only."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from genai_grpc.server import Faults, LocalServer

CLI = "import sys; from genai_grpc.cli import main; sys.exit(main(sys.argv[1:]))"


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    """One in-process server per test package; operations finish at once unless asked."""
    with LocalServer(duration_s=0.0) as local:
        yield local


@pytest.fixture(autouse=True)
def _no_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        # A fresh object, not reset(): a test may have swapped in a Faults subclass.
        request.getfixturevalue("server").faults = Faults()


@contextmanager
def spawned(*args: str, port: int = 0, env: dict[str, str] | None = None) -> Iterator[tuple[Any, str]]:
    """`serve --port PORT ARGS` in a subprocess; yields it and the address it printed.
    The process is SIGKILLed on exit if it still runs."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready and proc.stdout is not None, "the server printed no address within 30 s"
        address = proc.stdout.readline().strip()
        wanted = f"127.0.0.1:{port}" if port else "127.0.0.1:"
        assert address.startswith(wanted), (address, proc.stderr.read() if proc.stderr else "")
        yield proc, address
    finally:
        kill(proc)


def kill(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL `proc` if it still runs, reap it and close its pipes."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
