"""Fixtures for the local server's tests: real servers on 127.0.0.1, port 0."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from genai_grpc import _video_request
from genai_grpc._generated.genai_grpc.v1 import service_pb2_grpc
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc
from genai_grpc.server import LocalServer
from tests.local import _no_faults, server, spawned  # noqa: F401  fixtures and helpers for the package

MAX_MESSAGE = [("grpc.max_receive_message_length", 256 << 20)]


@pytest.fixture(scope="package")
def channel(server: LocalServer) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.address, options=MAX_MESSAGE) as chan:
        yield chan


@pytest.fixture(scope="package")
def ops(channel: grpc.Channel) -> Any:
    return operations_pb2_grpc.OperationsStub(channel)


@pytest.fixture(scope="package")
def genai(channel: grpc.Channel) -> Any:
    """The Gemini API's PredictionService, which starts video operations."""
    return prediction_service_pb2_grpc.PredictionServiceStub(channel)


@pytest.fixture(scope="package")
def stores(channel: grpc.Channel) -> Any:
    """The local server's own service: file search store import and upload."""
    return service_pb2_grpc.GenAIStub(channel)


def video(genai: Any, prompt: str = "a cat", model: str = "veo-2.0", metadata: Any = None, **config: Any) -> Any:
    """Start a generate-videos operation (Gemini API PredictLongRunning) and return it."""
    call = _video_request.generate_videos(model, prompt, None, None, config, vertex=False, local=True)
    return genai.PredictLongRunning(call.request, metadata=metadata)


def get(ops: Any, name: str, **kwargs: Any) -> Any:
    return ops.GetOperation(operations_pb2.GetOperationRequest(name=name), **kwargs)


def rpc_error(call: Any, *args: Any, **kwargs: Any) -> grpc.RpcError:
    """The error `call` fails with; the test fails if it succeeds."""
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, **kwargs)
    return caught.value
