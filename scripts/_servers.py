"""What the benchmark scripts share: a server process that prints its address first, and
how it ends."""

from __future__ import annotations

import signal
import subprocess
from typing import Any


def spawn(argv: list[str], what: str) -> tuple[subprocess.Popen[str], str]:
    """Start `argv`, a server that prints the address it listens on as its first line."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    address = proc.stdout.readline().strip()
    if not address:
        proc.kill()
        raise SystemExit(f"the {what} did not start")
    return proc, address


def stop(proc: subprocess.Popen[Any]) -> None:
    """SIGTERM, then SIGKILL after 10 s; nothing if it has already ended."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
