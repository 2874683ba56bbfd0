"""Property-based tests: whatever a server or a stored dict holds, decoding never crashes and
never loses a payload it could not read. Pure: no server, no grpc channel.

Bounded: a few hundred examples per property, no per-example deadline (the first example
imports protobuf modules).
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genai_grpc import _convert, _kinds, _large, _payloads, _rpc, _shapes, errors, types
from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.longrunning import operations_pb2

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KNOWN = [
    "genai_grpc.v1.GenerateVideosResponse", "genai_grpc.v1.ImportFileResponse",
    "genai_grpc.v1.UploadToFileSearchStoreResponse", "genai_grpc.v1.OperationMetadata",
    "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
    "google.protobuf.Any", "google.protobuf.Duration", "google.protobuf.Timestamp",
    "google.protobuf.StringValue", "google.protobuf.FieldMask", "google.protobuf.Empty",
    "google.rpc.Status", "google.rpc.ErrorInfo", "google.rpc.RetryInfo", "google.rpc.BadRequest",
    "google.longrunning.Operation",
]  # fmt: skip


def _sample_payloads() -> list[bytes]:
    """Valid serialized messages to truncate or splice: they reach deeper than random bytes."""
    video = types_pb2.GenerateVideosResponse(rai_media_filtered_count=2)
    video.generated_videos.add(generation_seed=7).video.data = b"\x00mp4" * 40
    struct = struct_pb2.Struct()
    struct.update({"videos": [{"gcsUri": "gs://b/v.mp4", "mimeType": "video/mp4"}], "n": 1.5})
    meta = types_pb2.OperationMetadata(progress_percent=50, verb="generate")
    meta.create_time.FromSeconds(1_700_000_000)
    return [
        video.SerializeToString(), struct.SerializeToString(), meta.SerializeToString(),
        error_details_pb2.ErrorInfo(reason="R", domain="d", metadata={"k": "v"}).SerializeToString(),
        error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=3)).SerializeToString(),
        timestamp_pb2.Timestamp(seconds=253402300800).SerializeToString(),  # past year 9999
        duration_pb2.Duration(seconds=10**12).SerializeToString(),  # out of Duration's range
    ]  # fmt: skip


SAMPLES = _sample_payloads()

type_urls = st.one_of(
    st.sampled_from(KNOWN).map(lambda n: f"type.googleapis.com/{n}"),
    st.sampled_from(KNOWN),  # no host part
    st.text(max_size=40),
    st.from_regex(r"[a-z./]{0,20}/[A-Za-z0-9_.]{1,30}", fullmatch=True),
)
payloads = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(SAMPLES),
    st.tuples(st.sampled_from(SAMPLES), st.integers(0, 400)).map(lambda t: t[0][: t[1]]),  # truncated
    st.tuples(st.sampled_from(SAMPLES), st.binary(max_size=20)).map(lambda t: t[0] + t[1]),  # trailing junk
    st.just(b"\x0a" + b"\xff" * 12),  # a length prefix far past the end
)


@st.composite
def anys(draw: st.DrawFn) -> tuple[str, bytes]:
    return draw(type_urls), draw(payloads)


@st.composite
def operations(draw: st.DrawFn) -> operations_pb2.Operation:
    op = operations_pb2.Operation()
    names = st.one_of(
        st.text(max_size=50),
        st.sampled_from(["models/veo/operations/1", "fileSearchStores/s/operations/1",
                         "fileSearchStores/s/upload/operations/1", "operations/x"]),
        st.just("n" * 200_000),  # a huge field
    )  # fmt: skip
    if draw(st.booleans()):
        op.name = draw(names)
    op.done = draw(st.booleans())
    if draw(st.booleans()):
        op.metadata.type_url, op.metadata.value = draw(anys())
    result = draw(st.sampled_from(["none", "response", "error"]))
    if result == "response":
        op.response.type_url, op.response.value = draw(anys())
    elif result == "error":
        op.error.code = draw(st.integers(-(2**31), 2**31 - 1))
        op.error.message = draw(st.text(max_size=40))
        for url, value in draw(st.lists(anys(), max_size=4)):
            detail = op.error.details.add()
            detail.type_url, detail.value = url, value
    return op


operation_classes = st.sampled_from(
    [
        None,
        types.Operation,
        types.GenerateVideosOperation,
        types.ImportFileOperation,
        types.UploadToFileSearchStoreOperation,
    ]
)


def _roundtrip(op: types.Operation) -> types.Operation:
    stored = json.loads(json.dumps(op.to_dict(), allow_nan=False))
    return types.Operation.from_dict(stored)


@FUZZ
@given(operations(), operation_classes)
def test_any_operation_message_decodes_and_keeps_what_it_cannot_read(
    pb: operations_pb2.Operation, cls: type[types.Operation] | None
) -> None:
    op = _convert.to_operation(pb, cls)  # never raises
    assert op.name == pb.name and op.done == pb.done
    which = pb.WhichOneof("result")
    if which == "response":
        # Decoded, or else kept byte for byte: never neither.
        assert op.response is not None or op.raw_response is not None
        if op.raw_response is not None:
            assert op.raw_response.type_url == pb.response.type_url
            assert op.raw_response.value == pb.response.value
    else:
        assert op.response is None and op.raw_response is None
    if pb.HasField("metadata"):
        assert op.metadata is not None or op.raw_metadata is not None
        if op.raw_metadata is not None:
            assert (op.raw_metadata.type_url, op.raw_metadata.value) == (pb.metadata.type_url, pb.metadata.value)
    if which == "error":
        assert op.error is not None and op.error.code == pb.error.code
        assert len(op.error.details) == len(pb.error.details)
        for detail, source in zip(op.error.details, pb.error.details, strict=True):
            assert detail["@type"] == source.type_url
            if set(detail) == {"@type", "value"} and isinstance(detail["value"], str):
                # Undecoded: the bytes, base64. (A decoded well-known type also has "value".)
                try:
                    kept = base64.b64decode(detail["value"], validate=True)
                except ValueError:
                    continue
                if kept != source.value:
                    assert type_name_is_well_known(source.type_url)
    repr(op)  # never raises, never dumps payloads
    again = _roundtrip(op)
    assert again == op and type(again) is type(op)


def type_name_is_well_known(type_url: str) -> bool:
    return _payloads.type_name(type_url) in _convert._WELL_KNOWN_JSON


@FUZZ
@given(st.binary(max_size=500))
def test_random_bytes_as_an_operation(data: bytes) -> None:
    """Bytes off the wire: what protobuf accepts as an Operation, genai_grpc decodes."""
    try:
        pb = operations_pb2.Operation.FromString(data)
    except DecodeError:
        return
    op = _convert.to_operation(pb)
    assert _roundtrip(op) == op


def test_deeply_nested_struct_is_kept_raw_not_a_crash() -> None:
    data = struct_pb2.Struct(fields={"a": struct_pb2.Value(string_value="x")}).SerializeToString()
    for _ in range(200):  # Struct{a: Value{struct_value: data}}, past protobuf's recursion limit
        value = b"\x2a" + _varint(len(data)) + data
        entry = b"\x0a\x01a\x12" + _varint(len(value)) + value
        data = b"\x0a" + _varint(len(entry)) + entry
    pb = operations_pb2.Operation(name="operations/deep", done=True)
    pb.response.type_url = "type.googleapis.com/google.protobuf.Struct"
    pb.response.value = data
    op = _convert.to_operation(pb)
    assert op.raw_response is not None and op.raw_response.value == data


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


# -- JSON video shapes --------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.binary(max_size=8),
)
shape_keys = st.sampled_from([
    "generateVideoResponse", "generatedSamples", "video", "uri", "encodedVideo", "encoding",
    "videos", "gcsUri", "bytesBase64Encoded", "mimeType", "generatedVideos", "videoBytes",
    "generationSeed", "raiMediaFilteredCount", "raiMediaFilteredReasons", "generated_videos",
]) | st.text(max_size=8)  # fmt: skip
json_like = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(shape_keys, inner, max_size=5),
    max_leaves=25,
)


@FUZZ
@given(st.dictionaries(shape_keys, json_like, max_size=6))
def test_videos_from_json_never_raises_and_types_what_it_returns(d: dict[str, Any]) -> None:
    response = _shapes.videos_from_json(d)
    if response is None:
        return
    for generated in response.generated_videos:
        assert generated.generation_seed is None or type(generated.generation_seed) is int
        video = generated.video
        if video is not None:
            assert video.data is None or isinstance(video.data, bytes)
            assert video.mime_type is None or isinstance(video.mime_type, str)
            assert video.uri is None or isinstance(video.uri, str)
    assert response.rai_media_filtered_count is None or type(response.rai_media_filtered_count) is int
    op = types.GenerateVideosOperation(name="models/v/operations/1", done=True, response=response)
    assert _roundtrip(op) == op


# -- stored dicts -------------------------------------------------------------------------

dict_keys = st.sampled_from(
    [
        "kind",
        "version",
        "name",
        "done",
        "error",
        "response",
        "metadata",
        "raw_response",
        "raw_metadata",
        "code",
        "message",
        "details",
        "type_url",
        "value",
        "generated_videos",
        "video",
        "data",
    ]
) | st.text(max_size=6)
kinds = st.sampled_from(
    [
        "Operation",
        "GenerateVideosOperation",
        "ImportFileOperation",
        "json",
        "GenerateVideosResponse",
        "UploadToFileSearchStoreOperation",
        "Nope",
    ]
)
dict_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10) | kinds,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(dict_keys, inner, max_size=4),
    max_leaves=20,
)


@st.composite
def stored_dicts(draw: st.DrawFn) -> Any:
    d = draw(st.dictionaries(dict_keys, dict_values, max_size=7))
    if draw(st.booleans()):
        d["kind"] = draw(kinds)
    if draw(st.booleans()):
        d["name"] = draw(st.text(max_size=10))
    if draw(st.integers(0, 9)) == 0:
        d[draw(st.integers())] = 1  # a key that is not a string
    return d


@FUZZ
@given(stored_dicts(), st.sampled_from([types.Operation, types.GenerateVideosOperation]))
def test_from_dict_raises_only_value_error(d: Any, cls: type[types.Operation]) -> None:
    try:
        op = cls.from_dict(d)
    except ValueError:
        return
    assert isinstance(op, cls)


@SMALL
@given(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2)))
def test_from_dict_of_a_non_dict_is_a_value_error(value: Any) -> None:
    try:
        types.Operation.from_dict(value)
    except ValueError:
        return
    raise AssertionError("accepted a non-dict")


# -- error trailers -----------------------------------------------------------------------


@FUZZ
@given(st.one_of(
    st.binary(max_size=400),
    st.lists(anys(), max_size=4).map(lambda ds: _status(ds)),
))  # fmt: skip
def test_any_grpc_status_details_trailer_decodes(blob: bytes) -> None:
    details = _rpc._details(blob)
    assert isinstance(details, tuple) and all(isinstance(d, dict) and "@type" in d for d in details)
    error = errors.from_status(8, "slow down", details)
    delay = error.retry_delay  # never raises
    assert delay is None or isinstance(delay, float)
    error.reasons  # noqa: B018 - never raises


def _status(details: list[tuple[str, bytes]]) -> bytes:
    status = status_pb2.Status(code=8, message="m")
    for url, value in details:
        detail = status.details.add()
        detail.type_url, detail.value = url, value
    return status.SerializeToString()


class _FakeRpcError:
    def __init__(self, code: Any, details: Any, trailers: Any) -> None:
        self._code, self._details, self._trailers = code, details, trailers

    def code(self) -> Any:
        return self._code

    def details(self) -> Any:
        return self._details

    def trailing_metadata(self) -> Any:
        return self._trailers


@SMALL
@given(st.binary(max_size=200), st.one_of(st.none(), st.text(max_size=20)))
def test_to_api_error_survives_any_trailer(blob: bytes, message: str | None) -> None:
    import grpc

    for code in (None, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL):
        error = _rpc.to_api_error(_FakeRpcError(code, message, [("grpc-status-details-bin", blob)]))
        assert isinstance(error, errors.APIError) and isinstance(error.details, tuple)


# -- bad options ----------------------------------------------------------------------------

option_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
    st.just([1.0]),
)


@SMALL
@given(st.sampled_from([types.PollPolicy, types.RetryPolicy]),
       st.sampled_from(["initial", "multiplier", "maximum", "jitter", "long_poll", "max_outage"]),
       option_values)  # fmt: skip
def test_a_policy_takes_good_values_or_says_which_one_is_bad(cls: Any, field: str, value: Any) -> None:
    try:
        policy = cls(**{field: value})
    except ValueError as exc:
        assert field in str(exc)
        return
    except TypeError:  # a field the class does not have
        assert field not in cls.__dataclass_fields__
        return
    # Accepted: then it is a usable value.
    got = getattr(policy, field)
    if field == "jitter":
        assert isinstance(got, bool)
    elif not (field == "max_outage" and got is None):
        assert isinstance(got, (int, float)) and not isinstance(got, bool)
        assert math.isfinite(got) and got >= 0


# -- the video response wire reader ---------------------------------------------------------


@st.composite
def video_responses(draw: st.DrawFn) -> bytes:
    pb = types_pb2.GenerateVideosResponse()
    for _ in range(draw(st.integers(0, 3))):
        generated = pb.generated_videos.add()
        if draw(st.booleans()):
            generated.video.data = draw(st.binary(max_size=64))
            generated.video.mime_type = draw(st.text(max_size=8))
            generated.video.uri = draw(st.text(max_size=8))
        if draw(st.booleans()):
            generated.generation_seed = draw(st.integers(-(2**63), 2**63 - 1))
    if draw(st.booleans()):
        pb.rai_media_filtered_count = draw(st.integers(-(2**31), 2**31 - 1))
    pb.rai_media_filtered_reasons.extend(draw(st.lists(st.text(max_size=8), max_size=2)))
    return pb.SerializeToString()


@st.composite
def gemini_responses(draw: st.DrawFn) -> bytes:
    """The Gemini API's PredictLongRunningResponse: samples by URI, inline, or empty."""
    body = gemini_pb2.PredictLongRunningGeneratedVideoResponse()
    for _ in range(draw(st.integers(0, 3))):
        sample = body.generated_samples.add()
        which = draw(st.sampled_from(["uri", "video", "", "none"]))
        if which == "uri":
            sample.video.uri = draw(st.text(max_size=8))
        elif which == "video":
            sample.video.video = draw(st.binary(max_size=64))
        elif which == "":
            sample.video.SetInParent()
    body.rai_media_filtered_count = draw(st.integers(-(2**31), 2**31 - 1))
    body.rai_media_filtered_reasons.extend(draw(st.lists(st.text(max_size=8), max_size=2)))
    return gemini_pb2.PredictLongRunningResponse(generate_video_response=body).SerializeToString()


wire_inputs = st.one_of(
    video_responses(),
    st.tuples(video_responses(), video_responses()).map(b"".join),  # protobuf merges these
    st.tuples(video_responses(), st.integers(0, 200)).map(lambda t: t[0][: t[1]]),
    st.tuples(video_responses(), st.binary(max_size=12)).map(b"".join),
    st.binary(max_size=120),
    st.sampled_from([b"\x0a\x02\x0a\x00\x0a\x02\x0a\x00", b"\x0a\x04\x0a\x02\x12\x00",  # a repeated video field
                     b"\x10" + b"\xff" * 9 + b"\x01", b"\x10" + b"\xff" * 10 + b"\x01",  # 10 / 11 byte varints
                     b"\x1a\x02\xc3\x28",  # not UTF-8
                     b"\x0a\x08\x0a\x06\x12\x01a\x12\x01b", b"\x0a\x08\x0a\x06\x0a\x01a\x0a\x01b",  # repeated
                     b"\x0a\x08\x0a\x06\x1a\x01a\x1a\x01b", b"\x10\x01\x10\x02\x0a\x02\x10\x01\x0a\x04\x10\x01\x10\x02"]),
)  # fmt: skip


@FUZZ
@given(wire_inputs)
def test_the_video_wire_reader_matches_protobuf(data: bytes) -> None:
    def outcome(decode: Any) -> Any:
        try:
            return decode(data)
        except DecodeError:
            return DecodeError

    assert outcome(_payloads.decode_videos_response) == outcome(_payloads.videos_by_protobuf)


@st.composite
def operation_answers(draw: st.DrawFn) -> bytes:
    """Operation answers as bytes: fuzzed ones, ones with a (possibly broken) video response,
    and spliced ones (an error and a response both, two responses) where protobuf's
    last-one-wins rules apply."""
    pb = draw(operations())
    if draw(st.booleans()):
        large = sorted(message for kind in _kinds.kinds() for message in kind.large)
        pb.response.type_url = f"type.googleapis.com/{draw(st.sampled_from(large))}"
        pb.response.value = draw(st.one_of(video_responses(), gemini_responses(), wire_inputs))
    data = pb.SerializeToString()
    if draw(st.integers(0, 3)) == 0:
        data += draw(operations()).SerializeToString()
    return data


@FUZZ
@given(operation_answers(), operation_classes)
def test_large_answers_decode_as_protobuf_would(data: bytes, cls: type[types.Operation] | None) -> None:
    """parse_operation + to_operation == Operation.FromString + to_operation, with the size
    threshold at 0 so every answer goes through the wire reader."""
    original = _large.LARGE_ANSWER
    _large.LARGE_ANSWER = 0
    try:
        parsed = _large.parse_operation(data)
    except DecodeError:
        parsed = DecodeError
    finally:
        _large.LARGE_ANSWER = original
    try:
        expected = _convert.to_operation(operations_pb2.Operation.FromString(data), cls)
    except DecodeError:
        assert parsed is DecodeError
        return
    assert _convert.to_operation(parsed, cls) == expected
    assert parsed.done == expected.done and parsed.name == expected.name
