"""A server process killed (SIGKILL) mid-wait and restarted on the same port and database."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from genai_grpc import Client, types

from .conftest import free_port, kill, spawned

pytestmark = pytest.mark.slow  # run once, not per Python (scripts/test.sh)

DURATION_S = 3.0  # the operation is still running when the server dies
Background = Callable[[Client, str, list[object]], threading.Thread]


def _restart_mid_wait(tmp_path: Path, wait_in_background: Background) -> None:
    port, db = free_port(), str(tmp_path / "ops.sqlite")
    with (
        spawned("--db", db, "--duration", str(DURATION_S), port=port) as (first, _),
        Client(endpoint=f"127.0.0.1:{port}") as client,
    ):
        started = client.models.generate_videos(model="veo-2.0", prompt="a cat on a skateboard")
        assert not started.done
        result: list[object] = []
        waiter = wait_in_background(client, started.name, result)
        time.sleep(0.5)
        assert not result, "the wait ended before the server went down"
        kill(first)  # no goodbye: the long poll in flight just breaks
        time.sleep(1.0)
        with spawned("--db", db, "--duration", str(DURATION_S), port=port):
            waiter.join(30)
            assert not waiter.is_alive(), "the wait did not end"
            op = result[0]
            assert isinstance(op, types.GenerateVideosOperation), op
            again = client.operations.get(started.name)
    # The real result, as the restarted server keeps it: an MP4 video.
    assert op.done and op.error is None and op == again
    video = op.response.generated_videos[0].video
    assert video.data[4:8] == b"ftyp"  # the Gemini API's Video carries no MIME type


def test_a_sync_wait_survives_a_server_restart(tmp_path: Path) -> None:
    def background(client: Client, name: str, result: list[object]) -> threading.Thread:
        def run() -> None:
            try:
                result.append(client.operations.wait(name, timeout=30))  # default policies
            except Exception as exc:  # noqa: BLE001 - reported by the assertion above
                result.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    _restart_mid_wait(tmp_path, background)


def test_an_aio_wait_survives_a_server_restart(tmp_path: Path) -> None:
    def background(client: Client, name: str, result: list[object]) -> threading.Thread:
        async def main() -> None:
            try:
                result.append(await client.aio.operations.wait(name, timeout=30))
            except Exception as exc:  # noqa: BLE001
                result.append(exc)
            finally:
                await client.aio.aclose()

        thread = threading.Thread(target=asyncio.run, args=(main(),))
        thread.start()
        return thread

    _restart_mid_wait(tmp_path, background)
