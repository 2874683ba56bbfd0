"""generate_videos -> the PredictLongRunning call Google's backends take. Pure code.

Built as google-genai builds its REST body for the same call (``_GenerateVideosParameters_to_*``
and ``_GenerateVideosConfig_to_*`` in its models.py, 2.19): ``instances[0]`` gets ``prompt``,
``image``, ``video``, ``lastFrame``, ``referenceImages``, ``mask``; ``parameters`` gets the
config's other fields under their camelCase names. What a backend does not take raises
ValueError naming the field, as google-genai does. Two more are refused on both backends:
``labels`` (Vertex AI) and ``webhook_config`` (Gemini API) sit at the top of the REST body, and
the gRPC PredictLongRunningRequest has no field to carry them.

The local server's own options (``return_uri``, ``video_size_bytes``) travel as
``parameters.genaiGrpc`` = ``{"returnUri": ..., "videoSizeBytes": ...}``, and only to a
host that is not Google's.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2 as vertex_pb2
from genai_grpc._names import check_name
from genai_grpc._routing import Route
from genai_grpc.types import (
    GenerateVideosConfig,
    Image,
    Video,
    VideoGenerationMask,
    VideoGenerationReferenceImage,
)

GEMINI, VERTEX, LOCAL = "Gemini API", "Vertex AI", "local"
BOTH = (GEMINI, VERTEX)
#: The key of `parameters` the local server's own options travel under.
LOCAL_KEY = "genaiGrpc"
NO_GRPC_FIELD = "the gRPC PredictLongRunningRequest has no field for it (REST only)"


# -- reading what the caller passed ---------------------------------------------------------


def fields_of(value: Any, cls: type, what: str) -> dict[str, Any]:
    """A dataclass of `cls`'s shape, a dict, or an object with the same attribute names
    (google-genai's pydantic types) -> the fields that are set. ValueError for unknown keys."""
    allowed = [f.name for f in dataclasses.fields(cls)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    elif callable(getattr(value, "model_dump", None)):  # pydantic, e.g. google.genai.types
        data = value.model_dump(exclude_none=True)
    elif isinstance(value, Mapping):
        data = dict(value)
    else:
        raise TypeError(f"{what} must be a {cls.__name__} or a dict, got {type(value).__name__}")
    unknown = sorted(str(k) for k in set(data) - set(allowed) - _ALIASES.get(cls, set()))
    if unknown:
        raise ValueError(f"{what} has unknown fields {unknown}; allowed: {sorted(allowed)}")
    return {k: v for k, v in data.items() if v is not None}


_ALIASES: dict[type, set[str]] = {Video: {"video_bytes"}}  # google-genai's name for Video.data


def _text(value: Any, what: str) -> str:
    if isinstance(value, enum.Enum):  # google-genai's enums carry their wire value
        value = value.value
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return value


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, got {value!r}")
    return value


def _bytes(value: Any, what: str) -> str:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ValueError(f"{what} must be bytes, got {type(value).__name__}")
    return base64.b64encode(value).decode("ascii")


def _unsupported(field: str, backend: str) -> ValueError:
    other = VERTEX if backend == GEMINI else GEMINI
    return ValueError(f"{field} parameter is only supported on {other}, not on {backend}.")


# -- media ----------------------------------------------------------------------------------


def image(value: Any, backend: str, what: str) -> dict[str, Any]:
    """An Image (or dict / google-genai Image) -> its JSON form for `backend`."""
    got = fields_of(value, Image, what)
    out: dict[str, Any] = {}
    if "gcs_uri" in got:
        if backend == GEMINI:
            raise _unsupported(f"{what}.gcs_uri", backend)
        out["gcsUri"] = _text(got["gcs_uri"], f"{what}.gcs_uri")
    if "image_bytes" in got:
        out["bytesBase64Encoded"] = _bytes(got["image_bytes"], f"{what}.image_bytes")
    if "mime_type" in got:
        out["mimeType"] = _text(got["mime_type"], f"{what}.mime_type")
    return out


def video(value: Any, backend: str, what: str) -> dict[str, Any]:
    """A Video (data or uri; google-genai's video_bytes too) -> its JSON form for `backend`."""
    got = fields_of(value, Video, what)
    data = got.get("video_bytes", got.get("data"))
    names = ("uri", "encodedVideo", "encoding") if backend == GEMINI else ("gcsUri", "bytesBase64Encoded", "mimeType")
    out: dict[str, Any] = {}
    if "uri" in got:
        out[names[0]] = _text(got["uri"], f"{what}.uri")
    if data is not None:
        out[names[1]] = _bytes(data, f"{what}.video_bytes")
    if "mime_type" in got:
        out[names[2]] = _text(got["mime_type"], f"{what}.mime_type")
    return out


def _reference_images(value: Any, backend: str, what: str) -> list[dict[str, Any]]:
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise ValueError(f"{what} must be a list of VideoGenerationReferenceImage")
    out = []
    for i, item in enumerate(value):
        got = fields_of(item, VideoGenerationReferenceImage, f"{what}[{i}]")
        ref: dict[str, Any] = {}
        if "image" in got:
            ref["image"] = image(got["image"], backend, f"{what}[{i}].image")
        if "reference_type" in got:
            ref["referenceType"] = _text(got["reference_type"], f"{what}[{i}].reference_type")
        out.append(ref)
    return out


def _mask(value: Any, backend: str, what: str) -> dict[str, Any]:
    got = fields_of(value, VideoGenerationMask, what)
    out = image(got["image"], backend, f"{what}.image") if "image" in got else {}
    if "mask_mode" in got:
        out["maskMode"] = _text(got["mask_mode"], f"{what}.mask_mode")
    return out


# -- the config table -----------------------------------------------------------------------

Convert = Callable[[Any, str, str], Any]


def _plain(check: Callable[[Any, str], Any]) -> Convert:
    return lambda value, backend, what: check(value, what)


#: config field -> (where it goes, its wire name, how to convert it, which backends take it).
#: Where: "parameters", "instance" (instances[0]) or LOCAL_KEY (parameters.genaiGrpc).
CONFIG: dict[str, tuple[str, str, Convert, tuple[str, ...]]] = {
    "number_of_videos": ("parameters", "sampleCount", _plain(_count), BOTH),
    "output_gcs_uri": ("parameters", "storageUri", _plain(_text), (VERTEX,)),
    "fps": ("parameters", "fps", _plain(_count), (VERTEX,)),
    "duration_seconds": ("parameters", "durationSeconds", _plain(_count), BOTH),
    "seed": ("parameters", "seed", _plain(_integer), (VERTEX,)),
    "aspect_ratio": ("parameters", "aspectRatio", _plain(_text), BOTH),
    "resolution": ("parameters", "resolution", _plain(_text), BOTH),
    "person_generation": ("parameters", "personGeneration", _plain(_text), BOTH),
    "pubsub_topic": ("parameters", "pubsubTopic", _plain(_text), (VERTEX,)),
    "negative_prompt": ("parameters", "negativePrompt", _plain(_text), BOTH),
    "enhance_prompt": ("parameters", "enhancePrompt", _plain(_flag), BOTH),
    "generate_audio": ("parameters", "generateAudio", _plain(_flag), (VERTEX,)),
    "last_frame": ("instance", "lastFrame", image, BOTH),
    "reference_images": ("instance", "referenceImages", _reference_images, BOTH),
    "mask": ("instance", "mask", _mask, (VERTEX,)),
    "compression_quality": ("parameters", "compressionQuality", _plain(_text), (VERTEX,)),
    "labels": ("", "labels", _plain(_text), ()),
    "webhook_config": ("", "webhookConfig", _plain(_text), ()),
    "resize_mode": ("parameters", "resizeMode", _plain(_text), (VERTEX,)),
    "video_size_bytes": (LOCAL_KEY, "videoSizeBytes", _plain(_count), (LOCAL,)),
    "return_uri": (LOCAL_KEY, "returnUri", _plain(_flag), (LOCAL,)),
}


def _place(field: str, value: Any, backend: str, local: bool, body: dict[str, dict[str, Any]]) -> None:
    where, wire, convert, backends = CONFIG[field]
    if not backends:
        raise ValueError(f"config.{field} cannot be sent: {NO_GRPC_FIELD}")
    if backends == (LOCAL,):
        if not local:
            raise ValueError(f"config.{field} is an option of genai_grpc's local server; Google's API does not take it")
    elif backend not in backends:
        raise _unsupported(f"config.{field}", backend)
    body[where][wire] = convert(value, backend, f"config.{field}")


# -- the request ------------------------------------------------------------------------------


def model_resource(model: object, vertex: bool, project: str | None, location: str | None) -> str:
    """The model as the backend names it: "models/{id}" on the Gemini API;
    "projects/{p}/locations/{l}/publishers/google/models/{id}" on Vertex AI (a full
    resource name is kept; without a project, as in express mode, "publishers/google/models/{id}")."""
    name = check_name(model, "model")
    if not vertex:
        if name.startswith(("models/", "tunedModels/")) and name.count("/") == 1:
            return name
        if "/" in name:
            raise ValueError(f"model must be a model id or 'models/{{id}}' on the Gemini API, got {model!r}")
        return f"models/{name}"
    if name.startswith("projects/"):
        return name
    if name.startswith("models/"):
        name = "publishers/google/" + name
    elif not name.startswith("publishers/"):
        if "/" in name:
            raise ValueError(f"model must be a model id or a resource name on Vertex AI, got {model!r}")
        name = f"publishers/google/models/{name}"
    return f"projects/{project}/locations/{location}/{name}" if project and location else name


def generate_videos(
    model: object, prompt: object, image_: object, video_: object, config: object,
    *, vertex: bool, project: str | None = None, location: str | None = None, local: bool = False,
) -> Route:  # fmt: skip
    """The PredictLongRunning call that starts generate_videos on the chosen backend.

    `local` allows the local server's own options. ValueError / TypeError name what is wrong.
    """
    backend = VERTEX if vertex else GEMINI
    body: dict[str, dict[str, Any]] = {"instance": {}, "parameters": {}, LOCAL_KEY: {}}
    if prompt is not None:
        body["instance"]["prompt"] = _text(prompt, "prompt")
    if image_ is not None:
        body["instance"]["image"] = image(image_, backend, "image")
    if video_ is not None:
        body["instance"]["video"] = video(video_, backend, "video")
    if config is not None:
        for field, value in fields_of(config, GenerateVideosConfig, "config").items():
            _place(field, value, backend, local, body)
    if not any(k in body["instance"] for k in ("prompt", "image", "video")):
        raise ValueError("generate_videos needs a prompt, an image or a video")
    if body[LOCAL_KEY]:
        body["parameters"][LOCAL_KEY] = body[LOCAL_KEY]
    name = model_resource(model, vertex, project, location)
    fields = {"instances": [body["instance"]], "parameters": body["parameters"]}
    if vertex:
        request: Message = json_format.ParseDict(fields, vertex_pb2.PredictLongRunningRequest(endpoint=name))
        return Route("prediction", "PredictLongRunning", request, "endpoint", name)
    request = json_format.ParseDict(fields, gemini_pb2.PredictLongRunningRequest(model=name))
    return Route("gemini_prediction", "PredictLongRunning", request, "model", name)


def is_google_host(target: str) -> bool:
    """Whether 'host:port' is one of Google's front ends (where local options are refused)."""
    host = target.rpartition(":")[0].strip("[]").lower().rstrip(".")
    return host == "googleapis.com" or host.endswith(".googleapis.com")
