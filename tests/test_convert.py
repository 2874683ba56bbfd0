"""Pure tests of proto -> typed mapping: no server, no grpc."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from google.protobuf import json_format, struct_pb2
from google.rpc import error_details_pb2

from genai_grpc import _convert, _kinds, _payloads, types
from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._large import LargeOperation

VIDEO_URL = "type.googleapis.com/genai_grpc.v1.GenerateVideosResponse"


def video_op(name: str = "models/veo/operations/1", **response: object) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=name, done=True)
    op.response.Pack(types_pb2.GenerateVideosResponse(**response))
    return op


def struct_op(name: str, body: dict) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=name, done=True)
    op.response.Pack(json_format.ParseDict(body, struct_pb2.Struct()))
    return op


def test_video_response_maps_to_typed_response() -> None:
    pb = video_op(
        generated_videos=[
            types_pb2.GeneratedVideo(video=types_pb2.Video(data=b"\x00mp4", mime_type="video/mp4"), generation_seed=7)
        ],
        rai_media_filtered_count=1,
        rai_media_filtered_reasons=["unsafe"],
    )
    op = _convert.to_operation(pb)
    assert type(op) is types.GenerateVideosOperation
    assert op.done and op.error is None and op.raw_response is None
    video = op.response.generated_videos[0]
    assert video.video.data == b"\x00mp4" and video.video.mime_type == "video/mp4"
    assert video.generation_seed == 7
    assert op.response.rai_media_filtered_count == 1
    assert op.response.rai_media_filtered_reasons == ("unsafe",)


def test_repr_never_dumps_video_bytes() -> None:
    pb = video_op(generated_videos=[types_pb2.GeneratedVideo(video=types_pb2.Video(data=b"x" * 1_000_000))])
    text = repr(_convert.to_operation(pb))
    assert "<1000000 bytes>" in text and len(text) < 1000


def test_operations_are_immutable() -> None:
    op = _convert.to_operation(video_op())
    with pytest.raises(AttributeError):
        op.done = False  # type: ignore[misc]


def test_error_status_maps_code_message_and_details() -> None:
    pb = operations_pb2.Operation(name="operations/1", done=True)
    pb.error.code = 3
    pb.error.message = "prompt rejected"
    pb.error.details.add().Pack(error_details_pb2.ErrorInfo(reason="SAFETY", domain="example.com"))
    unknown = pb.error.details.add(type_url="type.googleapis.com/acme.Secret", value=b"\x01\x02")
    err = _convert.to_operation(pb).error
    assert err is not None
    assert (err.code, err.status, err.message) == (3, "INVALID_ARGUMENT", "prompt rejected")
    assert err.details[0] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "SAFETY",
        "domain": "example.com",
    }
    assert err.details[1] == {"@type": unknown.type_url, "value": base64.b64encode(b"\x01\x02").decode()}


@pytest.mark.parametrize(
    "body",
    [
        {
            "generateVideoResponse": {
                "generatedSamples": [{"video": {"uri": "https://v/1.mp4", "encoding": "video/mp4"}}],
                "raiMediaFilteredCount": 2,
                "raiMediaFilteredReasons": ["r"],
            }
        },
        {
            "videos": [{"gcsUri": "https://v/1.mp4", "mimeType": "video/mp4"}],
            "raiMediaFilteredCount": 2,
            "raiMediaFilteredReasons": ["r"],
        },
        {
            "generatedVideos": [{"video": {"uri": "https://v/1.mp4", "mimeType": "video/mp4"}}],
            "raiMediaFilteredCount": 2,
            "raiMediaFilteredReasons": ["r"],
        },
    ],
    ids=["gemini", "vertex", "sdk"],
)
def test_three_json_video_shapes_map_to_one_response(body: dict) -> None:
    op = _convert.to_operation(struct_op("models/veo/operations/1", body))
    assert isinstance(op, types.GenerateVideosOperation)
    assert op.response == types.GenerateVideosResponse(
        generated_videos=(types.GeneratedVideo(video=types.Video(uri="https://v/1.mp4", mime_type="video/mp4")),),
        rai_media_filtered_count=2,
        rai_media_filtered_reasons=("r",),
    )


@pytest.mark.parametrize(
    "key,inner",
    [("encodedVideo", "generateVideoResponse"), ("bytesBase64Encoded", None), ("videoBytes", "generatedVideos")],
)
def test_inline_base64_video_bytes_are_decoded(key: str, inner: str | None) -> None:
    data = base64.b64encode(b"\x00\x00\x00\x18ftypmp42").decode()
    if inner == "generateVideoResponse":
        body = {inner: {"generatedSamples": [{"video": {key: data}}]}}
    elif inner == "generatedVideos":
        body = {inner: [{"video": {key: data}}]}
    else:
        body = {"videos": [{key: data}]}
    op = _convert.to_operation(struct_op("models/veo/operations/1", body))
    assert op.response.generated_videos[0].video.data == b"\x00\x00\x00\x18ftypmp42"


def test_struct_response_on_a_plain_operation_is_a_dict() -> None:
    op = _convert.to_operation(struct_op("operations/9", {"answer": 42, "nested": {"a": [1, "b"]}}))
    assert type(op) is types.Operation
    assert op.response == {"answer": 42, "nested": {"a": [1, "b"]}}


def test_unknown_response_type_is_kept_byte_for_byte() -> None:
    pb = operations_pb2.Operation(name="operations/2", done=True)
    pb.response.type_url = "type.googleapis.com/acme.v9.Mystery"
    pb.response.value = b"\xff\x00garbage"
    op = _convert.to_operation(pb)
    assert op.response is None
    assert op.raw_response == types.UnknownPayload("type.googleapis.com/acme.v9.Mystery", b"\xff\x00garbage")


def test_undecodable_known_payload_is_kept_and_operation_returned() -> None:
    pb = operations_pb2.Operation(name="models/veo/operations/3", done=True)
    pb.response.type_url = VIDEO_URL
    pb.response.value = b"\xff\xff\xff"  # not a valid GenerateVideosResponse
    pb.metadata.type_url = "type.googleapis.com/genai_grpc.v1.OperationMetadata"
    pb.metadata.value = b"\x0a\xff"
    op = _convert.to_operation(pb)
    assert isinstance(op, types.GenerateVideosOperation)
    assert op.response is None and op.raw_response is not None and op.raw_response.value == b"\xff\xff\xff"
    assert op.metadata is None and op.raw_metadata is not None and op.raw_metadata.value == b"\x0a\xff"


def test_wrong_response_type_for_class_is_kept_raw() -> None:
    pb = operations_pb2.Operation(name="fileSearchStores/s/operations/1", done=True)
    pb.response.Pack(types_pb2.GenerateVideosResponse())
    op = _convert.to_operation(pb, types.ImportFileOperation)
    assert type(op) is types.ImportFileOperation
    assert op.response is None and op.raw_response is not None


def test_metadata_maps_to_json_form() -> None:
    pb = operations_pb2.Operation(name="operations/4")
    md = types_pb2.OperationMetadata(progress_percent=40, verb="generateVideos")
    md.create_time.FromSeconds(1_700_000_000)
    pb.metadata.Pack(md)
    assert _convert.to_operation(pb).metadata == {
        "@type": "type.googleapis.com/genai_grpc.v1.OperationMetadata",
        "createTime": "2023-11-14T22:13:20Z",
        "progressPercent": 40,
        "verb": "generateVideos",
    }


def test_done_without_error_or_response_is_valid() -> None:
    op = _convert.to_operation(operations_pb2.Operation(name="operations/5", done=True))
    assert op.done and op.error is None and op.response is None and op.raw_response is None


@pytest.mark.parametrize(
    "name,response_url,expected",
    [
        ("models/veo-2.0/operations/1", "", types.GenerateVideosOperation),
        ("projects/p/locations/us/publishers/google/models/veo/operations/1", "", types.GenerateVideosOperation),
        ("fileSearchStores/s/upload/operations/1", "", types.UploadToFileSearchStoreOperation),
        ("fileSearchStores/s/operations/1", "", types.ImportFileOperation),
        ("operations/abc", "", types.Operation),
        ("operations/abc", "type.googleapis.com/genai_grpc.v1.ImportFileResponse", types.ImportFileOperation),
        (
            "models/veo/operations/1",
            "type.googleapis.com/genai_grpc.v1.UploadToFileSearchStoreResponse",
            types.UploadToFileSearchStoreOperation,
        ),
    ],
)
def test_class_follows_response_type_then_name(name: str, response_url: str, expected: type) -> None:
    assert _kinds.class_for(name, _payloads.type_name(response_url)) is expected


def test_a_running_operation_named_for_a_kind_is_that_kind_whatever_response_it_carries() -> None:
    # google.longrunning: a running operation has no response; the snapshot does not look.
    upload = "genai_grpc.v1.UploadToFileSearchStoreResponse"
    assert _kinds.class_for("models/veo/operations/1", upload, done=False) is types.GenerateVideosOperation
    assert _kinds.class_for("models/veo/operations/1", upload, done=True) is types.UploadToFileSearchStoreOperation
    assert _kinds.class_for("operations/1", upload, done=False) is types.UploadToFileSearchStoreOperation


NAMES = ("models/veo-2.0/operations/1", "fileSearchStores/s/operations/1", "operations/abc", "abc", "a/", "/a", "")
URLS = (
    "",
    "type.googleapis.com/genai_grpc.v1.ImportFileResponse",
    "example.com/genai_grpc.v1.ImportFileResponse",  # another host: found by the message name
    "type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
    "type.googleapis.com/google.protobuf.Struct",
)


@pytest.mark.parametrize("done", [True, False])
@pytest.mark.parametrize("response_url", URLS)
@pytest.mark.parametrize("name", NAMES)
def test_snapshots_get_the_class_class_for_gives(name: str, response_url: str, done: bool) -> None:
    # to_operation decides the common cases inline: it must agree with the registry's rule.
    pb = operations_pb2.Operation(name=name, done=done)
    if response_url:
        pb.response.type_url = response_url
    for _ in range(2):  # the second time from the per-collection and per-class caches
        op = _convert.to_operation(pb)
        assert type(op) is _kinds.class_for(name, _payloads.type_name(response_url), done)
        assert (op.name, op.done) == (name, done)


def test_a_message_the_process_imports_decodes_to_its_json_form() -> None:
    # What a user's own response types get, with no registration: any imported _pb2 module's
    # messages are in protobuf's default pool.
    pb = operations_pb2.Operation(name="operations/6", done=True)
    pb.response.Pack(error_details_pb2.ErrorInfo(reason="R", domain="acme.example"))
    assert _convert.to_operation(pb).response == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "R",
        "domain": "acme.example",
    }


@pytest.mark.parametrize("done", [True, False])
def test_a_large_answer_gets_the_class_a_small_one_would(done: bool) -> None:
    # Named for one kind, carrying another's response: the rule is class_for's either way.
    pb = operations_pb2.Operation(name="fileSearchStores/s/operations/1", done=done)
    video = types_pb2.GeneratedVideo(video=types_pb2.Video(data=b"v" * (1 << 20), mime_type="video/mp4"))
    pb.response.Pack(types_pb2.GenerateVideosResponse(generated_videos=[video]))
    data = pb.SerializeToString()
    large = _convert.parse_operation(data)
    assert type(large) is LargeOperation
    expected = _kinds.class_for(pb.name, "genai_grpc.v1.GenerateVideosResponse", done)
    assert type(_convert.to_operation(large)) is expected
    assert type(_convert.to_operation(operations_pb2.Operation.FromString(data))) is expected


@dataclass(frozen=True, kw_only=True)
class _Redeclared(types.Operation):
    """A user's subclass without slots that declares `done` again: a class attribute, no slot."""

    done: bool = False


def test_a_subclass_without_a_slot_for_done_still_gets_its_snapshot() -> None:
    for done in (True, False):
        op = _convert.to_operation(operations_pb2.Operation(name="operations/r", done=done), _Redeclared)
        assert type(op) is _Redeclared and (op.name, op.done) == ("operations/r", done)
