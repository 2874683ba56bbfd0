"""google.longrunning.Operation -> a typed snapshot: its class, payloads and error.

Pure code: no I/O, no grpc. Decoding never raises for what a server sent: a payload that
cannot be decoded is kept as UnknownPayload and the operation is still returned. Which class
and which decoder come from the registry of operation kinds (`_kinds`); the decoders
themselves are in `_payloads`, large answers in `_large`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from functools import partial
from types import MemberDescriptorType
from typing import Any, TypeVar, overload

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

from genai_grpc import _kinds, _payloads, _wire
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._kinds import _BY_HEAD, _BY_URL, _BY_WIRE, Decoder
from genai_grpc._large import LargeOperation
from genai_grpc._large import parse_operation as parse_operation  # noqa: PLC0414  _channel's deserializer
from genai_grpc._payloads import type_name
from genai_grpc.types import Operation, OperationError, UnknownPayload, _Snapshot

#: Decoders for any kind's payloads, besides each kind's own messages (`_kinds`).
_RESPONSES: dict[str, Decoder] = {_payloads.STRUCT: _payloads.decode_struct}
_METADATA: dict[str, Decoder] = {
    _payloads.METADATA: _payloads.decode_operation_metadata,
    _payloads.STRUCT: _payloads.decode_struct,
}

#: Well-known types with a special JSON form, which an Any shows under "value".
_WELL_KNOWN_JSON = frozenset(
    f"google.protobuf.{n}"
    for n in (
        "Any Duration Timestamp FieldMask Struct Value ListValue DoubleValue FloatValue "
        "Int64Value UInt64Value Int32Value UInt32Value BoolValue StringValue BytesValue"
    ).split()
)


def _response_decoder(name: str) -> Decoder | None:
    kind = _kinds.of_wire(name)
    return kind.wire[name] if kind is not None else _RESPONSES.get(name)


def _metadata_decoder(name: str) -> Decoder | None:
    return _METADATA.get(name) or _kinds.metadata_decoder(name)


def _default_pool_json(name: str, value: bytes) -> dict[str, Any] | None:
    """A message the process knows (any imported _pb2 module) -> its JSON form with @type."""
    from google.protobuf import json_format

    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(name)
    except KeyError:
        return None
    message: Message = message_factory.GetMessageClass(descriptor).FromString(value)
    out: dict[str, Any] = {"@type": f"type.googleapis.com/{name}"}
    body = json_format.MessageToDict(message)
    if name in _WELL_KNOWN_JSON or not isinstance(body, dict):
        out["value"] = body  # proto3 JSON of an Any holding a well-known type
    else:
        out.update(body)
    return out


def _decode(decoder: Decoder | None, type_url: str, value: bytes) -> tuple[Any, UnknownPayload | None]:
    try:
        if decoder is not None:
            return decoder(value), None
        known = _default_pool_json(type_name(type_url), value)
        if known is not None:
            return known, None
    except (DecodeError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        pass
    return None, UnknownPayload(type_url=type_url, value=bytes(value))


# -- errors ----------------------------------------------------------------------------------


def detail_to_dict(type_url: str, value: bytes) -> dict[str, Any]:
    """One google.rpc.Status detail -> its JSON form with "@type"; unknown types keep bytes."""
    import google.rpc.error_details_pb2  # noqa: F401  registers ErrorInfo, RetryInfo, ...

    try:
        known = _default_pool_json(type_name(type_url), value)
    except (DecodeError, ValueError, TypeError, KeyError, RecursionError):
        known = None
    if known is not None:
        known["@type"] = type_url
        return known
    return {"@type": type_url, "value": base64.b64encode(value).decode("ascii")}


def details_to_dicts(details: Iterable[Any]) -> tuple[dict[str, Any], ...]:
    """google.protobuf.Any details (any pool) -> JSON-form dicts, in order, none dropped."""
    return tuple(detail_to_dict(d.type_url, d.value) for d in details)


def operation_error(status: Any) -> OperationError:
    """google.rpc.Status (any pool) -> the OperationError a failed operation carries."""
    details = details_to_dicts(status.details) if status.details else ()
    return OperationError(code=status.code, message=status.message, details=details)


# -- snapshots -------------------------------------------------------------------------------


def _response(cls: type[Operation], type_url: str, value: Any) -> tuple[Any, UnknownPayload | None]:
    """Decode a response for `cls`; what does not fit the class's response type stays raw."""
    kind = _kinds.of_class(cls)
    viewed = _large_struct(type_url, value) if kind is not None else None
    response: Any
    raw: UnknownPayload | None
    if viewed is not None:
        response, raw = viewed, None
    else:
        response, raw = _decode(_response_decoder(type_name(type_url)), type_url, value)
    if kind is not None and response is not None:
        if isinstance(response, dict):
            response = kind.from_json(response)
        if not isinstance(response, kind.response):
            response = None
    if response is None and raw is None:
        raw = UnknownPayload(type_url=type_url, value=bytes(value))
    return response, raw


#: In a large Struct response of a typed operation, a string at least this long is decoded
#: from the wire bytes.
LARGE_STRING = 1 << 16


def _large_struct(type_url: str, value: Any) -> dict[str, Any] | None:
    """A large Struct response of a typed operation, its long ASCII strings left as views of
    the wire bytes: the typed converter decodes a base64 video straight from them (the dict
    itself never leaves _response). None: decode it the usual way."""
    if type_name(type_url) != _payloads.STRUCT or len(value) < _payloads.LARGE_STRUCT:
        return None
    try:
        return _wire.struct(memoryview(value), views_from=LARGE_STRING)
    except _wire.Unusual:
        return None


OperationT = TypeVar("OperationT", bound=Operation)
_GROUPS = (("error",), ("response", "raw_response"), ("metadata", "raw_metadata"))
_put = object.__setattr__  # how a frozen snapshot's own code fills its slots
_new = object.__new__
#: _put for the one slot no subclass can have a copy of, without the attribute lookup.
_set_pending = _Snapshot.__dict__["_pending"].__set__


def load(op: Operation, pb: Any, attr: str) -> None:
    """Decode the group of payload fields `attr` belongs to from `pb`, the answer `op` was
    made from, into `op`'s slots; `Operation.__getattr__` calls this on the first read.

    The values are what an eager decode gives. Once every group is in, `op` lets go of `pb`.
    Two threads reading at once may both decode; they store equal values.
    """
    which = pb.WhichOneof("result")
    if attr == "error":
        _put(op, "error", operation_error(pb.error) if which == "error" else None)
    elif attr in ("response", "raw_response"):
        response = raw = None
        if which == "response":
            response, raw = _response(type(op), pb.response.type_url, pb.response.value)
        _put(op, "response", response)
        _put(op, "raw_response", raw)
    else:
        metadata = raw = None
        if pb.HasField("metadata"):
            metadata_url = pb.metadata.type_url
            metadata, raw = _decode(_metadata_decoder(type_name(metadata_url)), metadata_url, pb.metadata.value)
        _put(op, "metadata", metadata)
        _put(op, "raw_metadata", raw)
    for group in _GROUPS:
        try:
            object.__getattribute__(op, group[0])
        except AttributeError:
            return
    _put(op, "_pending", None)


def detached(pb: operations_pb2.Operation) -> operations_pb2.Operation:
    """A copy of `pb` of its own: an operation inside a ListOperations page would keep the
    whole page alive until its snapshot has read every payload."""
    copy = operations_pb2.Operation()
    copy.CopyFrom(pb)
    return copy


@overload
def to_operation(pb: operations_pb2.Operation, cls: type[OperationT]) -> OperationT: ...
@overload
def to_operation(pb: operations_pb2.Operation, cls: None = None) -> Operation: ...
def to_operation(pb: Any, cls: type[Operation] | None = None) -> Operation:
    """google.longrunning.Operation (or a LargeOperation) -> a typed snapshot; `cls` None
    means infer it. Its error, response and metadata are decoded when first read (`load`);
    a LargeOperation's response at once, so that the answer's bytes can go."""
    if type(pb) is LargeOperation:  # isinstance would ask a protobuf message for __class__
        return _large_snapshot(pb, cls)
    name = pb.name
    done = pb.done
    if cls is None:
        # _kinds.class_for(name, response type, done), its common cases inline: every get()
        # and poll comes through here (BENCHMARKS.md, "The cost of a look").
        kind = None
        if done:
            type_url = pb.response.type_url
            if type_url:
                kind = _BY_URL.get(type_url) or _BY_WIRE.get(type_url.rpartition("/")[2])
        if kind is not None:
            cls = kind.operation
        else:
            head, _, tail = name.rpartition("/")
            cls = (_BY_HEAD.get(head) if head and tail else None) or _kinds.class_for(name)
            if cls is Operation and not done and pb.HasField("response"):
                cls = _kinds.class_for(name, type_name(pb.response.type_url), done)
    try:
        set_name, set_done = _SLOTS[cls]
    except KeyError:
        set_name, set_done = _slot_setters(cls)
    op = _new(cls)
    set_name(op, name)
    set_done(op, done)
    _set_pending(op, pb)
    return op


_SLOTS: dict[type[Operation], tuple[Callable[[Any, Any], None], ...]] = {}


def _slot_setters(cls: type[Operation]) -> tuple[Callable[[Any, Any], None], ...]:
    """Setters of `cls`'s name and done: its slots' own (each ~0.7k instructions less than
    _put, which looks the attribute up; counted), found on `cls` itself since dataclasses
    before Python 3.11 give each subclass slots of its own."""
    _SLOTS[cls] = setters = (_slot_setter(cls, "name"), _slot_setter(cls, "done"))
    return setters


def _slot_setter(cls: type[Operation], field: str) -> Callable[[Any, Any], None]:
    slot = getattr(cls, field, None)
    if isinstance(slot, MemberDescriptorType):
        return slot.__set__
    return partial(_put_field, field)


def _put_field(field: str, op: Any, value: Any) -> None:
    _put(op, field, value)


def _large_snapshot(large: LargeOperation, cls: type[Operation] | None) -> Operation:
    base = large.pb
    if cls is None:
        type_url = large.type_url
        cls = _kinds.class_for(base.name, type_name(type_url) if type_url else "", base.done)
    op = cls.__new__(cls)
    _put(op, "name", base.name)
    _put(op, "done", base.done)
    _put(op, "_pending", base)
    response, raw_response = _response(cls, large.type_url, large.value)
    _put(op, "response", response)
    _put(op, "raw_response", raw_response)
    return op
