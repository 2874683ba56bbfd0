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

from genai_grpc import _shapes
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
    """genai_grpc.v1.OperationMetadata -> its JSON form, by hand: json_format is 10x slower."""
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
    _STRUCT: decode_struct,
}
_METADATA: dict[str, Decoder] = {
    "genai_grpc.v1.OperationMetadata": decode_operation_metadata,
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


def _default_pool_json(name: str, value: bytes) -> dict[str, Any] | None:
    """A message the process knows (any imported _pb2 module) -> its JSON form with @type."""
    from google.protobuf import json_format

    try:
        descriptor = descriptor_pool.Default().FindMessageTypeByName(name)
    except KeyError:
        return None
    message: Message = message_factory.GetMessageClass(descriptor).FromString(value)
    out: dict[str, Any] = {"@type": f"type.googleapis.com/{name}"}
    out.update(json_format.MessageToDict(message))
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
    return None, UnknownPayload(type_url=type_url, value=value)


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


def class_for(name: str, response_type_url: str = "") -> type[Operation]:
    """Which Operation class a name (and response type, when there is one) calls for."""
    if response_type_url:
        response_name = type_name(response_type_url)
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


def _response(cls: type[Operation], any_pb: Any) -> tuple[Any, UnknownPayload | None]:
    """Decode a response for `cls`; what does not fit the class's response type stays raw."""
    type_url, value = any_pb.type_url, any_pb.value
    response, raw = _decode(_RESPONSES, type_url, value)
    typed = _TYPED.get(cls)
    if typed is not None and response is not None:
        expected, from_json = typed
        if isinstance(response, dict):
            response = from_json(response)
        if not isinstance(response, expected):
            response = None
    if response is None and raw is None:
        raw = UnknownPayload(type_url=type_url, value=value)
    return response, raw


OperationT = TypeVar("OperationT", bound=Operation)


@overload
def to_operation(pb: operations_pb2.Operation, cls: type[OperationT]) -> OperationT: ...
@overload
def to_operation(pb: operations_pb2.Operation, cls: None = None) -> Operation: ...
def to_operation(pb: operations_pb2.Operation, cls: type[Operation] | None = None) -> Operation:
    """google.longrunning.Operation -> a typed snapshot; `cls` None means infer it."""
    which = pb.WhichOneof("result")
    if cls is None:
        cls = class_for(pb.name, pb.response.type_url if which == "response" else "")
    response = raw_response = metadata = raw_metadata = None
    if which == "response":
        response, raw_response = _response(cls, pb.response)
    if pb.HasField("metadata"):
        metadata, raw_metadata = _decode(_METADATA, pb.metadata.type_url, pb.metadata.value)
    return cls(
        name=pb.name,
        done=pb.done,
        error=to_error(pb.error) if which == "error" else None,
        response=response,
        metadata=metadata,
        raw_response=raw_response,
        raw_metadata=raw_metadata,
    )
