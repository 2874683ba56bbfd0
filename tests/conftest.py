"""Shared fixtures: a real gRPC server on 127.0.0.1 (port 0) that serves what a test puts in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from grpc.experimental import aio as grpc_aio

from genai_grpc import Client
from tests.scripted import ScriptedServer

#: The environment variables that decide where and how a Client connects.
CONNECTION_ENV = (
    "GENAI_GRPC_EMULATOR_HOST",
    "GOOGLE_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT",
    "GOOGLE_CLOUD_LOCATION",
)


def clear_env(monkeypatch: pytest.MonkeyPatch, *more: str) -> None:
    """Unset CONNECTION_ENV (and `more`) for one test."""
    for var in (*CONNECTION_ENV, *more):
        monkeypatch.delenv(var, raising=False)


# grpc.aio starts its poller thread with the first channel and stops it when the last one is
# deallocated. A test's exception tracebacks keep clients in reference cycles, so that last
# deallocation can happen in a garbage collection running on the poller thread itself, and
# grpcio 1.63 (the floor) then fails to join it ("cannot join current thread"), leaking its
# sockets into a later test (seen once in CI). Holding the aio engine for the whole session,
# as an application that keeps a client does, takes that path away.
grpc_aio.init_grpc_aio()


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def client(scripted: ScriptedServer) -> Iterator[Client]:
    with Client(endpoint=scripted.address) as c:
        yield c


class _Runner:
    """asyncio.Runner's run() for Python 3.10 (it came in 3.11): one event loop for all of a
    test's coroutines, closed as asyncio.Runner closes it."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)

    def run(self, coro):  # type: ignore[no-untyped-def]
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        async def cancel_the_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._loop.shutdown_asyncgens()
            await self._loop.shutdown_default_executor()

        try:
            self._loop.run_until_complete(cancel_the_rest())
        finally:
            asyncio.set_event_loop(None)
            self._loop.close()


@pytest.fixture
def run() -> Iterator[asyncio.Runner]:
    if hasattr(asyncio, "Runner"):
        with asyncio.Runner() as runner:
            yield runner
        return
    runner = _Runner()
    try:
        yield runner  # type: ignore[misc]
    finally:
        runner.close()


class Side:
    """Calls client.operations (sync) or client.aio.operations (run to completion) alike,
    so one test body covers both shells."""

    def __init__(self, name: str, client: Client, runner: asyncio.Runner) -> None:
        self.name, self._client, self._runner = name, client, runner

    def __getattr__(self, method: str):  # type: ignore[no-untyped-def]
        if self.name == "sync":
            return getattr(self._client.operations, method)
        aio_method = getattr(self._client.aio.operations, method)
        return lambda *a, **k: self._runner.run(aio_method(*a, **k))


@pytest.fixture(params=["sync", "aio"])
def ops(request: pytest.FixtureRequest, client: Client, run: asyncio.Runner) -> Iterator[Side]:
    yield Side(request.param, client, run)
    if request.param == "aio":
        run.run(client.aio.aclose())


def collect(side: Side, method: str, *args: object, **kwargs: object) -> list:  # type: ignore[type-arg]
    """Every item of an iterator method (sync) or async iterator method (aio), as a list."""
    if side.name == "sync":
        return list(getattr(side._client.operations, method)(*args, **kwargs))

    async def gather() -> list:  # type: ignore[type-arg]
        return [item async for item in getattr(side._client.aio.operations, method)(*args, **kwargs)]

    return side._runner.run(gather())
