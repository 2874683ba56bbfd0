"""Just enough of the protobuf wire format to read a video response with one copy of its bytes.

protobuf's Python parser copies a bytes field twice on the way out (into its arena, then into
a Python bytes object), which for a 64 MiB video puts four copies in memory at once. Reading
the fields off a memoryview of the Any's value instead leaves one. Pure code.

`spans` also lets a large google.longrunning.Operation answer be split: its small fields
parsed by protobuf, its response read from the wire bytes (see _large.parse_operation).
`struct` reads a google.protobuf.Struct (a Gemini API video comes base64 in one) into the
dict json_format.MessageToDict makes, without protobuf's arena copy of its strings.

The reader handles only the plain shape genai_grpc's own messages take; anything else
(unknown fields, other wire types, a singular message field repeated) raises Unusual and
the caller lets protobuf decode it, so results never differ from protobuf's.
"""

from __future__ import annotations

import math
import struct as _struct
from collections.abc import Iterator
from typing import Any

VARINT, I64, LEN = 0, 1, 2
#: Deeper Structs are left to protobuf, which has its own recursion limit.
MAX_STRUCT_DEPTH = 64
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
    for number, _, value, start, end in _scan(buf, fixed64=False):
        yield number, value, start, end


def _scan(buf: memoryview, fixed64: bool) -> Iterator[tuple[int, int, Value, int, int]]:
    """(number, wire type, value, start, end) of each field; fixed64 values (8-byte
    memoryviews) only when asked for, else they are Unusual like other wire types."""
    pos, end = 0, len(buf)
    while pos < end:
        start = pos
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise Unusual
        if wire == VARINT:
            value, pos = _varint(buf, pos)
            yield number, wire, value, start, pos
        elif wire == LEN or (wire == I64 and fixed64):
            size = 8
            if wire == LEN:
                size, pos = _varint(buf, pos)
            if pos + size > end:
                raise Unusual
            yield number, wire, buf[pos : pos + size], start, pos + size
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


def _typed_fields(buf: memoryview) -> Iterator[tuple[int, int, Any]]:
    """(field number, wire type, value), fixed64 values included."""
    for number, wire, value, _, _ in _scan(buf, fixed64=True):
        yield number, wire, value


def struct(buf: memoryview, depth: int = 0, views_from: int | None = None) -> dict[str, Any]:
    """A google.protobuf.Struct's fields as MessageToDict returns them; Unusual for anything
    but the plain encoding (unknown fields, a field repeated inside an entry or a Value,
    NaN or infinity, bad UTF-8, nesting past MAX_STRUCT_DEPTH).

    With `views_from`, ASCII string values at least that long stay memoryviews of `buf`
    (for a caller that decodes base64 from them, with no str copy of the text)."""
    if depth > MAX_STRUCT_DEPTH:
        raise Unusual
    out: dict[str, Any] = {}
    for number, wire, entry in _typed_fields(buf):
        if (number, wire) != (1, LEN):
            raise Unusual
        key: str | None = None
        value: Any = None
        seen: set[int] = set()
        for field, field_wire, content in _typed_fields(entry):
            if field in seen or field_wire != LEN or field not in (1, 2):
                raise Unusual
            seen.add(field)
            if field == 1:
                key = text(content)
            else:
                value = _value(content, depth, views_from)
        out["" if key is None else key] = value  # protobuf's map: the last entry of a key wins
    return out


def _value(buf: memoryview, depth: int, views_from: int | None) -> Any:
    kinds = list(_typed_fields(buf))
    if not kinds:
        return None
    if len(kinds) > 1:
        raise Unusual
    ((number, wire, content),) = kinds
    if (number, wire) in ((1, VARINT),):  # null_value
        return None
    if (number, wire) == (2, I64):
        (number_value,) = _struct.unpack("<d", content)
        if not math.isfinite(number_value):
            raise Unusual  # MessageToDict refuses it: protobuf's path decides
        return number_value
    if (number, wire) == (3, LEN):
        if views_from is not None and len(content) >= views_from and _ascii(content):
            return content
        return text(content)
    if (number, wire) == (4, VARINT):
        return bool(content)
    if (number, wire) == (5, LEN):
        return struct(content, depth + 1, views_from)
    if (number, wire) == (6, LEN):
        return [
            _list_item(item, item_wire, field, depth, views_from) for field, item_wire, item in _typed_fields(content)
        ]
    raise Unusual


def _list_item(item: Any, wire: int, field: int, depth: int, views_from: int | None) -> Any:
    if (field, wire) != (1, LEN):
        raise Unusual
    return _value(item, depth + 1, views_from)


def _ascii(view: memoryview) -> bool:
    step = 1 << 20  # small copies, one at a time
    return all(view[i : i + step].tobytes().isascii() for i in range(0, len(view), step))
