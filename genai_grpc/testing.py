"""pytest fixtures for testing code that uses genai_grpc, against the bundled local server.

Installing ``genai-grpc[testing]`` registers this module as a pytest plugin (a ``pytest11``
entry point), so a test suite can use the fixtures without importing anything:

- ``genai_server``: a :class:`genai_grpc.server.LocalServer` on 127.0.0.1 (a free port, an
  in-memory database), started fresh for each test and stopped after it (~20 ms), so no
  operation, fault switch or API key requirement leaks from one test into the next. Its
  ``faults`` (latency, failures, RetryInfo, ...) and ``store`` are there to change; prompt
  markers (``[fail:safety]``, ``[duration:0.5]``, ...) work as in ``genai-grpc serve``. While
  it runs, ``GENAI_GRPC_EMULATOR_HOST`` points at it, so code under test that makes its own
  ``Client()`` reaches it too.
- ``genai_client``: a :class:`genai_grpc.Client` bound to ``genai_server``, closed after the
  test.
- ``genai_aio_client``: the ``client.aio`` of such a client, for asyncio tests (with
  ``asyncio.run`` or any async test plugin); ``async with genai_aio_client:`` closes it, and
  the fixture closes it otherwise.

``@pytest.mark.genai_server(duration_s=1.0, api_key="k", max_wait_s=5.0)`` passes options to
the test's server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # imported when a fixture is first used: pytest loads plugins at every start
    from genai_grpc.client import AsyncClient, Client
    from genai_grpc.server import LocalServer

__all__ = ["genai_aio_client", "genai_client", "genai_server"]

_OPTIONS = frozenset({"duration_s", "api_key", "max_wait_s", "faults"})


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, so that --strict-markers suites accept it."""
    config.addinivalue_line(
        "markers", "genai_server(**options): options of the genai_server fixture's LocalServer (duration_s, ...)"
    )


def _server_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("genai_server"))):  # the closest marker wins
        if marker.args:
            raise pytest.UsageError("@pytest.mark.genai_server takes keyword options only, e.g. duration_s=1.0")
        unknown = sorted(set(marker.kwargs) - _OPTIONS)
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.genai_server: unknown option {', '.join(unknown)}; it takes {', '.join(sorted(_OPTIONS))}"
            )
        options.update(marker.kwargs)
    return options


@pytest.fixture
def genai_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A fresh local server on 127.0.0.1 for this test; GENAI_GRPC_EMULATOR_HOST points at it."""
    from genai_grpc._config import EMULATOR_ENV
    from genai_grpc.server import LocalServer

    with LocalServer(host="127.0.0.1", port=0, **_server_options(request)) as server:
        monkeypatch.setenv(EMULATOR_ENV, server.address)
        yield server


@pytest.fixture
def genai_client(genai_server: LocalServer) -> Iterator[Client]:
    """A Client bound to this test's local server (plain gRPC on loopback), closed after it."""
    with _bound(genai_server) as client:
        yield client


@pytest.fixture
def genai_aio_client(genai_server: LocalServer) -> Iterator[AsyncClient]:
    """The grpc.aio side of a Client bound to this test's local server."""
    client = _bound(genai_server)
    try:
        yield client.aio
    finally:
        client.close()
        # A channel the test opened in an event loop that has ended cannot be awaited any more;
        # closing it from a new loop frees it, and failing that it goes with the loop.
        with contextlib.suppress(Exception):
            asyncio.run(client.aio.aclose())


def _bound(server: LocalServer) -> Client:
    """A Client for `server`, sending the API key it requires (loopback plaintext: allowed)."""
    from genai_grpc.client import Client

    key = server.faults.api_key
    return Client(endpoint=server.address, api_key=key, allow_insecure_credentials=key is not None)
