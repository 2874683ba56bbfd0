"""Starting work (the Gemini API's and Vertex AI's PredictLongRunning, the local server's own
file search store RPCs), and the outcomes prompts can ask for."""

from __future__ import annotations

import base64
from typing import Any

import grpc
import pytest
from google.protobuf import json_format, struct_pb2
from google.rpc import error_details_pb2

from genai_grpc._generated.genai_grpc.v1 import service_pb2, types_pb2
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2 as vertex_pb2
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2_grpc as vertex_grpc
from genai_grpc.server._build import video_uri

from .conftest import get, rpc_error, video

MiB = 1 << 20


def response(op: Any, cls: Any = None) -> Any:
    """The op's response: by default the Gemini API's generated-video response."""
    message = (cls or gemini_pb2.PredictLongRunningResponse)()
    assert op.done and op.response.Unpack(message), op
    return message if cls else message.generate_video_response


def test_videos_are_mp4_of_the_requested_size_and_count(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, number_of_videos=2, video_size_bytes=100_000).name)
    assert op.response.type_url == "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
    assert op.metadata.type_url == "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningMetadata"
    assert op.metadata.value == b""
    videos = response(op).generated_samples
    assert [len(v.video.video) for v in videos] == [100_000, 100_000]
    assert all(v.video.video[4:8] == b"ftyp" for v in videos)
    assert videos[0].video.video != videos[1].video.video


def test_same_operation_same_bytes(ops: Any, genai: Any) -> None:
    name = video(genai, video_size_bytes=2 * MiB).name  # too big for the cache: built each time
    first = get(ops, name)
    assert first.done and first == get(ops, name)


def test_64_mib_video(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, video_size_bytes=64 * MiB).name)
    assert len(response(op).generated_samples[0].video.video) == 64 * MiB


@pytest.mark.parametrize(("prompt", "config"), [("a cat", {"return_uri": True}), ("a cat [uri]", {})])
def test_return_uri(ops: Any, genai: Any, server: Any, prompt: str, config: dict[str, Any]) -> None:
    op = get(ops, video(genai, prompt, **config).name)
    only = response(op).generated_samples[0].video
    assert only.uri == video_uri(server.files_url, op.name, 0) and only.WhichOneof("content") == "uri"


def test_model_name_may_carry_its_prefix(genai: Any) -> None:
    assert video(genai, model="models/veo-3").name.startswith("models/veo-3/operations/")


def test_safety_failure_has_error_info(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, "a cat [fail:safety]").name)
    assert op.done and op.error.code == 3 and not op.HasField("response")
    info = error_details_pb2.ErrorInfo()
    assert op.error.details[0].Unpack(info)
    assert (info.reason, info.domain) == ("SAFETY_BLOCKED", "generativelanguage.googleapis.com")


def test_internal_failure(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, "[fail:internal]").name)
    assert op.error.code == 13 and "INTERNAL" in op.error.message


def test_filtered_videos(ops: Any, genai: Any) -> None:
    result = response(get(ops, video(genai, "[filter:1]", number_of_videos=3).name))
    assert len(result.generated_samples) == 2 and result.rai_media_filtered_count == 1
    assert len(result.rai_media_filtered_reasons) == 1


def test_all_filtered_is_done_without_videos(ops: Any, genai: Any) -> None:
    result = response(get(ops, video(genai, "[filter:9]").name))
    assert not result.generated_samples and result.rai_media_filtered_count == 1


def test_empty(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, "[empty]").name)
    assert op.done and not op.HasField("response") and not op.HasField("error")


def struct_of(op: Any) -> dict[str, Any]:
    assert op.response.type_url == "type.googleapis.com/google.protobuf.Struct"
    body = struct_pb2.Struct()
    body.ParseFromString(op.response.value)
    return json_format.MessageToDict(body)


def test_gemini_shape(ops: Any, genai: Any) -> None:
    body = struct_of(get(ops, video(genai, "[shape:gemini] [filter:1]", number_of_videos=2, return_uri=True).name))
    inner = body["generateVideoResponse"]
    assert inner["generatedSamples"][0]["video"]["uri"].startswith("http://127.0.0.1:")
    assert inner["raiMediaFilteredCount"] == 1


def test_vertex_shape_inline_bytes(ops: Any, genai: Any) -> None:
    body = struct_of(get(ops, video(genai, "[shape:vertex]").name))
    data = base64.b64decode(body["videos"][0]["bytesBase64Encoded"])
    assert data[4:8] == b"ftyp" and body["videos"][0]["mimeType"] == "video/mp4"


def test_vertex_predict_long_running(ops: Any, channel: Any, server: Any) -> None:
    endpoint = "projects/p/locations/us-central1/publishers/google/models/veo-3"
    request = vertex_pb2.PredictLongRunningRequest(endpoint=endpoint)
    request.instances.add().struct_value.update({"prompt": "a cat [uri]"})
    request.parameters.struct_value.update({"sampleCount": 2})
    op = vertex_grpc.PredictionServiceStub(channel).PredictLongRunning(request)
    assert op.name.startswith(endpoint + "/operations/")
    body = struct_of(get(ops, op.name))  # Vertex AI's JSON shape: it publishes no binary type
    assert [v["gcsUri"] for v in body["videos"]] == [video_uri(server.files_url, op.name, i) for i in (0, 1)]


def test_import_file(ops: Any, stores: Any) -> None:
    op = stores.ImportFile(
        service_pb2.ImportFileRequest(file_search_store_name="fileSearchStores/abc", source={"gcs_uri": "gs://b/d.pdf"})
    )
    assert op.name.startswith("fileSearchStores/abc/operations/")
    result = response(get(ops, op.name), types_pb2.ImportFileResponse)
    assert result.parent == "fileSearchStores/abc"
    assert result.document_name.startswith("fileSearchStores/abc/documents/")


def test_upload(ops: Any, stores: Any) -> None:
    op = stores.UploadToFileSearchStore(
        service_pb2.UploadToFileSearchStoreRequest(
            file_search_store_name="fileSearchStores/abc",
            display_name="notes",
            mime_type="text/plain",
            data=b"x" * 1000,
        )
    )
    assert op.name.startswith("fileSearchStores/abc/upload/operations/")
    result = response(get(ops, op.name), types_pb2.UploadToFileSearchStoreResponse)
    assert (result.size_bytes, result.mime_type) == (1000, "text/plain")


def test_import_can_fail_on_request(ops: Any, stores: Any) -> None:
    op = stores.ImportFile(
        service_pb2.ImportFileRequest(
            file_search_store_name="fileSearchStores/abc", source={"file_name": "[fail:not_found]"}
        )
    )
    assert get(ops, op.name).error.code == 5


def gemini(model: str, prompt: str = "x", **parameters: Any) -> Any:
    request = gemini_pb2.PredictLongRunningRequest(model=model)
    request.instances.add().struct_value.update({"prompt": prompt})
    request.parameters.struct_value.update(parameters)
    return request


BAD_VIDEOS = [
    (gemini(""), "model ''"),
    (gemini("models/a b"), "not of the form models/{model}"),
    (gemini("veo", "  "), "prompt is empty"),
    (gemini_pb2.PredictLongRunningRequest(model="veo"), "instances is empty"),
    (gemini("veo", "[fail:bogus]"), "marker [fail:bogus]"),
    (gemini("veo", sampleCount=9), "sampleCount"),
    (gemini("veo", sampleCount=1.5), "sampleCount"),
    (gemini("veo", genaiGrpc={"videoSizeBytes": -1}), "videoSizeBytes"),
    (gemini("veo", genaiGrpc={"returnUri": "yes"}), "returnUri"),
]


@pytest.mark.parametrize(("request_", "words"), BAD_VIDEOS)
def test_bad_video_requests(genai: Any, request_: Any, words: str) -> None:
    error = rpc_error(genai.PredictLongRunning, request_)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and words in error.details()


def test_bad_vertex_endpoint(channel: Any) -> None:
    request = vertex_pb2.PredictLongRunningRequest(endpoint="models/veo")
    request.instances.add().struct_value.update({"prompt": "x"})
    error = rpc_error(vertex_grpc.PredictionServiceStub(channel).PredictLongRunning, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "publishers/{publisher}" in error.details()


BAD = [
    (
        "ImportFile",
        {"file_search_store_name": "abc", "source": {"gcs_uri": "gs://x"}},
        "fileSearchStores/{store}",
    ),
    ("ImportFile", {"file_search_store_name": "fileSearchStores/abc"}, "source"),
    ("UploadToFileSearchStore", {"file_search_store_name": ""}, "is empty"),
]


@pytest.mark.parametrize(("method", "fields", "words"), BAD)
def test_bad_requests(stores: Any, method: str, fields: dict[str, Any], words: str) -> None:
    request = getattr(service_pb2, f"{method}Request")(**fields)
    error = rpc_error(getattr(stores, method), request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and words in error.details()
