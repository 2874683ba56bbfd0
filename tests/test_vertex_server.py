"""The local server answers Vertex AI's FetchPredictOperation, and a Vertex AI client uses it
for publisher-model operations (GetOperation for every other name)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from genai_grpc import Client, errors, types
from genai_grpc._generated.google.cloud.aiplatform.v1 import (
    prediction_service_pb2,
    prediction_service_pb2_grpc,
)
from genai_grpc.server import LocalServer
from genai_grpc.server._errors import RequestError
from genai_grpc.server._predict import VERTEX_VIDEOS
from genai_grpc.server._store import NewOperation
from genai_grpc.server._vertex import fetch_name
from tests.conftest import clear_env

MODEL = "projects/p/locations/us-central1/publishers/google/models/veo-2.0-generate-001"
VEO = f"{MODEL}/operations/op-1"
FETCH = "/google.cloud.aiplatform.v1.PredictionService/FetchPredictOperation"
START = "/google.cloud.aiplatform.v1.PredictionService/PredictLongRunning"
GET = "/google.longrunning.Operations/GetOperation"


class Recorder(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self) -> None:
        self.methods: list[str] = []

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        self.methods.append(details.method)
        return continuation(details, request)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer(duration_s=0.0) as local:
        request = prediction_service_pb2.PredictLongRunningRequest(endpoint=MODEL)
        request.instances.add().struct_value.update({"prompt": "a cat"})
        local.store.insert(
            [
                NewOperation(
                    name=VEO,
                    kind=VERTEX_VIDEOS,
                    request=request.SerializeToString(),
                    seed=7,
                    create_ns=time.time_ns(),
                    duration_ns=0,
                )
            ]
        )
        yield local


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_env(monkeypatch)


def test_fetch_name_checks_the_operation_belongs_to_the_endpoint() -> None:
    assert fetch_name(MODEL, VEO) == VEO
    assert fetch_name(MODEL + "/", VEO) == VEO
    for endpoint, name in (("", VEO), (MODEL, ""), (MODEL.replace("veo", "imagen"), VEO), (MODEL, MODEL)):
        with pytest.raises(RequestError):
            fetch_name(endpoint, name)


def test_vertex_client_fetches_publisher_model_operations_from_the_local_server(server: LocalServer) -> None:
    recorder = Recorder()
    with Client(vertexai=True, endpoint=server.address, interceptors=[recorder]) as client:
        op = client.operations.get(VEO)
        assert isinstance(op, types.GenerateVideosOperation) and op.done
        assert op.response is not None and len(op.response.generated_videos) == 1
        with pytest.raises(errors.ClientError) as info:
            client.operations.get(MODEL + "/operations/missing")
    assert info.value.code == 404
    assert recorder.methods == [FETCH, FETCH]


def test_vertex_client_starts_videos_with_predict_long_running(server: LocalServer) -> None:
    recorder = Recorder()
    with Client(vertexai=True, project="p", location="us-central1", endpoint=server.address,
                interceptors=[recorder]) as client:  # fmt: skip
        op = client.models.generate_videos(model="veo-2.0-generate-001", prompt="a cat", config={"return_uri": True})
        assert op.name.startswith(MODEL + "/operations/")
        done = client.operations.get(op)
    assert recorder.methods == [START, FETCH]
    assert done.response is not None and done.response.generated_videos[0].video.uri.endswith("/videos/0.mp4")


def test_gemini_client_uses_get_operation_for_the_same_name(server: LocalServer) -> None:
    recorder = Recorder()
    with Client(endpoint=server.address, interceptors=[recorder]) as client:
        assert client.operations.get(VEO).done
    assert recorder.methods == [GET]


def test_as_a_user_with_google_genai_environment(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for var, value in (
        ("GOOGLE_GENAI_USE_VERTEXAI", "true"),
        ("GOOGLE_CLOUD_PROJECT", "p"),
        ("GOOGLE_CLOUD_LOCATION", "us-central1"),
        ("GENAI_GRPC_EMULATOR_HOST", server.address),
    ):
        monkeypatch.setenv(var, value)
    import asyncio

    async def main() -> types.Operation:
        async with Client().aio as aio:
            return await aio.operations.get(VEO)

    assert asyncio.run(main()).done


def test_fetch_for_another_endpoint_is_invalid_argument(server: LocalServer) -> None:
    with grpc.insecure_channel(server.address) as channel:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        request = prediction_service_pb2.FetchPredictOperationRequest(endpoint=MODEL + "-other", operation_name=VEO)
        with pytest.raises(grpc.RpcError) as info:
            stub.FetchPredictOperation(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
