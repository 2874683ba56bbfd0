"""The proof against Google's own definitions, with Google's published Python package
(google-ai-generativelanguage, a test-only dependency):

- its generated PredictionServiceClient, over an insecure channel, starts videos on
  `python -m genai_grpc serve` and on LocalServer, and api-core's operation.result() finishes
  with generated samples;
- a server built from its published message classes records what genai_grpc sends on both
  backends, and its real PredictLongRunningResponse payloads arrive typed through the
  library, to_dict and `genai-grpc get --json`.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from concurrent import futures
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote

import grpc
import pytest
from google.longrunning import operations_pb2  # googleapis-common-protos: Google's published classes
from google.protobuf import json_format, struct_pb2

from genai_grpc import Client, types
from genai_grpc.server import LocalServer
from tests.test_cli import ROOT, environment

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # "Google will stop supporting Python 3.x ..."
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    from google.ai.generativelanguage_v1beta.services.prediction_service.transports import (
        PredictionServiceGrpcTransport,
    )

GEMINI_START = "/google.ai.generativelanguage.v1beta.PredictionService/PredictLongRunning"
VERTEX_START = "/google.cloud.aiplatform.v1.PredictionService/PredictLongRunning"
VERTEX_FETCH = "/google.cloud.aiplatform.v1.PredictionService/FetchPredictOperation"
GET = "/google.longrunning.Operations/GetOperation"
ENDPOINT = "projects/p/locations/us-central1/publishers/google/models/veo-3"
VIDEO = b"\x00\x00\x00\x20ftypisom inline"


# -- Google's generated client against the local server -------------------------------------


def google_request(model: str, prompt: str, **parameters: Any) -> Any:
    """A PredictLongRunningRequest of Google's package, built raw and wrapped: proto-plus
    cannot build a repeated google.protobuf.Value field from Python values on protobuf 7."""
    raw = glm.PredictLongRunningRequest.pb()(model=model)
    raw.instances.add().struct_value.update({"prompt": prompt})
    if parameters:
        raw.parameters.struct_value.update(parameters)
    return glm.PredictLongRunningRequest.wrap(raw)


def google_client(address: str) -> Any:
    channel = grpc.insecure_channel(address)
    return glm.PredictionServiceClient(transport=PredictionServiceGrpcTransport(channel=channel))


def finish_with_googles_client(address: str) -> Any:
    client = google_client(address)
    try:
        operation = client.predict_long_running(
            request=google_request("models/veo-3", "a cat [uri]", sampleCount=2), timeout=30
        )
        assert operation.operation.name.startswith("models/veo-3/operations/")
        result = operation.result(timeout=30)
        assert isinstance(operation.metadata, glm.PredictLongRunningMetadata)
        return result
    finally:
        client.transport.close()


def test_googles_client_against_genai_grpc_serve() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "genai_grpc", "serve", "--port", "0", "--duration", "0.5"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)  # fmt: skip
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()
        assert address.startswith("127.0.0.1:"), proc.stderr.read() if proc.stderr else ""
        result = finish_with_googles_client(address)
    finally:
        proc.kill()
        proc.communicate(timeout=10)
    assert isinstance(result, glm.PredictLongRunningResponse)
    samples = result.generate_video_response.generated_samples
    assert [s.video.uri.endswith(f"/videos/{i}.mp4") for i, s in enumerate(samples)] == [True, True]


def test_googles_client_against_local_server_inline_videos() -> None:
    with LocalServer(duration_s=0.2) as local:
        client = google_client(local.address)
        try:
            operation = client.predict_long_running(request=google_request("models/veo-3", "a dog"), timeout=30)
            result = operation.result(timeout=30)
        finally:
            client.transport.close()
    (sample,) = result.generate_video_response.generated_samples
    assert sample.video.video[4:8] == b"ftyp"


def test_googles_client_sees_filtering_and_failures() -> None:
    with LocalServer(duration_s=0) as local:
        client = google_client(local.address)
        try:
            filtered = client.predict_long_running(request=google_request("models/v", "x [filter:1]")).result(30)
            failed = client.predict_long_running(request=google_request("models/v", "x [fail:safety]"))
            with pytest.raises(Exception) as info:
                failed.result(timeout=30)
        finally:
            client.transport.close()
    body = filtered.generate_video_response
    assert not body.generated_samples and body.rai_media_filtered_count == 1
    assert len(body.rai_media_filtered_reasons) == 1
    assert getattr(info.value, "code", None) == 400 or "400" in str(info.value)


# -- a server built from Google's published classes -----------------------------------------


def gemini_answer() -> bytes:
    """A real PredictLongRunningResponse, by Google's class: one video by URI, one inline."""
    body = glm.PredictLongRunningGeneratedVideoResponse.pb()(
        rai_media_filtered_count=1, rai_media_filtered_reasons=["unsafe content"]
    )
    body.generated_samples.add().video.uri = "https://example.invalid/v0.mp4"
    body.generated_samples.add().video.video = VIDEO
    result: bytes = glm.PredictLongRunningResponse.pb()(generate_video_response=body).SerializeToString()
    return result


class Recorder:
    """Records each call (method, request fields, metadata) and answers as Google would."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def handler(self, method: str) -> grpc.RpcMethodHandler:
        def call(request: bytes, context: grpc.ServicerContext) -> bytes:
            self.calls.append({"method": method, "request": request, "metadata": dict(context.invocation_metadata())})
            return self.answer(method, request).SerializeToString()

        return grpc.unary_unary_rpc_method_handler(call, lambda b: b, lambda b: b)

    def answer(self, method: str, request: bytes) -> Any:
        if method in (GEMINI_START, VERTEX_START):
            # Vertex AI's request has the Gemini API's layout (endpoint = 1 where model = 1):
            # Google's Gemini class reads both.
            target = glm.PredictLongRunningRequest.pb().FromString(request).model
            return operations_pb2.Operation(name=f"{target}/operations/rec-1")
        op = operations_pb2.Operation(done=True)
        op.metadata.type_url = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningMetadata"
        if method == GET:
            op.name = operations_pb2.GetOperationRequest.FromString(request).name
            op.response.type_url = "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
            op.response.value = gemini_answer()
        else:  # Vertex AI: the JSON shape its REST API shows (no published binary type)
            op.name = f"{ENDPOINT}/operations/rec-1"
            shape = {"videos": [{"gcsUri": "gs://b/v0.mp4", "mimeType": "video/mp4"}], "raiMediaFilteredCount": 1,
                     "raiMediaFilteredReasons": ["unsafe content"]}  # fmt: skip
            op.response.Pack(json_format.ParseDict(shape, struct_pb2.Struct()))
        return op


@contextmanager
def recording_server() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    methods = (GEMINI_START, VERTEX_START, VERTEX_FETCH, GET)
    handlers: dict[str, dict[str, grpc.RpcMethodHandler]] = {}
    for method in methods:
        service, _, name = method[1:].rpartition("/")
        handlers.setdefault(service, {})[name] = recorder.handler(method)
    for service, table in handlers.items():
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, table),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield recorder, f"127.0.0.1:{port}"
    finally:
        server.stop(None)


def sent(call: dict[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(model or endpoint, instances[0], parameters) of a recorded start, read with Google's class."""
    pb = glm.PredictLongRunningRequest.pb().FromString(call["request"])
    return pb.model, json_format.MessageToDict(pb.instances[0]), json_format.MessageToDict(pb.parameters)


CONFIG = {"number_of_videos": 2, "duration_seconds": 8, "aspect_ratio": "16:9", "resolution": "1080p",
          "negative_prompt": "dogs", "person_generation": "allow_adult", "enhance_prompt": True}  # fmt: skip
PARAMETERS = {"sampleCount": 2, "durationSeconds": 8, "aspectRatio": "16:9", "resolution": "1080p",
              "negativePrompt": "dogs", "personGeneration": "allow_adult", "enhancePrompt": True}  # fmt: skip


def test_what_the_gemini_api_receives_and_what_comes_back_typed() -> None:
    with recording_server() as (recorder, address), Client(endpoint=address) as client:
        op = client.models.generate_videos(model="veo-3", prompt="a cat", image=types.Image(image_bytes=b"png",
                                           mime_type="image/png"), config=CONFIG)  # fmt: skip
        done = client.operations.get(op)
        cli = subprocess.run([sys.executable, "-m", "genai_grpc", "get", "--json", op.name], capture_output=True, check=False,
                             text=True, timeout=60, env=environment(GENAI_GRPC_EMULATOR_HOST=address), cwd=ROOT)  # fmt: skip
    start, get = recorder.calls[0], recorder.calls[1]
    assert start["method"] == GEMINI_START and get["method"] == GET
    assert unquote(start["metadata"]["x-goog-request-params"]) == "model=models/veo-3"
    model, instance, parameters = sent(start)
    assert model == "models/veo-3"
    assert instance == {"prompt": "a cat", "image": {"bytesBase64Encoded": "cG5n", "mimeType": "image/png"}}
    assert parameters == PARAMETERS
    expected = types.GenerateVideosResponse(
        generated_videos=(types.GeneratedVideo(types.Video(uri="https://example.invalid/v0.mp4")),
                          types.GeneratedVideo(types.Video(data=VIDEO))),
        rai_media_filtered_count=1, rai_media_filtered_reasons=("unsafe content",),
    )  # fmt: skip
    assert isinstance(done, types.GenerateVideosOperation) and done.response == expected
    assert done.raw_response is None and done.raw_metadata is None
    as_dict = done.to_dict()
    assert as_dict["raw_response"] is None and types.Operation.from_dict(as_dict) == done
    assert cli.returncode == 0, cli.stderr
    doc = json.loads(cli.stdout)
    assert doc["rawResponse"] is None and doc["rawMetadata"] is None  # nothing left undecoded
    videos = doc["response"]["generatedVideos"]
    assert videos[0]["video"]["uri"] == "https://example.invalid/v0.mp4" and len(videos) == 2
    assert doc["response"]["raiMediaFilteredCount"] == 1


def test_what_vertex_ai_receives() -> None:
    with (
        recording_server() as (recorder, address),
        Client(vertexai=True, project="p", location="us-central1", endpoint=address) as client,
    ):
        op = client.models.generate_videos(model="veo-3", prompt="a cat", config={**CONFIG, "seed": 5,
                                           "output_gcs_uri": "gs://b/out/"})  # fmt: skip
        done = client.operations.get(op)
    start, fetch = recorder.calls
    assert (start["method"], fetch["method"]) == (VERTEX_START, VERTEX_FETCH)
    assert unquote(start["metadata"]["x-goog-request-params"]) == f"endpoint={ENDPOINT}"
    endpoint, instance, parameters = sent(start)
    assert endpoint == ENDPOINT and instance == {"prompt": "a cat"}
    assert parameters == {**PARAMETERS, "seed": 5, "storageUri": "gs://b/out/"}
    assert done.response is not None and done.response.generated_videos[0].video == types.Video(
        uri="gs://b/v0.mp4", mime_type="video/mp4"
    )
    assert done.response.rai_media_filtered_reasons == ("unsafe content",)


def test_inline_video_bytes_arrive_as_sent() -> None:
    with recording_server() as (_, address), Client(endpoint=address) as client:
        done = client.operations.get("models/veo-3/operations/rec-1")
    assert base64.b64encode(done.response.generated_videos[1].video.data) == base64.b64encode(VIDEO)


def test_aio_sends_the_same_request_as_sync() -> None:
    import asyncio

    async def start_aio(address: str) -> None:
        async with Client(endpoint=address).aio as aio:
            await aio.models.generate_videos(model="veo-3", prompt="a cat", config=CONFIG)

    with recording_server() as (recorder, address):
        with Client(endpoint=address) as client:
            client.models.generate_videos(model="veo-3", prompt="a cat", config=CONFIG)
        asyncio.run(start_aio(address))
    sync, aio = recorder.calls
    assert sync["method"] == aio["method"] == GEMINI_START
    assert sent(sync) == sent(aio) and sent(sync)[2] == PARAMETERS
    assert sync["metadata"]["x-goog-request-params"] == aio["metadata"]["x-goog-request-params"]
