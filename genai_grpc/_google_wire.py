"""Google's published video payloads -> typed ones. Pure code: bytes in, typed objects out.

- Gemini API: ``google.ai.generativelanguage.v1beta.PredictLongRunningResponse`` (its
  generated-video response: samples of ``Media{Video{bytes video | string uri}}``, filtered
  count and reasons) and ``PredictLongRunningMetadata`` (an empty message).
- Vertex AI: ``google.cloud.aiplatform.v1.GenerateVideoResponse`` (``videos[]{gcs_uri |
  bytes_base64_encoded, mime_type}``, ``generated_samples`` URIs, filtered count and reasons).

The messages are the vendored ones (protos/README.md), so the result never depends on which of
Google's packages are installed. Decoding is strict: a payload carrying a field these messages
do not define (a newer schema) raises ValueError, as does one protobuf rejects (DecodeError, a
ValueError too), so the caller keeps it raw (UnknownPayload) rather than return a typed object
with parts missing.

Gemini responses are read off the wire first (one copy of an inline video's bytes, as
_payloads does for genai_grpc's own response); anything but the plain shape is left to
protobuf, so results never differ from protobuf's. The registry of operation kinds
(`_kinds`) lists these decoders under the video kind; the generated modules are imported on
first use, so that the registry stays cheap to import.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from genai_grpc import _wire
from genai_grpc.types import GeneratedVideo, GenerateVideosResponse, Video

if TYPE_CHECKING:
    from google.protobuf.message import Message

GEMINI_RESPONSE = "google.ai.generativelanguage.v1beta.PredictLongRunningResponse"
GEMINI_METADATA = "google.ai.generativelanguage.v1beta.PredictLongRunningMetadata"
VERTEX_RESPONSE = "google.cloud.aiplatform.v1.GenerateVideoResponse"

Payload = bytes | memoryview


def _check_complete(pb: Message) -> None:
    """ValueError if `pb` (or any message inside it) holds fields its schema does not define."""
    bare = type(pb)()
    bare.CopyFrom(pb)
    bare.DiscardUnknownFields()
    if bare.ByteSize() != pb.ByteSize():
        raise ValueError(f"{pb.DESCRIPTOR.full_name} carries fields this client does not know")


def _filtered(count: int | None, reasons: Any) -> dict[str, Any]:
    return {
        "rai_media_filtered_count": count,
        "rai_media_filtered_reasons": tuple(reasons) or None,
    }


# -- Gemini API -------------------------------------------------------------------------------


def decode_gemini_response(value: Payload) -> GenerateVideosResponse:
    """PredictLongRunningResponse bytes -> GenerateVideosResponse (ValueError if unreadable).

    A sample's ``uri`` becomes ``Video.uri``, its bytes ``Video.data``; the wire carries no
    MIME type. A filtered count of 0 reads as None, as in the REST form (where 0 is omitted).
    """
    try:
        return _gemini_from_wire(memoryview(value))
    except _wire.Unusual:
        return gemini_by_protobuf(bytes(value))


def gemini_by_protobuf(value: bytes) -> GenerateVideosResponse:
    """decode_gemini_response by protobuf's parser (the reference the wire reader matches)."""
    from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2

    pb = gemini_pb2.PredictLongRunningResponse.FromString(value)
    _check_complete(pb)
    body = pb.generate_video_response
    videos = []
    for media in body.generated_samples:
        video = None
        if media.HasField("video"):
            which = media.video.WhichOneof("content")
            video = Video(
                data=media.video.video if which == "video" else None,
                uri=media.video.uri if which == "uri" else None,
            )
        videos.append(GeneratedVideo(video=video))
    count = body.rai_media_filtered_count or None
    return GenerateVideosResponse(tuple(videos), **_filtered(count, body.rai_media_filtered_reasons))


def _gemini_from_wire(buf: memoryview) -> GenerateVideosResponse:
    body: memoryview | None = None
    for number, value in _wire.fields(buf):
        if number != 1 or body is not None:
            raise _wire.Unusual
        body = _wire.chunk(value)
    videos: list[GeneratedVideo] = []
    count, reasons = 0, []
    for number, value in _wire.fields(body if body is not None else memoryview(b"")):
        if number == 1:
            videos.append(GeneratedVideo(video=_media_from_wire(_wire.chunk(value))))
        elif number == 2:
            count = _wire.signed(value, 32)
        elif number == 3:
            reasons.append(_wire.text(value))
        else:
            raise _wire.Unusual
    return GenerateVideosResponse(tuple(videos), **_filtered(count or None, reasons))


def _media_from_wire(buf: memoryview) -> Video | None:
    video = None
    for number, value in _wire.fields(buf):
        if number != 1 or video is not None:
            raise _wire.Unusual
        video = _video_from_wire(_wire.chunk(value))
    return video


def _video_from_wire(buf: memoryview) -> Video:
    data, uri = None, None
    for number, value in _wire.fields(buf):
        if data is not None or uri is not None:
            raise _wire.Unusual  # a oneof met twice: protobuf keeps the last, let it decide
        if number == 1:
            data = bytes(_wire.chunk(value))  # the one copy of the video
        elif number == 2:
            uri = _wire.text(value)
        else:
            raise _wire.Unusual
    return Video(data=data, uri=uri)


def decode_gemini_metadata(value: Payload) -> dict[str, Any]:
    """PredictLongRunningMetadata -> its JSON form; the message is empty, so any byte is a
    field this client does not know (ValueError)."""
    if len(value):
        from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2

        gemini_pb2.PredictLongRunningMetadata.FromString(bytes(value))  # DecodeError first
        raise ValueError(f"{GEMINI_METADATA} carries fields this client does not know")
    return {"@type": f"type.googleapis.com/{GEMINI_METADATA}"}


# -- Vertex AI --------------------------------------------------------------------------------


def decode_vertex_response(value: Payload) -> GenerateVideosResponse:
    """Vertex AI's GenerateVideoResponse -> GenerateVideosResponse (ValueError if unreadable).

    ``videos[]`` map one to one (``gcs_uri`` -> uri, base64 ``bytes_base64_encoded`` -> data);
    a ``generated_samples`` URI that no video already names is added as a video by URI.
    """
    from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2 as vertex_pb2

    pb = vertex_pb2.GenerateVideoResponse.FromString(bytes(value))
    _check_complete(pb)
    videos = [GeneratedVideo(video=_vertex_video(v)) for v in pb.videos]
    named = {v.gcs_uri for v in pb.videos if v.gcs_uri}
    videos += [GeneratedVideo(video=Video(uri=u)) for u in pb.generated_samples if u not in named]
    count = pb.rai_media_filtered_count if pb.HasField("rai_media_filtered_count") else None
    return GenerateVideosResponse(tuple(videos), **_filtered(count, pb.rai_media_filtered_reasons))


def _vertex_video(pb: Any) -> Video:
    which = pb.WhichOneof("data")
    data = None
    if which == "bytes_base64_encoded":
        try:
            data = base64.b64decode(pb.bytes_base64_encoded, validate=True)
        except binascii.Error as e:
            raise ValueError(f"{VERTEX_RESPONSE}: a video's bytes_base64_encoded is not base64") from e
    return Video(
        data=data,
        mime_type=pb.mime_type or None,
        uri=pb.gcs_uri if which == "gcs_uri" else None,
    )
