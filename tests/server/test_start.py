"""genai_grpc.v1.GenAI: starting work, and the outcomes prompts can ask for."""

from __future__ import annotations

import base64
from typing import Any

import grpc
import pytest
from genai_grpc._generated.genai_grpc.v1 import service_pb2, types_pb2
from google.protobuf import json_format, struct_pb2
from google.rpc import error_details_pb2

from genai_grpc.server._build import video_uri

from .conftest import get, rpc_error, video

MiB = 1 << 20


def response(op: Any, cls: Any = types_pb2.GenerateVideosResponse) -> Any:
    message = cls()
    assert op.done and op.response.Unpack(message), op
    return message


def test_videos_are_mp4_of_the_requested_size_and_count(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, number_of_videos=2, video_size_bytes=100_000).name)
    assert op.response.type_url == "type.googleapis.com/genai_grpc.v1.GenerateVideosResponse"
    videos = response(op).generated_videos
    assert [len(v.video.data) for v in videos] == [100_000, 100_000]
    assert all(v.video.data[4:8] == b"ftyp" and v.video.mime_type == "video/mp4" for v in videos)
    assert videos[0].generation_seed != videos[1].generation_seed
    assert videos[0].video.data != videos[1].video.data


def test_same_operation_same_bytes(ops: Any, genai: Any) -> None:
    name = video(genai, video_size_bytes=2 * MiB).name  # too big for the cache: built each time
    first = get(ops, name)
    assert first.done and first == get(ops, name)


def test_64_mib_video(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, video_size_bytes=64 * MiB).name)
    assert len(response(op).generated_videos[0].video.data) == 64 * MiB


def test_return_uri(ops: Any, genai: Any, server: Any) -> None:
    op = get(ops, video(genai, return_uri=True).name)
    only = response(op).generated_videos[0].video
    assert only.uri == video_uri(server.files_url, op.name, 0) and not only.data


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
    assert len(result.generated_videos) == 2 and result.rai_media_filtered_count == 1
    assert len(result.rai_media_filtered_reasons) == 1


def test_all_filtered_is_done_without_videos(ops: Any, genai: Any) -> None:
    result = response(get(ops, video(genai, "[filter:9]").name))
    assert not result.generated_videos and result.rai_media_filtered_count == 1


def test_empty(ops: Any, genai: Any) -> None:
    op = get(ops, video(genai, "[empty]").name)
    assert op.done and not op.HasField("response") and not op.HasField("error")


def struct_of(op: Any) -> dict[str, Any]:
    assert op.response.type_url == "type.googleapis.com/google.protobuf.Struct"
    body = struct_pb2.Struct()
    body.ParseFromString(op.response.value)
    return json_format.MessageToDict(body)


def test_gemini_shape(ops: Any, genai: Any) -> None:
    body = struct_of(
        get(
            ops, video(genai, "[shape:gemini] [filter:1]", number_of_videos=2, return_uri=True).name
        )
    )
    inner = body["generateVideoResponse"]
    assert inner["generatedSamples"][0]["video"]["uri"].startswith("http://127.0.0.1:")
    assert inner["raiMediaFilteredCount"] == 1


def test_vertex_shape_inline_bytes(ops: Any, genai: Any) -> None:
    body = struct_of(get(ops, video(genai, "[shape:vertex]").name))
    data = base64.b64decode(body["videos"][0]["bytesBase64Encoded"])
    assert data[4:8] == b"ftyp" and body["videos"][0]["mimeType"] == "video/mp4"


def test_import_file(ops: Any, genai: Any) -> None:
    op = genai.ImportFile(
        service_pb2.ImportFileRequest(
            file_search_store_name="fileSearchStores/abc", source={"gcs_uri": "gs://b/d.pdf"}
        )
    )
    assert op.name.startswith("fileSearchStores/abc/operations/")
    result = response(get(ops, op.name), types_pb2.ImportFileResponse)
    assert result.parent == "fileSearchStores/abc"
    assert result.document_name.startswith("fileSearchStores/abc/documents/")


def test_upload(ops: Any, genai: Any) -> None:
    op = genai.UploadToFileSearchStore(
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


def test_import_can_fail_on_request(ops: Any, genai: Any) -> None:
    op = genai.ImportFile(
        service_pb2.ImportFileRequest(
            file_search_store_name="fileSearchStores/abc", source={"file_name": "[fail:not_found]"}
        )
    )
    assert get(ops, op.name).error.code == 5


BAD = [
    ("GenerateVideos", {"model": "", "prompt": "x"}, "model is empty"),
    ("GenerateVideos", {"model": "a b", "prompt": "x"}, "not a model name"),
    ("GenerateVideos", {"model": "veo", "prompt": "  "}, "prompt is empty"),
    ("GenerateVideos", {"model": "veo", "prompt": "[fail:bogus]"}, "marker [fail:bogus]"),
    (
        "GenerateVideos",
        {"model": "veo", "prompt": "x", "config": {"number_of_videos": 9}},
        "number_of_videos",
    ),
    (
        "GenerateVideos",
        {"model": "veo", "prompt": "x", "config": {"video_size_bytes": -1}},
        "video_size_bytes",
    ),
    (
        "ImportFile",
        {"file_search_store_name": "abc", "source": {"gcs_uri": "gs://x"}},
        "fileSearchStores/{store}",
    ),
    ("ImportFile", {"file_search_store_name": "fileSearchStores/abc"}, "source"),
    ("UploadToFileSearchStore", {"file_search_store_name": ""}, "is empty"),
]


@pytest.mark.parametrize(("method", "fields", "words"), BAD)
def test_bad_requests(genai: Any, method: str, fields: dict[str, Any], words: str) -> None:
    request = getattr(service_pb2, f"{method}Request")(**fields)
    error = rpc_error(getattr(genai, method), request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and words in error.details()
