"""JSON-shaped responses (google.protobuf.Struct, or messages shown as JSON) -> typed ones.

Video responses come in three JSON shapes depending on the backend; all map to the same
GenerateVideosResponse:
- Gemini API:  generateVideoResponse.generatedSamples[].video{uri | encodedVideo, encoding}
- Vertex AI:   videos[]{gcsUri | bytesBase64Encoded, mimeType}
- google-genai's own model: generatedVideos[].video{uri | videoBytes, mimeType}
Pure code. Returns None when a dict is in none of the shapes, so the caller keeps it raw.
"""

from __future__ import annotations

import binascii
import math
from typing import Any

from genai_grpc.types import (
    GeneratedVideo,
    GenerateVideosResponse,
    ImportFileResponse,
    UploadToFileSearchStoreResponse,
    Video,
)


def _get(d: Any, *keys: str) -> Any:
    """The first of `keys` present in dict `d` (camelCase and snake_case spellings)."""
    if isinstance(d, dict):
        for key in keys:
            if key in d:
                return d[key]
    return None


def _bytes(text: Any) -> bytes | None:
    if text is None:
        return None
    if isinstance(text, bytes):
        return text
    if not isinstance(text, (str, memoryview)):  # a memoryview: ASCII text of a Struct's wire bytes
        return None
    try:
        # What base64.b64decode(text) does, minus its copy of the text as ASCII bytes: a video
        # inside a Struct is 1.33x its size in base64 and would cost that once more.
        return binascii.a2b_base64(text)
    except (binascii.Error, ValueError):
        return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if math.isfinite(value) else None


def _str(value: Any) -> str | None:
    """Text fields are text: anything else in one is dropped, never stored mistyped."""
    if isinstance(value, memoryview):  # ASCII text left on the wire (_wire.struct's views_from)
        return str(value, "ascii")
    return value if isinstance(value, str) else None


def _reason(value: Any) -> str:
    text = _str(value)
    return str(_plain(value)) if text is None else text


def _plain(value: Any) -> Any:
    """`value` with text left on the wire (memoryviews, at any depth) as str again."""
    if isinstance(value, memoryview):
        return str(value, "ascii")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _video(v: Any) -> Video:
    data = _bytes(_get(v, "encodedVideo", "bytesBase64Encoded", "videoBytes", "video_bytes"))
    mime = _str(_get(v, "encoding", "mimeType", "mime_type"))
    uri = _str(_get(v, "uri", "gcsUri", "gcs_uri"))
    return Video(data=data, mime_type=mime, uri=uri)


def _sample(sample: Any, nested: bool) -> GeneratedVideo:
    video = _get(sample, "video") if nested else sample
    seed = _int(_get(sample, "generationSeed", "generation_seed"))
    return GeneratedVideo(video=_video(video) if video is not None else None, generation_seed=seed)


def _unread(sample: Any, read: GeneratedVideo) -> bool:
    """True when `sample` carried something but nothing of it arrived in `read`."""
    empty = read.generation_seed is None and (read.video is None or read.video == Video())
    return empty and bool(sample)


def videos_from_json(d: dict[str, Any]) -> GenerateVideosResponse | None:
    """Any of the three JSON shapes of a video response -> GenerateVideosResponse, else None."""
    body = _get(d, "generateVideoResponse", "generate_video_response")
    if isinstance(body, dict):
        d, samples, nested = body, _get(body, "generatedSamples", "generated_samples"), True
    elif _get(d, "videos") is not None:
        samples, nested = _get(d, "videos"), False
    elif _get(d, "generatedVideos", "generated_videos") is not None:
        samples, nested = _get(d, "generatedVideos", "generated_videos"), True
    elif _get(d, "raiMediaFilteredCount", "rai_media_filtered_count") is not None:
        samples, nested = [], True
    else:
        return None
    if not isinstance(samples, list):
        return None
    videos = tuple(_sample(s, nested) for s in samples)
    if any(_unread(s, v) for s, v in zip(samples, videos, strict=True)):
        return None  # a sample with content none of whose fields could be read: keep it raw
    reasons = _get(d, "raiMediaFilteredReasons", "rai_media_filtered_reasons")
    return GenerateVideosResponse(
        generated_videos=videos,
        rai_media_filtered_count=_int(_get(d, "raiMediaFilteredCount", "rai_media_filtered_count")),
        rai_media_filtered_reasons=tuple(_reason(r) for r in reasons) if isinstance(reasons, list) else None,
    )


def import_from_json(d: dict[str, Any]) -> ImportFileResponse:
    return ImportFileResponse(
        parent=_str(_get(d, "parent")), document_name=_str(_get(d, "documentName", "document_name"))
    )


def upload_from_json(d: dict[str, Any]) -> UploadToFileSearchStoreResponse:
    return UploadToFileSearchStoreResponse(
        parent=_str(_get(d, "parent")),
        document_name=_str(_get(d, "documentName", "document_name")),
        mime_type=_str(_get(d, "mimeType", "mime_type")),
        size_bytes=_int(_get(d, "sizeBytes", "size_bytes")),
    )
