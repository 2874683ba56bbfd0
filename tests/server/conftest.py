"""Fixtures for the local server's tests: real servers on 127.0.0.1, port 0."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc
import pytest
from genai_grpc._generated.genai_grpc.v1 import service_pb2, service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc

from genai_grpc.server import LocalServer

CLI = "import sys; from genai_grpc.server.cli import main; sys.exit(main(sys.argv[1:]))"
MAX_MESSAGE = [("grpc.max_receive_message_length", 256 << 20)]


@pytest.fixture(scope="package")
def server() -> Iterator[LocalServer]:
    """One in-process server for the package; operations finish at once unless asked."""
    with LocalServer(duration_s=0.0) as local:
        yield local


@pytest.fixture(autouse=True)
def _no_faults(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "server" in request.fixturenames:
        request.getfixturevalue("server").faults.reset()


@pytest.fixture(scope="package")
def channel(server: LocalServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address, options=MAX_MESSAGE) as chan:
        yield chan


@pytest.fixture(scope="package")
def ops(channel: grpc.Channel) -> Any:
    return operations_pb2_grpc.OperationsStub(channel)


@pytest.fixture(scope="package")
def genai(channel: grpc.Channel) -> Any:
    return service_pb2_grpc.GenAIStub(channel)


def video(
    genai: Any, prompt: str = "a cat", model: str = "veo-2.0", metadata: Any = None, **config: Any
) -> Any:
    """Start a generate-videos operation and return it."""
    request = service_pb2.GenerateVideosRequest(model=model, prompt=prompt, config=config)
    return genai.GenerateVideos(request, metadata=metadata)


def get(ops: Any, name: str, **kwargs: Any) -> Any:
    return ops.GetOperation(operations_pb2.GetOperationRequest(name=name), **kwargs)


def rpc_error(call: Any, *args: Any, **kwargs: Any) -> grpc.RpcError:
    """The error `call` fails with; the test fails if it succeeds."""
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value


@contextmanager
def spawned(*args: str, env: dict[str, str] | None = None) -> Iterator[tuple[Any, str]]:
    """`serve ARGS` in a subprocess; yields it and the address it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready, "the server printed no address within 20 s"
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.startswith("127.0.0.1:"), (
            address,
            proc.stderr.read() if proc.stderr else "",
        )
        yield proc, address
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
