"""Load and leaks: 10,000 concurrent waits on one channel, against a server process.

Afterwards nothing is left: no task, thread, call in flight or file descriptor (counted in
/proc/self/fd) beyond what was there before. GENAI_GRPC_LOAD_OPS sets the size (default
10,000); the whole module stays well under a minute on 2 cores.
"""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from genai_grpc import Client, types
from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc.server._build import IMPORT
from genai_grpc.server._store import NewOperation, Store

from .conftest import free_port, spawned

pytestmark = pytest.mark.slow  # run once, not per Python (scripts/test.sh)

TOTAL = int(os.environ.get("GENAI_GRPC_LOAD_OPS", "10000"))
SYNC_TOTAL = max(1, TOTAL // 5)
RUNNING_S = 2.0  # half the operations finish this long after they are stored
FAST = types.PollPolicy(initial=0.05, multiplier=1.5, maximum=0.5)
FD_SLACK = 3  # grpc may keep a descriptor or two of its own (e.g. an eventfd) per process
#: Figures for RELIABILITY.md, printed with -s.
FIGURES: dict[str, Any] = {}


def _operations(now_ns: int) -> list[NewOperation]:
    request = service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/load", source={"gcs_uri": "gs://b/x"}
    ).SerializeToString()
    return [
        NewOperation(f"fileSearchStores/load/operations/{i:05d}", IMPORT, request, i, now_ns,
                     0 if i % 2 else int(RUNNING_S * 1e9))
        for i in range(TOTAL)
    ]  # fmt: skip


HELD = [f"fileSearchStores/held/operations/{i:02d}" for i in range(50)]


def _held(now_ns: int) -> list[NewOperation]:
    """Operations that run for an hour: a wait on them is a long poll the server holds."""
    request = service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/held", source={"gcs_uri": "gs://b/x"}
    ).SerializeToString()
    return [NewOperation(name, IMPORT, request, 0, now_ns, 3600 * 10**9) for name in HELD]


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A server process holding TOTAL import operations, half done, half about to be."""
    db = str(tmp_path_factory.mktemp("load") / "ops.sqlite")
    store = Store(db)
    operations = _operations(time.time_ns())
    store.insert(operations)
    store.insert(_held(time.time_ns()))
    store.close()
    port = free_port()
    with spawned("--db", db, "--duration", "0", port=port):
        address = f"127.0.0.1:{port}"
        _warm_up(address)
        yield address, [op.name for op in operations]


def _warm_up(address: str) -> None:
    """Let grpc create its per-process state (poller, timers) before anything is counted."""
    with Client(endpoint=address) as client:
        client.operations.get("fileSearchStores/load/operations/00000")

        async def aio() -> None:
            await client.aio.operations.get("fileSearchStores/load/operations/00000")
            await client.aio.aclose()

        asyncio.run(aio())


def fd_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def open_calls() -> int:
    """grpc calls (aio calls and sync futures) that exist and have not finished."""
    gc.collect()
    kinds = (grpc.aio.Call, grpc.Future)
    return sum(isinstance(o, kinds) and not o.done() for o in gc.get_objects())


def settled_fds(limit: int, within_s: float = 5.0) -> int:
    """The descriptor count once it is at most `limit`, or after `within_s` seconds: closing
    a channel lets go of its socket on grpc's own threads, a moment later."""
    deadline = time.monotonic() + within_s
    while fd_count() > limit and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.05)
    return fd_count()


def _threads() -> set[threading.Thread]:
    return set(threading.enumerate())


def test_10000_concurrent_aio_waits_leave_nothing_behind(crowd: tuple[str, list[str]]) -> None:
    address, names = crowd
    fds, threads = fd_count(), _threads()

    async def main() -> dict[str, float]:
        figures: dict[str, float] = {}
        async with Client(endpoint=address).aio as aio:
            started = time.monotonic()
            waited = await asyncio.gather(*(aio.operations.wait(n, timeout=120, poll=FAST) for n in names))
            figures["gather_s"] = time.monotonic() - started
            assert [op.name for op in waited] == names
            assert all(op.done and op.error is None and op.response is not None for op in waited)
            assert asyncio.all_tasks() == {asyncio.current_task()}
            assert open_calls() == 0

            started = time.monotonic()
            seen = [op.name async for op in aio.operations.as_completed(names, timeout=120, poll=FAST)]
            figures["as_completed_s"] = time.monotonic() - started
            assert sorted(seen) == names
            assert asyncio.all_tasks() == {asyncio.current_task()}
        assert open_calls() == 0
        return figures

    FIGURES.update(asyncio.run(main()))
    FIGURES["aio_fds_left"] = settled_fds(fds + FD_SLACK) - fds
    FIGURES["aio_threads_left"] = len(_threads() - threads)
    print(f"\n{TOTAL} aio waits: {FIGURES}")
    assert FIGURES["aio_fds_left"] <= FD_SLACK and FIGURES["aio_threads_left"] == 0


def test_a_sync_fleet_leaves_nothing_behind(crowd: tuple[str, list[str]]) -> None:
    address, names = crowd
    names = names[:SYNC_TOTAL]
    fds, threads = fd_count(), _threads()
    with Client(endpoint=address) as client:
        started = time.monotonic()
        peak = 0
        seen = []
        for op in client.operations.as_completed(names, timeout=120, poll=FAST):
            seen.append(op.name)
            peak = max(peak, len(_threads() - threads))
        elapsed = time.monotonic() - started
        assert sorted(seen) == names
        done = client.operations.wait_all(names, timeout=120, poll=FAST)
        assert all(op.done for op in done)
        assert open_calls() == 0
    fds_left = settled_fds(fds + FD_SLACK) - fds
    threads_left = len(_threads() - threads)
    print(
        f"\n{SYNC_TOTAL} sync as_completed: {elapsed:.2f}s, threads peak +{peak}, "
        f"left {threads_left}, fds left {fds_left}"
    )
    assert peak <= 2 and threads_left == 0 and fds_left <= FD_SLACK


def test_cancelling_an_aio_fleet_mid_flight_leaves_no_call_or_task(crowd: tuple[str, list[str]]) -> None:
    """Long polls in flight when the task is cancelled: every one is cancelled with it."""
    address, _ = crowd
    fds, threads = fd_count(), _threads()

    async def main() -> None:
        async with Client(endpoint=address).aio as aio:
            task = asyncio.create_task(aio.operations.wait_all(HELD, concurrency=100))
            await asyncio.sleep(0.5)  # every WaitOperation is now held by the server
            assert open_calls() == 50
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert open_calls() == 0
            assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
    assert settled_fds(fds + FD_SLACK) - fds <= FD_SLACK and _threads() == threads
