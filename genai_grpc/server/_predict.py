"""PredictLongRunning requests (Gemini API and Vertex AI) -> what the local server generates.

Pure code: an invalid request raises RequestError (INVALID_ARGUMENT). The server keeps the
request's own bytes; `video_spec` reads them back (cached) whenever an answer is built.

What is read: ``instances[0].prompt`` (required: its markers choose the outcome),
``parameters.sampleCount``, ``durationSeconds``, ``resolution``, ``aspectRatio``, and the
local server's own options ``parameters.genaiGrpc.returnUri`` / ``videoSizeBytes``. Other
instance and parameter fields (images, seeds, ...) are accepted and not used.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format

from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2 as vertex_pb2
from genai_grpc.server._echo import echo
from genai_grpc.server._errors import RequestError
from genai_grpc.server._outcome import MarkerError, parse_outcome

#: Record kinds of the two video start RPCs.
VIDEOS, VERTEX_VIDEOS = "generateVideos", "vertexGenerateVideos"
GEMINI_SERVICE = "google.ai.generativelanguage.v1beta.PredictionService"
LOCAL_KEY = "genaiGrpc"
MAX_VIDEOS = 4
MAX_VIDEO_BYTES = 128 << 20
#: Videos served by address are streamed by the file port, never held in a message.
MAX_URI_VIDEO_BYTES = 1 << 30
MAX_VIDEO_SECONDS = 60
_ID = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_GEMINI_MODEL = re.compile(rf"^models/{_ID}$")
_VERTEX_MODEL = re.compile(rf"^(?:projects/{_ID}/locations/{_ID}/)?publishers/{_ID}/models/{_ID}$")


@dataclass(frozen=True, slots=True)
class VideoSpec:
    """What one video request asks the local server for."""

    target: str  # "models/{id}" or the Vertex AI endpoint
    prompt: str
    number_of_videos: int = 1
    duration_seconds: int = 8
    resolution: str = "720p"
    aspect_ratio: str = "16:9"
    video_size_bytes: int = 0
    return_uri: bool = False


def request_class(kind: str) -> Any:
    return gemini_pb2.PredictLongRunningRequest if kind == VIDEOS else vertex_pb2.PredictLongRunningRequest


@functools.lru_cache(maxsize=4096)
def video_spec(kind: str, request: bytes) -> VideoSpec:
    """The spec of a stored (or incoming) request; RequestError if it is invalid."""
    pb = request_class(kind).FromString(request)
    target = _target(kind, pb)
    if not pb.instances:
        raise RequestError("instances is empty: pass one instance with a prompt")
    instance = _struct(pb.instances[0], "instances[0]")
    prompt = instance.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise RequestError("instances[0].prompt is empty: the local server needs a prompt")
    params = _struct(pb.parameters, "parameters") if pb.HasField("parameters") else {}
    local = params.get(LOCAL_KEY, {})
    if not isinstance(local, dict):
        raise RequestError(f"parameters.{LOCAL_KEY} must be an object")
    return_uri = _flag(local, "returnUri")
    by_uri = return_uri or _marks_uri(prompt)
    return VideoSpec(
        target=target,
        prompt=prompt,
        number_of_videos=_number(params, "sampleCount", MAX_VIDEOS, 1),
        duration_seconds=_number(params, "durationSeconds", MAX_VIDEO_SECONDS, 8),
        resolution=_text(params, "resolution", "720p"),
        aspect_ratio=_text(params, "aspectRatio", "16:9"),
        video_size_bytes=_number(
            local, "videoSizeBytes", MAX_URI_VIDEO_BYTES if by_uri else MAX_VIDEO_BYTES, 0, LOCAL_KEY
        ),
        return_uri=return_uri,
    )


def _marks_uri(prompt: str) -> bool:
    try:
        return parse_outcome(prompt).return_uri
    except MarkerError:
        return False  # reported when the outcome is read


def _target(kind: str, pb: Any) -> str:
    if kind == VIDEOS:
        model = pb.model if "/" in pb.model else f"models/{pb.model}"
        if not _GEMINI_MODEL.match(model):
            raise RequestError(f"model {echo(pb.model)} is not of the form models/{{model}}")
        return str(model)
    if not _VERTEX_MODEL.match(pb.endpoint):
        raise RequestError(
            f"endpoint {echo(pb.endpoint)} is not of the form "
            "projects/{project}/locations/{location}/publishers/{publisher}/models/{model}"
        )
    return str(pb.endpoint)


def _struct(value: Any, what: str) -> dict[str, Any]:
    body = json_format.MessageToDict(value)
    if not isinstance(body, dict):
        raise RequestError(f"{what} must be an object")
    return body


def _number(body: dict[str, Any], key: str, high: int, default: int, where: str = "parameters") -> int:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RequestError(f"{where}.{key} must be a number, got {echo(value)}")
    if value != int(value) or not 0 <= value <= high:
        raise RequestError(f"{where}.{key} {value} is not a whole number in 0..{high}")
    return int(value) or default


def _text(body: dict[str, Any], key: str, default: str) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise RequestError(f"parameters.{key} must be a string, got {echo(value)}")
    return value or default


def _flag(body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if not isinstance(value, bool):
        raise RequestError(f"parameters.{LOCAL_KEY}.{key} must be true or false, got {echo(value)}")
    return value
