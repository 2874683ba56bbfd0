"""Large Operation answers carrying a video: kept as wire bytes until `to_operation` decodes them.

protobuf would copy the video into its arena while grpc still holds the message's own
buffers; reading the answer's response off the wire bytes instead leaves one copy, made
after grpc has let go of them (RELIABILITY.md, "Big payloads"). Which responses qualify is
the registry's `Kind.large`. Pure code.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import DecodeError

from genai_grpc import _kinds, _payloads, _wire
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._payloads import type_name

#: An Operation answer at least this large is looked at for a video before protobuf parses it.
LARGE_ANSWER = 1 << 20


class LargeOperation:
    """A large google.longrunning.Operation answer whose response (a kind's `large` message,
    or a google.protobuf.Struct in a video's JSON shape) is still wire bytes.

    `pb` is the Operation without its response (protobuf-parsed), `value` a view of the
    response's bytes in `data`. `name` and `done` are pb's; equal when the bytes are.
    Interceptors see this object, not an Operation, for such answers.
    """

    __slots__ = ("pb", "type_url", "value", "data")

    def __init__(self, pb: operations_pb2.Operation, type_url: str, value: memoryview, data: bytes) -> None:
        self.pb, self.type_url, self.value, self.data = pb, type_url, value, data

    @property
    def name(self) -> str:
        return str(self.pb.name)

    @property
    def done(self) -> bool:
        return bool(self.pb.done)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LargeOperation) and self.data == other.data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LargeOperation(name={self.name!r}, done={self.done}, <{len(self.data)} bytes>)"


def parse_operation(data: bytes) -> Any:
    """grpc's response deserializer for the RPCs that answer an Operation (Get, Wait, Vertex
    AI's FetchPredictOperation): Operation.FromString, except that a large answer carrying
    a response the registry reads lazily becomes a LargeOperation. Raises what FromString
    raises."""
    if len(data) < LARGE_ANSWER:
        return _from_string(data)
    try:
        return _large_operation(data)
    except _wire.Unusual:
        return _from_string(data)


_from_string = operations_pb2.Operation.FromString


def _large_operation(data: bytes) -> LargeOperation:
    response: tuple[memoryview, int, int] | None = None
    for number, value, start, end in _wire.spans(memoryview(data)):
        if number == 4 or (number == 5 and response is not None):
            raise _wire.Unusual  # an error too, or two responses: protobuf's rules decide
        if number == 5:
            response = (_wire.chunk(value), start, end)
    if response is None:
        raise _wire.Unusual
    any_bytes, start, end = response
    type_url, value = "", memoryview(b"")
    for number, field in _wire.fields(any_bytes):
        if number == 1:
            type_url = _wire.text(field)
        elif number == 2:
            value = _wire.chunk(field)
        else:
            raise _wire.Unusual
    name = type_name(type_url)
    if not (_kinds.is_large(name) or name == _payloads.STRUCT):  # a Struct: a JSON-shaped video
        raise _wire.Unusual
    try:
        pb = operations_pb2.Operation.FromString(data[:start] + data[end:])
    except DecodeError:
        raise _wire.Unusual from None
    return LargeOperation(pb, type_url, value, data)
