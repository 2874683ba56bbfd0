"""Protobuf -> typed Python: google.longrunning.Operation, google.rpc.Status and Any payloads.

Pure code: no I/O, no grpc. Decoding never raises for what a server sent: a payload that
cannot be decoded is kept as UnknownPayload and the operation is still returned.
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from typing import Any, Callable, Iterable, TypeVar, overload

from google.protobuf import descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.message import DecodeError, Message

from genai_grpc import _google_wire, _shapes, _wire
from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.types import (
    GenerateVideosOperation,
    GenerateVideosResponse,
    GeneratedVideo,
    ImportFileOperation,
    ImportFileResponse,
    Operation,
    OperationError,
    UnknownPayload,
    UploadToFileSearchStoreOperation,
    UploadToFileSearchStoreResponse,
    Video,
)

Decoder = Callable[[bytes], Any]
_STRUCT = "google.protobuf.Struct"
_OPERATION_CLASSES: tuple[type[Operation], ...] = (
    GenerateVideosOperation,
    ImportFileOperation,
    UploadToFileSearchStoreOperation,
)
_NAME_RULES: tuple[tuple[re.Pattern[str], type[Operation]], ...] = (
    (re.compile(r"^(?:.+/)?models/[^/]+/operations/[^/]+$"), GenerateVideosOperation),
    (re.compile(r"^fileSearchStores/[^/]+/upload/operations/[^/]+$"), UploadToFileSearchStoreOperation),
    (re.compile(r"^fileSearchStores/[^/]+/operations/[^/]+$"), ImportFileOperation),
)  # fmt: skip
#: Google's published messages that hold a video response (see _google_wire).
_GOOGLE_VIDEO_RESPONSES = frozenset({_google_wire.GEMINI_RESPONSE, _google_wire.VERTEX_RESPONSE})


def type_name(type_url: str) -> str:
    """The full message name in an Any type URL ("type.googleapis.com/a.B" -> "a.B")."""
    return type_url.rpartition("/")[2]


# -- payload decoders ----------------------------------------------------------------------


def _video(pb: types_pb2.Video) -> Video:
    return Video(data=pb.data or None, mime_type=pb.mime_type or None, uri=pb.uri or None)


def _generated_video(pb: types_pb2.GeneratedVideo) -> GeneratedVideo:
    seed = pb.generation_seed if pb.HasField("generation_seed") else None
    return GeneratedVideo(video=_video(pb.video) if pb.HasField("video") else None, generation_seed=seed)


def decode_videos_response(value: bytes) -> GenerateVideosResponse:
    """genai_grpc.v1.GenerateVideosResponse bytes -> GenerateVideosResponse.

    Read off the wire directly (one copy of each video's bytes) when the message has the
    plain shape; protobuf decodes anything else. DecodeError for what protobuf rejects.
    """
    try:
        return _videos_from_wire(memoryview(value))
    except _wire.Unusual:
        return videos_by_protobuf(value)


def _videos_from_wire(buf: memoryview) -> GenerateVideosResponse:
    videos, count, reasons = [], None, []
    for number, value in _wire.fields(buf):
        if number == 1:
            videos.append(_generated_video_from_wire(_wire.chunk(value)))
        elif number == 2:
            count = _wire.signed(value, 32)
        elif number == 3:
            reasons.append(_wire.text(value))
        else:
            raise _wire.Unusual
    return GenerateVideosResponse(
        generated_videos=tuple(videos), rai_media_filtered_count=count,
        rai_media_filtered_reasons=tuple(reasons) or None,
    )  # fmt: skip


def _generated_video_from_wire(buf: memoryview) -> GeneratedVideo:
    video, seed = None, None
    for number, value in _wire.fields(buf):
        if number == 1 and video is None:  # protobuf would merge a repeat into the first
            video = _video_from_wire(_wire.chunk(value))
        elif number == 2:
            seed = _wire.signed(value, 64)
        else:
            raise _wire.Unusual
    return GeneratedVideo(video=video, generation_seed=seed)


def _video_from_wire(buf: memoryview) -> Video:
    data: memoryview | None = None
    mime_type = uri = ""
    for number, value in _wire.fields(buf):
        if number == 1:
            data = _wire.chunk(value)  # copied once, below: the last one wins
        elif number == 2:
            mime_type = _wire.text(value)
        elif number == 3:
            uri = _wire.text(value)
        else:
            raise _wire.Unusual
    return Video(data=bytes(data) if data else None, mime_type=mime_type or None, uri=uri or None)


def videos_by_protobuf(value: bytes) -> GenerateVideosResponse:
    """decode_videos_response by protobuf's parser (the reference the wire reader matches)."""
    pb = types_pb2.GenerateVideosResponse.FromString(value)
    count = pb.rai_media_filtered_count if pb.HasField("rai_media_filtered_count") else None
    return GenerateVideosResponse(
        generated_videos=tuple(_generated_video(v) for v in pb.generated_videos),
        rai_media_filtered_count=count,
        rai_media_filtered_reasons=tuple(pb.rai_media_filtered_reasons) or None,
    )


def _import_response(value: bytes) -> ImportFileResponse:
    pb = types_pb2.ImportFileResponse.FromString(value)
    return ImportFileResponse(parent=pb.parent or None, document_name=pb.document_name or None)


def _upload_response(value: bytes) -> UploadToFileSearchStoreResponse:
    pb = types_pb2.UploadToFileSearchStoreResponse.FromString(value)
    return UploadToFileSearchStoreResponse(
        parent=pb.parent or None,
        document_name=pb.document_name or None,
        mime_type=pb.mime_type or None,
        size_bytes=pb.size_bytes or None,
    )


def _timestamp(pb: Any) -> str:
    return _rfc3339(pb.seconds, pb.nanos)


@lru_cache(maxsize=16384)
def _rfc3339(seconds: int, nanos: int) -> str:
    # Cached: polls repeat the same create time, and formatting costs 20x a cache hit.
    return str(timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos).ToJsonString())


def decode_operation_metadata(value: bytes) -> dict[str, Any]:
    """genai_grpc.v1.OperationMetadata -> its JSON form (a new dict each time)."""
    return dict(_operation_metadata(bytes(value)))


@lru_cache(maxsize=1024)
def _operation_metadata(value: bytes) -> dict[str, Any]:
    # Cached: a running operation answers the same bytes until its progress moves, and
    # decoding costs ~8 us per poll in a real client loop (callers get a copy: dicts are mutable).
    # By hand: json_format is 10x slower.
    pb = types_pb2.OperationMetadata.FromString(value)
    out: dict[str, Any] = {"@type": "type.googleapis.com/genai_grpc.v1.OperationMetadata"}
    if pb.HasField("create_time"):
        out["createTime"] = _timestamp(pb.create_time)
    if pb.HasField("update_time"):
        out["updateTime"] = _timestamp(pb.update_time)
    out["progressPercent"] = pb.progress_percent
    if pb.verb:
        out["verb"] = pb.verb
    if pb.target:
        out["target"] = pb.target
    if pb.cancel_requested:
        out["cancelRequested"] = True
    return out


def decode_struct(value: bytes) -> dict[str, Any]:
    from google.protobuf import json_format, struct_pb2

    result: dict[str, Any] = json_format.MessageToDict(struct_pb2.Struct.FromString(value))
    return result


_RESPONSES: dict[str, Decoder] = {
    "genai_grpc.v1.GenerateVideosResponse": decode_videos_response,
    "genai_grpc.v1.ImportFileResponse": _import_response,
    "genai_grpc.v1.UploadToFileSearchStoreResponse": _upload_response,
    _google_wire.GEMINI_RESPONSE: _google_wire.decode_gemini_response,
    _google_wire.VERTEX_RESPONSE: _google_wire.decode_vertex_response,
    _STRUCT: decode_struct,
}
_METADATA: dict[str, Decoder] = {
    "genai_grpc.v1.OperationMetadata": decode_operation_metadata,
    _google_wire.GEMINI_METADATA: _google_wire.decode_gemini_metadata,
    _STRUCT: decode_struct,
}


def register_response(name: str, decoder: Decoder) -> None:
    """Decode responses whose Any carries message `name` (e.g. "my.pkg.Result") with `decoder`.

    `decoder` takes the Any's serialized bytes. Register before polling; later entries win.
    """
    _check_registration(name, decoder)
    _RESPONSES[name] = decoder


def register_metadata(name: str, decoder: Callable[[bytes], dict[str, Any]]) -> None:
    """Decode metadata whose Any carries message `name` with `decoder` (returns a dict)."""
    _check_registration(name, decoder)
    _METADATA[name] = decoder


def _check_registration(name: object, decoder: object) -> None:
    if not isinstance(name, str) or not name or "/" in name:
        raise ValueError(f"message name must be a full proto name like 'my.pkg.Result', got {name!r}")
    if not callable(decoder):
        raise TypeError(f"decoder must be callable, got {type(decoder).__name__}")


#: Well-known types with a special JSON form, which an Any shows under "value".
_WELL_KNOWN_JSON = frozenset(
    f"google.protobuf.{n}"
    for n in ("Any Duration Timestamp FieldMask Struct Value ListValue DoubleValue FloatValue "
              "Int64Value UInt64Value Int32Value UInt32Value BoolValue StringValue BytesValue").split()
)


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


def _decode(table: dict[str, Decoder], type_url: str, value: bytes) -> tuple[Any, UnknownPayload | None]:
    name = type_name(type_url)
    decoder = table.get(name)
    try:
        if decoder is not None:
            return decoder(value), None
        known = _default_pool_json(name, value)
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


def to_error(status: Any) -> OperationError:
    """google.rpc.Status (any pool) -> OperationError."""
    details = details_to_dicts(status.details) if status.details else ()
    return OperationError(code=status.code, message=status.message, details=details)


# -- operations ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def class_for(name: str, response_type_url: str = "") -> type[Operation]:
    """Which Operation class a name (and response type, when there is one) calls for."""
    # Cached: the same names are polled again and again, and the name rules are regexes.
    if response_type_url:
        response_name = type_name(response_type_url)
        if response_name in _GOOGLE_VIDEO_RESPONSES:
            return GenerateVideosOperation
        for cls in _OPERATION_CLASSES:
            if cls.response_type == response_name:
                return cls
    for pattern, cls in _NAME_RULES:
        if pattern.match(name):
            return cls
    return Operation


_TYPED: dict[type[Operation], tuple[type, Callable[[dict[str, Any]], Any]]] = {
    GenerateVideosOperation: (GenerateVideosResponse, _shapes.videos_from_json),
    ImportFileOperation: (ImportFileResponse, _shapes.import_from_json),
    UploadToFileSearchStoreOperation: (UploadToFileSearchStoreResponse, _shapes.upload_from_json),
}


def _response(cls: type[Operation], type_url: str, value: Any) -> tuple[Any, UnknownPayload | None]:
    """Decode a response for `cls`; what does not fit the class's response type stays raw."""
    response, raw = _decode(_RESPONSES, type_url, value)
    typed = _TYPED.get(cls)
    if typed is not None and response is not None:
        expected, from_json = typed
        if isinstance(response, dict):
            response = from_json(response)
        if not isinstance(response, expected):
            response = None
    if response is None and raw is None:
        raw = UnknownPayload(type_url=type_url, value=bytes(value))
    return response, raw


# -- large answers ---------------------------------------------------------------------------

#: An Operation answer at least this large is looked at for a video before protobuf parses it.
LARGE_ANSWER = 1 << 20
_VIDEOS = "genai_grpc.v1.GenerateVideosResponse"
#: The responses a large answer is read for, with the wire-reading decoder each needs.
_LARGE: dict[str, Decoder] = {
    _VIDEOS: decode_videos_response,
    _google_wire.GEMINI_RESPONSE: _google_wire.decode_gemini_response,
}


class LargeOperation:
    """A large google.longrunning.Operation answer carrying a video response (genai_grpc's
    GenerateVideosResponse or the Gemini API's PredictLongRunningResponse), kept as wire
    bytes until to_operation decodes it.

    protobuf would copy the video into its arena while grpc still holds the message's own
    buffers; this way the only copy is made by to_operation, after grpc has let go of them.
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
    a video response (see _LARGE) becomes a LargeOperation. Raises what FromString raises."""
    if len(data) >= LARGE_ANSWER:
        try:
            return _large_operation(data)
        except _wire.Unusual:
            pass
    return operations_pb2.Operation.FromString(data)


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
    if name not in _LARGE or _RESPONSES.get(name) is not _LARGE[name]:
        raise _wire.Unusual  # not a video, or a registered decoder that wants protobuf's bytes
    try:
        pb = operations_pb2.Operation.FromString(data[:start] + data[end:])
    except DecodeError:
        raise _wire.Unusual from None
    return LargeOperation(pb, type_url, value, data)


# -- snapshots -------------------------------------------------------------------------------

OperationT = TypeVar("OperationT", bound=Operation)


@overload
def to_operation(pb: operations_pb2.Operation, cls: type[OperationT]) -> OperationT: ...
@overload
def to_operation(pb: operations_pb2.Operation, cls: None = None) -> Operation: ...
def to_operation(pb: operations_pb2.Operation, cls: type[Operation] | None = None) -> Operation:
    """google.longrunning.Operation (or a LargeOperation) -> a typed snapshot; `cls` None
    means infer it."""
    value: Any
    if isinstance(pb, LargeOperation):
        base, which, type_url, value = pb.pb, "response", pb.type_url, pb.value
    else:
        base, which = pb, pb.WhichOneof("result")
        type_url, value = (pb.response.type_url, pb.response.value) if which == "response" else ("", b"")
    if cls is None:
        cls = class_for(base.name, type_url)
    response = raw_response = metadata = raw_metadata = None
    if which == "response":
        response, raw_response = _response(cls, type_url, value)
    if base.HasField("metadata"):
        metadata, raw_metadata = _decode(_METADATA, base.metadata.type_url, base.metadata.value)
    return cls(
        name=base.name,
        done=base.done,
        error=to_error(base.error) if which == "error" else None,
        response=response,
        metadata=metadata,
        raw_response=raw_response,
        raw_metadata=raw_metadata,
    )
