"""The payloads genai_grpc's own messages carry in an Operation's Any fields -> typed Python.

Pure code. Each decoder takes the Any's serialized value (bytes, or a memoryview of them) and
raises protobuf's DecodeError (or ValueError) for what it cannot read; the caller keeps such
a payload raw. The registry of operation kinds (`_kinds`) says which decoder reads which
message.

The generated modules are imported on first use, not at import: the registry, and with it
`Operation.from_dict` and the CLI's startup, must not pay for protobuf.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from genai_grpc import _wire
from genai_grpc.types import (
    GeneratedVideo,
    GenerateVideosResponse,
    ImportFileResponse,
    UploadToFileSearchStoreResponse,
    Video,
)

VIDEOS = "genai_grpc.v1.GenerateVideosResponse"
IMPORT = "genai_grpc.v1.ImportFileResponse"
UPLOAD = "genai_grpc.v1.UploadToFileSearchStoreResponse"
METADATA = "genai_grpc.v1.OperationMetadata"
STRUCT = "google.protobuf.Struct"


def type_name(type_url: str) -> str:
    """The full message name in an Any type URL ("type.googleapis.com/a.B" -> "a.B")."""
    return type_url.rpartition("/")[2]


# -- genai_grpc.v1.GenerateVideosResponse ------------------------------------------------------


def decode_videos_response(value: bytes | memoryview) -> GenerateVideosResponse:
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


def videos_by_protobuf(value: bytes | memoryview) -> GenerateVideosResponse:
    """decode_videos_response by protobuf's parser (the reference the wire reader matches)."""
    from genai_grpc._generated.genai_grpc.v1 import types_pb2

    # protobuf reads any buffer (its stub says bytes): a large answer's view is not copied.
    pb = types_pb2.GenerateVideosResponse.FromString(value)  # type: ignore[arg-type]
    count = pb.rai_media_filtered_count if pb.HasField("rai_media_filtered_count") else None
    return GenerateVideosResponse(
        generated_videos=tuple(_generated_video(v) for v in pb.generated_videos),
        rai_media_filtered_count=count,
        rai_media_filtered_reasons=tuple(pb.rai_media_filtered_reasons) or None,
    )


def _generated_video(pb: Any) -> GeneratedVideo:
    seed = pb.generation_seed if pb.HasField("generation_seed") else None
    video = pb.video if pb.HasField("video") else None
    return GeneratedVideo(video=_video(video) if video is not None else None, generation_seed=seed)


def _video(pb: Any) -> Video:
    return Video(data=pb.data or None, mime_type=pb.mime_type or None, uri=pb.uri or None)


# -- file search stores ------------------------------------------------------------------------


def decode_import_response(value: bytes) -> ImportFileResponse:
    """genai_grpc.v1.ImportFileResponse bytes -> ImportFileResponse."""
    from genai_grpc._generated.genai_grpc.v1 import types_pb2

    pb = types_pb2.ImportFileResponse.FromString(value)
    return ImportFileResponse(parent=pb.parent or None, document_name=pb.document_name or None)


def decode_upload_response(value: bytes) -> UploadToFileSearchStoreResponse:
    """genai_grpc.v1.UploadToFileSearchStoreResponse bytes -> UploadToFileSearchStoreResponse."""
    from genai_grpc._generated.genai_grpc.v1 import types_pb2

    pb = types_pb2.UploadToFileSearchStoreResponse.FromString(value)
    return UploadToFileSearchStoreResponse(
        parent=pb.parent or None,
        document_name=pb.document_name or None,
        mime_type=pb.mime_type or None,
        size_bytes=pb.size_bytes or None,
    )


# -- metadata and JSON-shaped payloads ---------------------------------------------------------


def decode_operation_metadata(value: bytes) -> dict[str, Any]:
    """genai_grpc.v1.OperationMetadata -> its JSON form (a new dict each time)."""
    return dict(_operation_metadata(bytes(value)))


@lru_cache(maxsize=1024)
def _operation_metadata(value: bytes) -> dict[str, Any]:
    # Cached on the bytes (a running operation answers the same ones until its progress
    # moves) and written by hand rather than with json_format: BENCHMARKS.md, "What was
    # profiled". Callers get a copy: dicts are mutable.
    from genai_grpc._generated.genai_grpc.v1 import types_pb2

    pb = types_pb2.OperationMetadata.FromString(value)
    out: dict[str, Any] = {"@type": f"type.googleapis.com/{METADATA}"}
    if pb.HasField("create_time"):
        out["createTime"] = _rfc3339(pb.create_time.seconds, pb.create_time.nanos)
    if pb.HasField("update_time"):
        out["updateTime"] = _rfc3339(pb.update_time.seconds, pb.update_time.nanos)
    out["progressPercent"] = pb.progress_percent
    if pb.verb:
        out["verb"] = pb.verb
    if pb.target:
        out["target"] = pb.target
    if pb.cancel_requested:
        out["cancelRequested"] = True
    return out


@lru_cache(maxsize=16384)
def _rfc3339(seconds: int, nanos: int) -> str:
    # Cached: polls repeat the same create time (BENCHMARKS.md, "What was profiled").
    from google.protobuf import timestamp_pb2

    return str(timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos).ToJsonString())


#: A Struct at least this large is read off the wire (_wire.struct) before protobuf is asked.
LARGE_STRUCT = 1 << 20


def decode_struct(value: bytes | memoryview) -> dict[str, Any]:
    """google.protobuf.Struct bytes -> its JSON form (a dict)."""
    from google.protobuf import json_format, struct_pb2

    if len(value) >= LARGE_STRUCT:
        # protobuf would copy a base64 video into its arena, then again into a str.
        try:
            return _wire.struct(memoryview(value))
        except _wire.Unusual:
            pass
    result: dict[str, Any] = json_format.MessageToDict(struct_pb2.Struct.FromString(bytes(value)))
    return result
