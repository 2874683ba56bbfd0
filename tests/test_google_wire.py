"""Google's published video payloads decode typed, or stay raw: pure tests, no server."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from google.protobuf.message import DecodeError
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_grpc import _convert, _google_wire, _large, types
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2 as vertex_pb2
from genai_grpc._generated.google.longrunning import operations_pb2

GEMINI = f"type.googleapis.com/{_google_wire.GEMINI_RESPONSE}"
GEMINI_META = f"type.googleapis.com/{_google_wire.GEMINI_METADATA}"
VERTEX = f"type.googleapis.com/{_google_wire.VERTEX_RESPONSE}"


def gemini_response(*samples: dict[str, Any], count: int = 0, reasons: tuple[str, ...] = ()) -> bytes:
    body = gemini_pb2.PredictLongRunningGeneratedVideoResponse(
        generated_samples=[gemini_pb2.Media(video=gemini_pb2.Video(**s)) for s in samples],
        rai_media_filtered_count=count,
        rai_media_filtered_reasons=list(reasons),
    )
    return gemini_pb2.PredictLongRunningResponse(generate_video_response=body).SerializeToString()


def done(
    type_url: str, value: bytes, name: str = "models/veo/operations/1", meta: bytes | None = None
) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=name, done=True)
    op.response.type_url, op.response.value = type_url, value
    if meta is not None:
        op.metadata.type_url, op.metadata.value = GEMINI_META, meta
    return op


def test_gemini_response_arrives_typed_with_uri_bytes_and_filtering() -> None:
    value = gemini_response({"uri": "https://x/v.mp4"}, {"video": b"\x00mp4"}, count=2, reasons=("unsafe", "child"))
    op = _convert.to_operation(done(GEMINI, value, meta=b""))
    assert type(op) is types.GenerateVideosOperation
    assert op.raw_response is None and op.raw_metadata is None
    assert op.response == types.GenerateVideosResponse(
        generated_videos=(
            types.GeneratedVideo(video=types.Video(uri="https://x/v.mp4")),
            types.GeneratedVideo(video=types.Video(data=b"\x00mp4")),
        ),
        rai_media_filtered_count=2,
        rai_media_filtered_reasons=("unsafe", "child"),
    )
    assert op.metadata == {"@type": GEMINI_META}


def test_the_response_type_decides_the_class_whatever_the_name() -> None:
    op = _convert.to_operation(done(GEMINI, gemini_response({"uri": "u"}), name="operations/abc"))
    assert type(op) is types.GenerateVideosOperation and op.response.generated_videos[0].video.uri == "u"


def test_all_filtered_is_an_empty_list_with_the_reason() -> None:
    op = _convert.to_operation(done(GEMINI, gemini_response(count=1, reasons=("blocked",))))
    assert op.response.generated_videos == () and op.response.rai_media_filtered_count == 1


@pytest.mark.parametrize(
    "value",
    [
        gemini_response({"uri": "u"}) + b"\x10\x01",  # a field PredictLongRunningResponse lacks
        gemini_pb2.PredictLongRunningResponse(
            generate_video_response=gemini_pb2.PredictLongRunningGeneratedVideoResponse(
                generated_samples=[gemini_pb2.Media()]
            )
        ).SerializeToString()[:-1]
        + b"\x02\x18\x05",  # a Media with a field Media lacks
        b"\x0a\x05\x0a\x03\x0a\x01",  # truncated
    ],
)
def test_what_cannot_be_read_in_full_stays_raw(value: bytes) -> None:
    op = _convert.to_operation(done(GEMINI, value))
    assert op.response is None and op.raw_response == types.UnknownPayload(GEMINI, value)


def test_metadata_with_unknown_fields_stays_raw() -> None:
    op = _convert.to_operation(done(GEMINI, gemini_response(), meta=b"\x08\x01"))
    assert op.metadata is None and op.raw_metadata == types.UnknownPayload(GEMINI_META, b"\x08\x01")


def test_vertex_binary_response_maps_videos_and_sample_uris() -> None:
    pb = vertex_pb2.GenerateVideoResponse(
        generated_samples=["gs://b/a.mp4", "gs://b/c.mp4"],
        rai_media_filtered_count=0,
        rai_media_filtered_reasons=["r"],
        videos=[
            vertex_pb2.GenerateVideoResponse.Video(gcs_uri="gs://b/a.mp4", mime_type="video/mp4"),
            vertex_pb2.GenerateVideoResponse.Video(bytes_base64_encoded=base64.b64encode(b"mp4").decode()),
        ],
    )
    op = _convert.to_operation(done(VERTEX, pb.SerializeToString(), name="x/operations/1"))
    assert type(op) is types.GenerateVideosOperation
    assert [g.video for g in op.response.generated_videos] == [
        types.Video(uri="gs://b/a.mp4", mime_type="video/mp4"),
        types.Video(data=b"mp4"),
        types.Video(uri="gs://b/c.mp4"),
    ]
    assert op.response.rai_media_filtered_count == 0 and op.response.rai_media_filtered_reasons == ("r",)


def test_vertex_response_with_bad_base64_stays_raw() -> None:
    pb = vertex_pb2.GenerateVideoResponse(videos=[vertex_pb2.GenerateVideoResponse.Video(bytes_base64_encoded="%%")])
    op = _convert.to_operation(done(VERTEX, pb.SerializeToString()))
    assert op.response is None and op.raw_response is not None


def test_a_json_sample_with_nothing_readable_stays_raw() -> None:
    op = operations_pb2.Operation(name="models/veo/operations/1", done=True)
    op.response.Pack(json_format.ParseDict({"videos": [{"gcsUri": "gs://a"}, {"colour": "red"}]}, struct_pb2.Struct()))
    snapshot = _convert.to_operation(op)
    assert snapshot.response is None and snapshot.raw_response is not None


def test_a_large_gemini_answer_is_read_off_the_wire() -> None:
    video = bytes(range(256)) * (_large.LARGE_ANSWER // 256 + 1)
    data = done(GEMINI, gemini_response({"video": video}, {"uri": "u"})).SerializeToString()
    parsed = _large.parse_operation(data)
    assert isinstance(parsed, _large.LargeOperation)
    op = _convert.to_operation(parsed)
    assert op.response.generated_videos[0].video.data == video
    assert op == _convert.to_operation(operations_pb2.Operation.FromString(data))


def media(data: Any) -> bytes:
    return gemini_pb2.Media(video=gemini_pb2.Video(**data)).SerializeToString()


samples = st.one_of(
    st.fixed_dictionaries({"uri": st.text(max_size=8)}), st.fixed_dictionaries({"video": st.binary(max_size=8)})
)
pieces = st.one_of(
    st.builds(lambda s: b"\x0a" + bytes([len(m := media(s))]) + m, samples),  # a Media
    st.builds(lambda n: b"\x10" + n.to_bytes(1, "little"), st.integers(0, 127)),  # the count
    st.builds(lambda t: b"\x1a" + bytes([len(t)]) + t, st.binary(max_size=6)),  # a reason
    st.binary(max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=5), st.sampled_from([b"", b"\x0a\x00"]), st.booleans())
def test_the_gemini_wire_reader_matches_protobuf(body: list[bytes], extra: bytes, wrap: bool) -> None:
    inner = b"".join(body)
    value = (b"\x0a" + _varint(len(inner)) + inner if wrap else inner) + extra

    def outcome(decode: Any) -> Any:
        try:
            return decode(value)
        except DecodeError:
            return DecodeError
        except ValueError:
            return ValueError

    assert outcome(_google_wire.decode_gemini_response) == outcome(_google_wire.gemini_by_protobuf)


def _varint(n: int) -> bytes:
    out = b""
    while n > 0x7F:
        out += bytes([n & 0x7F | 0x80])
        n >>= 7
    return out + bytes([n])


DECODE = """
import sys, json
if sys.argv[1] == "with":
    import google.ai.generativelanguage_v1beta  # registers Google's own classes
from genai_grpc import _convert
from genai_grpc._generated.google.longrunning import operations_pb2
op = _convert.to_operation(operations_pb2.Operation.FromString(bytes.fromhex(sys.argv[2])))
print(json.dumps(op.to_dict(), sort_keys=True))
"""


def test_decoding_does_not_depend_on_googles_packages_being_installed() -> None:
    pytest.importorskip("google.ai.generativelanguage_v1beta")
    data = done(GEMINI, gemini_response({"uri": "u"}, {"video": b"v"}, count=1), meta=b"").SerializeToString()
    runs = [
        subprocess.run([sys.executable, "-W", "ignore", "-c", DECODE, which, data.hex()],
                       capture_output=True, text=True, check=True).stdout
        for which in ("with", "without")
    ]  # fmt: skip
    assert runs[0] == runs[1]
    assert json.loads(runs[0])["response"]["generated_videos"][1]["video"]["data"] == base64.b64encode(b"v").decode()


def test_the_vendored_gemini_messages_match_googles_published_ones() -> None:
    published = pytest.importorskip("google.ai.generativelanguage_v1beta.types.prediction_service")

    def shape(descriptor: Any) -> tuple[str, dict[str, tuple[Any, ...]]]:
        fields = {f.name: (f.number, f.type, f.containing_oneof and f.containing_oneof.name,
                           f.message_type and f.message_type.full_name) for f in descriptor.fields}  # fmt: skip
        return descriptor.full_name, fields

    for name in ("PredictLongRunningRequest", "PredictLongRunningResponse", "PredictLongRunningMetadata",
                 "Media", "Video", "PredictLongRunningGeneratedVideoResponse"):  # fmt: skip
        ours = getattr(gemini_pb2, name).DESCRIPTOR
        assert shape(ours) == shape(getattr(published, name).pb().DESCRIPTOR), name
