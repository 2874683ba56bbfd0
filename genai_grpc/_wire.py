"""Just enough of the protobuf wire format to read a video response with one copy of its bytes.

protobuf's Python parser copies a bytes field twice on the way out (into its arena, then into
a Python bytes object), which for a 64 MiB video puts four copies in memory at once. Reading
the fields off a memoryview of the Any's value instead leaves one. Pure code.

`spans` also lets a large google.longrunning.Operation answer be split: its small fields
parsed by protobuf, its response read from the wire bytes (see _large.parse_operation).

The reader handles only the plain shape genai_grpc's own messages take; anything else
(unknown fields, other wire types, a singular message field repeated) raises Unusual and
the caller lets protobuf decode it, so results never differ from protobuf's.
"""

from __future__ import annotations

from collections.abc import Iterator

VARINT, LEN = 0, 2
_U64 = 1 << 64

Value = int | memoryview


class Unusual(Exception):
    """Not the plain shape this reader takes: decode with protobuf instead."""


def _varint(buf: memoryview, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(buf):
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if result >= _U64:
                raise Unusual
            return result, pos
        shift += 7
        if shift > 63:
            raise Unusual
    raise Unusual


def spans(buf: memoryview) -> Iterator[tuple[int, Value, int, int]]:
    """(field number, value, start, end) of each field: the value is an int for a varint, a
    memoryview slice (no copy) for a length-delimited field; buf[start:end] is the field
    with its key."""
    pos, end = 0, len(buf)
    while pos < end:
        start = pos
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Unusual
        if wire == VARINT:
            value, pos = _varint(buf, pos)
            yield number, value, start, pos
        elif wire == LEN:
            size, pos = _varint(buf, pos)
            if pos + size > end:
                raise Unusual
            yield number, buf[pos : pos + size], start, pos + size
            pos += size
        else:
            raise Unusual


def fields(buf: memoryview) -> Iterator[tuple[int, Value]]:
    """(field number, value) of each field, as `spans` reads them."""
    for number, value, _, _ in spans(buf):
        yield number, value


def chunk(value: Value) -> memoryview:
    """A length-delimited field (bytes or a message); Unusual for a varint."""
    if not isinstance(value, memoryview):
        raise Unusual
    return value


def signed(value: Value, bits: int) -> int:
    """A varint as protobuf's int32 / int64 reads it (two's complement, truncated)."""
    if not isinstance(value, int):
        raise Unusual
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def text(value: Value) -> str:
    """A proto3 string field: UTF-8, or Unusual (protobuf rejects the message)."""
    try:
        return str(chunk(value), "utf-8")
    except UnicodeDecodeError:
        raise Unusual from None
