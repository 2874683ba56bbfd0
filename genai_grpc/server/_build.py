"""Build the google.longrunning.Operation a stored record stands for at a given instant.

Video operations carry what Google's backends carry: on the Gemini API a
``PredictLongRunningResponse`` and an empty ``PredictLongRunningMetadata`` (the published
types); on Vertex AI, which publishes no binary type for its video response, the JSON shape
its REST API shows, in a ``google.protobuf.Struct``, and the local server's own
``genai_grpc.v1.OperationMetadata``. File search store operations carry the local server's own
messages (``genai_grpc.v1.*``).
"""

from __future__ import annotations

import base64
import functools
from typing import Any

from google.protobuf import struct_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2

from genai_grpc._codes import Code
from genai_grpc._generated.genai_grpc.v1 import service_pb2, types_pb2
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.server._media import MIME_TYPE, make_mp4
from genai_grpc.server._outcome import (
    ERROR_DOMAIN,
    SAFETY_REASON,
    Outcome,
    parse_outcome,
)
from genai_grpc.server._predict import VERTEX_VIDEOS, VIDEOS, VideoSpec, video_spec
from genai_grpc.server._progress import Progress, progress
from genai_grpc.server._store import Record

IMPORT, UPLOAD = "importFile", "uploadToFileSearchStore"
VIDEO_KINDS = (VIDEOS, VERTEX_VIDEOS)
_FILTER_REASON = (
    "Video was filtered because it may violate the safety guidelines (local server: "
    "requested with a [filter:N] marker)"
)


def build(record: Record, now_ns: int) -> operations_pb2.Operation:
    """The Operation for `record` at `now_ns`."""
    state = progress(record.timing, now_ns)
    op = operations_pb2.Operation(name=record.name, done=state.done)
    request = _parse_request(record)
    if record.kind == VIDEOS:
        op.metadata.Pack(gemini_pb2.PredictLongRunningMetadata())
    else:
        op.metadata.Pack(_metadata(record, request, state))
    if state.cancelled:
        op.error.code = Code.CANCELLED
        op.error.message = f"operation {record.name} was cancelled"
    elif state.done:
        _finish(op, record, request)
    return op


def _metadata(record: Record, request: Any, state: Progress) -> types_pb2.OperationMetadata:
    meta = types_pb2.OperationMetadata(
        progress_percent=state.percent,
        verb=record.kind,
        target=_target(record.kind, request),
        cancel_requested=state.cancelled,
    )
    meta.create_time.FromNanoseconds(record.timing.create_ns)
    meta.update_time.FromNanoseconds(state.update_ns)
    return meta


def outcome_text(kind: str, request: Any) -> str:
    """The request text whose markers choose the outcome (see _outcome)."""
    if kind in VIDEO_KINDS:
        return str(request.prompt)
    if kind == IMPORT:
        return f"{request.source.gcs_uri} {request.source.file_name}"
    return str(request.display_name)


def video_uri(name: str, index: int) -> str:
    """Where a video generated with return_uri is said to be."""
    return f"genai-grpc://local/{name}/videos/{index}.mp4"


def _parse_request(record: Record) -> Any:
    return _parse(record.kind, record.request)


@functools.lru_cache(maxsize=4096)
def _parse(kind: str, request: bytes) -> Any:
    # Read-only use: callers never modify the returned message.
    if kind in VIDEO_KINDS:
        return video_spec(kind, request)
    cls = service_pb2.ImportFileRequest if kind == IMPORT else service_pb2.UploadToFileSearchStoreRequest
    return cls.FromString(request)


def _target(kind: str, request: Any) -> str:
    return request.target if kind in VIDEO_KINDS else str(request.file_search_store_name)


def _finish(op: operations_pb2.Operation, record: Record, request: Any) -> None:
    outcome = parse_outcome(outcome_text(record.kind, request))
    if outcome.empty:
        return
    if outcome.fail_code:
        _fail(op.error, outcome, record, request)
    elif record.kind in VIDEO_KINDS:
        op.response.Pack(_videos(record, request, outcome))
    elif record.kind == IMPORT:
        op.response.Pack(
            types_pb2.ImportFileResponse(
                parent=request.file_search_store_name, document_name=_document(record, request)
            )
        )
    else:
        op.response.Pack(
            types_pb2.UploadToFileSearchStoreResponse(
                parent=request.file_search_store_name,
                document_name=_document(record, request),
                mime_type=request.mime_type,
                size_bytes=record.size_bytes,
            )
        )


def _document(record: Record, request: Any) -> str:
    return f"{request.file_search_store_name}/documents/doc-{record.seed & 0xFFFFFFFF:08x}"


def _fail(error: Any, outcome: Outcome, record: Record, request: Any) -> None:
    error.code = outcome.fail_code
    if not outcome.safety:
        error.message = (
            f"operation {record.name} failed with "
            f"{Code(outcome.fail_code).name}, as its request asked"
        )
        return
    error.message = "The prompt was blocked because it may violate the safety guidelines"
    info = error_details_pb2.ErrorInfo(reason=SAFETY_REASON, domain=ERROR_DOMAIN)
    info.metadata["model"] = request.target if record.kind in VIDEO_KINDS else ""
    error.details.add().Pack(info)


def _videos(record: Record, spec: VideoSpec, outcome: Outcome) -> Message:
    wanted = spec.number_of_videos
    filtered = min(outcome.filtered, wanted)
    by_uri = spec.return_uri or outcome.return_uri
    videos = [_video(record, spec, i, by_uri) for i in range(wanted - filtered)]
    shape = outcome.shape
    if shape == "proto" and record.kind == VERTEX_VIDEOS:
        shape = "vertex"  # Vertex AI publishes no binary type for it: its REST JSON shape
    if shape != "proto":
        return _struct(shape, videos, filtered)
    body = gemini_pb2.PredictLongRunningGeneratedVideoResponse()
    for _, data, uri in videos:
        sample = body.generated_samples.add()
        if uri:
            sample.video.uri = uri
        else:
            sample.video.video = data
    if filtered:
        body.rai_media_filtered_count = filtered
        body.rai_media_filtered_reasons.extend([_FILTER_REASON] * filtered)
    return gemini_pb2.PredictLongRunningResponse(generate_video_response=body)


def _video(record: Record, spec: VideoSpec, index: int, by_uri: bool) -> tuple[int, bytes, str]:
    seed = record.seed + index
    if by_uri:
        return seed, b"", video_uri(record.name, index)
    data = make_mp4(seed, spec.video_size_bytes, spec.duration_seconds, spec.resolution, spec.aspect_ratio)
    return seed, data, ""


def _struct(shape: str, videos: list[tuple[int, bytes, str]], filtered: int) -> struct_pb2.Struct:
    body = struct_pb2.Struct()
    if shape == "gemini":
        samples = [
            {
                "video": {"uri": uri}
                if uri
                else {"encodedVideo": base64.b64encode(data).decode(), "encoding": MIME_TYPE}
            }
            for _, data, uri in videos
        ]
        inner: dict[str, Any] = {"generatedSamples": samples}
    else:
        inner = {
            "videos": [
                {"gcsUri": uri, "mimeType": MIME_TYPE}
                if uri
                else {"bytesBase64Encoded": base64.b64encode(data).decode(), "mimeType": MIME_TYPE}
                for _, data, uri in videos
            ]
        }
    if filtered:
        inner["raiMediaFilteredCount"] = filtered
        inner["raiMediaFilteredReasons"] = [_FILTER_REASON] * filtered
    body.update({"generateVideoResponse": inner} if shape == "gemini" else inner)
    return body
