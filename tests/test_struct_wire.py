"""The google.protobuf.Struct wire reader (_wire.struct) against protobuf's own parse +
json_format.MessageToDict: whatever it accepts, it reads exactly as they do; the rest it
leaves to them (Unusual)."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format, struct_pb2
from google.protobuf.message import DecodeError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from genai_grpc import _convert, _payloads, _wire, types
from genai_grpc._generated.google.longrunning import operations_pb2

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


def _serialized(d: dict[str, Any]) -> bytes:
    struct = struct_pb2.Struct()
    struct.update(d)
    return struct.SerializeToString()


structs = st.dictionaries(st.text(max_size=6), json_values, max_size=5).map(_serialized)
wire_inputs = st.one_of(
    structs,
    st.tuples(structs, structs).map(b"".join),  # protobuf merges: the later key wins
    st.tuples(structs, st.integers(0, 200)).map(lambda t: t[0][: t[1]]),  # truncated
    st.tuples(structs, st.binary(max_size=12)).map(b"".join),  # trailing junk
    st.binary(max_size=80),
    st.sampled_from([
        b"\x0a\x05\x0a\x01a\x12\x00",  # an entry whose Value has no kind
        b"\x0a\x02\x12\x00",  # an entry without a key
        b"\x0a\x0b\x0a\x01a\x12\x06\x08\x00\x20\x01",  # a Value with two kinds
        b"\x0a\x0b\x0a\x01a\x0a\x01b\x12\x02\x20\x01",  # a key given twice
        b"\x0a\x0e\x0a\x01a\x12\x09\x11" + b"\x00" * 6 + b"\xf8\x7f",  # NaN
        b"\x0a\x0e\x0a\x01a\x12\x09\x11" + b"\x00" * 6 + b"\xf0\x7f",  # infinity
        b"\x0a\x08\x0a\x01a\x12\x03\x1a\x01\xff",  # a string that is not UTF-8
        b"\x0a\x08\x0a\x01a\x12\x03\x08\x05\x00",  # null_value 5 (an unknown enum value)
        b"\x0a\x07\x0a\x01a\x12\x02\x20\x07",  # bool_value 7
        b"\x0a\x09\x0a\x01a\x12\x04\x32\x02\x08\x00",  # a ListValue with a bad item
        b"\x0a\x07\x0a\x01a\x12\x02\x10\x01",  # number_value as a varint
        b"\x12\x00",  # an unknown field in the Struct
    ]),
)  # fmt: skip


def _protobuf(data: bytes) -> Any:
    try:
        return json_format.MessageToDict(struct_pb2.Struct.FromString(data))
    except (DecodeError, ValueError) as error:
        return type(error)


@FUZZ
@given(wire_inputs)
def test_the_struct_wire_reader_matches_protobuf(data: bytes) -> None:
    try:
        got = _wire.struct(memoryview(data))
    except _wire.Unusual:
        return  # left to protobuf
    assert got == _protobuf(data)


@FUZZ
@given(wire_inputs)
def test_decode_struct_is_the_same_either_way(data: bytes) -> None:
    original = _payloads.LARGE_STRUCT
    _payloads.LARGE_STRUCT = 0  # every Struct through the wire reader first
    try:
        fast: Any = _payloads.decode_struct(memoryview(data))
    except (DecodeError, ValueError) as error:
        fast = type(error)
    finally:
        _payloads.LARGE_STRUCT = original
    assert fast == _protobuf(data)


def test_it_reads_the_common_shapes_itself() -> None:
    d = {"generateVideoResponse": {"generatedSamples": [{"video": {"encodedVideo": "AAAA", "encoding": "video/mp4"}}]},
         "n": 1.5, "t": True, "z": None, "l": [1.0, "x", [], {}], "": "empty key"}  # fmt: skip
    assert _wire.struct(memoryview(_serialized(d))) == d
    nested: dict[str, Any] = {}
    for _ in range(_wire.MAX_STRUCT_DEPTH + 2):
        nested = {"a": nested}
    try:
        _wire.struct(memoryview(_serialized(nested)))
    except _wire.Unusual:
        pass
    else:
        raise AssertionError("nesting past MAX_STRUCT_DEPTH must be left to protobuf")


@st.composite
def video_structs(draw: st.DrawFn) -> bytes:
    """Gemini- and Vertex-shaped video responses, some with odd values where text should be."""
    odd = st.one_of(
        st.text(max_size=8),
        st.just(""),
        st.floats(allow_nan=False, allow_infinity=False),
        st.none(),
        st.lists(st.text(max_size=3), max_size=2),
        st.just("QUJD"),
        st.just("not base64!"),
    )
    sample = st.fixed_dictionaries(
        {"video": st.fixed_dictionaries({}, optional={"encodedVideo": odd, "encoding": odd, "uri": odd})},
        optional={"generationSeed": odd},
    )
    gemini = st.fixed_dictionaries(
        {
            "generateVideoResponse": st.fixed_dictionaries(
                {"generatedSamples": st.lists(sample, max_size=3)},
                optional={"raiMediaFilteredCount": odd, "raiMediaFilteredReasons": st.lists(odd, max_size=3)},
            )
        }
    )
    vertex = st.fixed_dictionaries(
        {
            "videos": st.lists(
                st.fixed_dictionaries({}, optional={"bytesBase64Encoded": odd, "mimeType": odd, "gcsUri": odd}),
                max_size=3,
            )
        }
    )
    return _serialized(draw(st.one_of(gemini, vertex, st.dictionaries(st.text(max_size=6), json_values, max_size=3))))


@FUZZ
@example(  # a reason that is a list holding a string: found by this test
    data=b"\nZ\n\x15generateVideoResponse\x12A*?\n%\n\x17raiMediaFilteredReasons\x12\n2\x08\n\x062\x04\n"
    b"\x02\x1a\x00\n\x16\n\x10generatedSamples\x12\x022\x00",
    cls=None,
)
@given(
    st.one_of(video_structs(), wire_inputs),
    st.sampled_from([None, types.GenerateVideosOperation, types.ImportFileOperation]),
)
def test_large_struct_responses_decode_as_protobuf_would(data: bytes, cls: Any) -> None:
    """A typed operation's Struct response read with its strings left on the wire (every
    size threshold at 0) becomes the same snapshot as protobuf's path gives."""
    pb = operations_pb2.Operation(name="models/veo/operations/1", done=True)
    pb.response.type_url, pb.response.value = "type.googleapis.com/google.protobuf.Struct", data
    expected = _convert.to_operation(pb, cls)
    repr(expected)  # decoded now, with the usual thresholds (snapshots decode on first read)
    saved = _payloads.LARGE_STRUCT, _convert.LARGE_STRING
    _payloads.LARGE_STRUCT, _convert.LARGE_STRING = 0, 0
    try:
        got = _convert.to_operation(pb, cls)
        repr(got)  # decoded inside, with every threshold at 0
    finally:
        _payloads.LARGE_STRUCT, _convert.LARGE_STRING = saved
    assert got == expected
