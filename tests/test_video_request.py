"""Pure tests: generate_videos builds Google's PredictLongRunning request per backend, as
google-genai builds its REST body, and names whatever it cannot send."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from google.protobuf import json_format

from genai_grpc import _video_request
from genai_grpc.types import GenerateVideosConfig, Image, Video, VideoGenerationMask, VideoGenerationReferenceImage

VERTEX = {"vertex": True, "project": "p", "location": "us-central1"}
ENDPOINT = "projects/p/locations/us-central1/publishers/google/models/veo-3"


def body(call: Any) -> dict[str, Any]:
    out: dict[str, Any] = json_format.MessageToDict(call.request)
    return out


def test_gemini_request() -> None:
    call = _video_request.generate_videos(
        "veo-3", "a cat", Image(image_bytes=b"png", mime_type="image/png"), None,
        GenerateVideosConfig(number_of_videos=2, duration_seconds=8, aspect_ratio="9:16", resolution="720p",
                             person_generation="allow_adult", negative_prompt="dogs", enhance_prompt=True,
                             last_frame=Image(image_bytes=b"end"),
                             reference_images=(VideoGenerationReferenceImage(Image(image_bytes=b"r"), "ASSET"),)),
        vertex=False,
    )  # fmt: skip
    assert (call.service, call.method, call.routing_field, call.routing_value) == (
        "gemini_prediction",
        "PredictLongRunning",
        "model",
        "models/veo-3",
    )
    assert body(call) == {
        "model": "models/veo-3",
        "instances": [{
            "prompt": "a cat",
            "image": {"bytesBase64Encoded": base64.b64encode(b"png").decode(), "mimeType": "image/png"},
            "lastFrame": {"bytesBase64Encoded": base64.b64encode(b"end").decode()},
            "referenceImages": [{"image": {"bytesBase64Encoded": "cg=="}, "referenceType": "ASSET"}],
        }],
        "parameters": {"sampleCount": 2.0, "durationSeconds": 8.0, "aspectRatio": "9:16", "resolution": "720p",
                       "personGeneration": "allow_adult", "negativePrompt": "dogs", "enhancePrompt": True},
    }  # fmt: skip


def test_vertex_request_keeps_a_full_resource_name_and_takes_vertex_only_fields() -> None:
    config = {
        "output_gcs_uri": "gs://b/out/",
        "fps": 24,
        "seed": 7,
        "pubsub_topic": "projects/p/topics/t",
        "generate_audio": False,
        "compression_quality": "OPTIMIZED",
        "resize_mode": "pad",
        "mask": VideoGenerationMask(Image(gcs_uri="gs://b/m.png", mime_type="image/png"), "INSERT"),
    }
    call = _video_request.generate_videos(ENDPOINT, "a cat", {"gcs_uri": "gs://b/i.png"},
                                          Video(data=b"mp4", mime_type="video/mp4"), config, **VERTEX)  # fmt: skip
    assert (call.service, call.routing_field, call.routing_value) == ("prediction", "endpoint", ENDPOINT)
    got = body(call)
    assert got["endpoint"] == ENDPOINT
    assert got["instances"][0] == {
        "prompt": "a cat", "image": {"gcsUri": "gs://b/i.png"},
        "video": {"bytesBase64Encoded": base64.b64encode(b"mp4").decode(), "mimeType": "video/mp4"},
        "mask": {"gcsUri": "gs://b/m.png", "mimeType": "image/png", "maskMode": "INSERT"},
    }  # fmt: skip
    assert got["parameters"] == {"storageUri": "gs://b/out/", "fps": 24.0, "seed": 7.0,
                                 "pubsubTopic": "projects/p/topics/t", "generateAudio": False,
                                 "compressionQuality": "OPTIMIZED", "resizeMode": "pad"}  # fmt: skip


@pytest.mark.parametrize(("model", "vertex", "expected"), [
    ("veo-3", False, "models/veo-3"),
    ("models/veo-3", False, "models/veo-3"),
    ("veo-3", True, ENDPOINT),
    ("models/veo-3", True, ENDPOINT),
    ("publishers/google/models/veo-3", True, ENDPOINT),
    (ENDPOINT.replace("/p/", "/other/"), True, ENDPOINT.replace("/p/", "/other/")),
])  # fmt: skip
def test_model_names(model: str, vertex: bool, expected: str) -> None:
    assert _video_request.model_resource(model, vertex, "p", "us-central1") == expected


def test_gemini_video_uses_its_own_names() -> None:
    call = _video_request.generate_videos("veo", None, None, {"uri": "https://v", "mime_type": "video/mp4"}, None,
                                          vertex=False)  # fmt: skip
    assert body(call)["instances"] == [{"video": {"uri": "https://v", "encoding": "video/mp4"}}]


@pytest.mark.parametrize("field", ["output_gcs_uri", "fps", "seed", "pubsub_topic", "generate_audio",
                                   "compression_quality", "resize_mode", "mask"])  # fmt: skip
def test_vertex_only_fields_are_refused_on_the_gemini_api(field: str) -> None:
    value: Any = {"mask": {"mask_mode": "INSERT"}, "generate_audio": True, "fps": 1, "seed": 1}.get(field, "x")
    with pytest.raises(ValueError, match=f"config.{field} parameter is only supported on Vertex AI"):
        _video_request.generate_videos("veo", "p", None, None, {field: value}, vertex=False)


def test_gcs_images_are_refused_on_the_gemini_api() -> None:
    with pytest.raises(ValueError, match=r"image.gcs_uri parameter is only supported on Vertex AI"):
        _video_request.generate_videos("veo", "p", Image(gcs_uri="gs://b/i"), None, None, vertex=False)


@pytest.mark.parametrize(("field", "vertex"), [("labels", True), ("webhook_config", False)])
def test_rest_only_fields_say_grpc_cannot_carry_them(field: str, vertex: bool) -> None:
    with pytest.raises(ValueError, match=f"config.{field} cannot be sent: the gRPC"):
        _video_request.generate_videos("veo", "p", None, None, {field: {"a": "b"}}, vertex=vertex,
                                       project="p", location="l")  # fmt: skip


def test_local_options_travel_only_to_a_local_server() -> None:
    config = {"return_uri": True, "video_size_bytes": 1000}
    call = _video_request.generate_videos("veo", "p", None, None, config, vertex=False, local=True)
    assert body(call)["parameters"] == {"genaiGrpc": {"returnUri": True, "videoSizeBytes": 1000.0}}
    with pytest.raises(ValueError, match="config.return_uri is an option of genai_grpc's local server"):
        _video_request.generate_videos("veo", "p", None, None, {"return_uri": True}, vertex=False)


def test_google_hosts() -> None:
    assert _video_request.is_google_host("generativelanguage.googleapis.com:443")
    assert _video_request.is_google_host("us-central1-aiplatform.googleapis.com:443")
    assert not _video_request.is_google_host("127.0.0.1:50051")
    assert not _video_request.is_google_host("notgoogleapis.com:443")


@pytest.mark.parametrize(("config", "match"), [
    ({"number_of_vidoes": 2}, r"unknown fields \['number_of_vidoes'\]; allowed: \[.*'number_of_videos'"),
    ({"duration_seconds": -1}, "config.duration_seconds must not be negative"),
    ({"number_of_videos": "2"}, "config.number_of_videos must be an integer"),
    ({"enhance_prompt": "yes"}, "config.enhance_prompt must be True or False"),
    ({"last_frame": {"bytes": b"x"}}, r"config.last_frame has unknown fields \['bytes'\]"),
    ({"reference_images": "x"}, "config.reference_images must be a list"),
])  # fmt: skip
def test_bad_config_names_the_field(config: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _video_request.generate_videos("veo", "p", None, None, config, vertex=False)


@pytest.mark.parametrize("model", ["", " ", None, "projects/x", "a/b", 3])
def test_bad_model_on_the_gemini_api(model: object) -> None:
    with pytest.raises(ValueError, match="model"):
        _video_request.generate_videos(model, "p", None, None, None, vertex=False)


def test_something_to_generate_from_is_required() -> None:
    with pytest.raises(ValueError, match="needs a prompt, an image or a video"):
        _video_request.generate_videos("veo", None, None, None, {"number_of_videos": 1}, vertex=False)
    with pytest.raises(ValueError, match="prompt must be a string"):
        _video_request.generate_videos("veo", 3, None, None, None, vertex=False)


def test_config_of_wrong_type() -> None:
    with pytest.raises(TypeError, match="GenerateVideosConfig"):
        _video_request.generate_videos("veo", "p", None, None, 5, vertex=False)


def test_google_genai_types_are_accepted() -> None:
    genai_types = pytest.importorskip("google.genai.types")
    config = genai_types.GenerateVideosConfig(number_of_videos=1, compression_quality="OPTIMIZED")
    call = _video_request.generate_videos("veo", "p", genai_types.Image(gcs_uri="gs://b/i"), None, config, **VERTEX)
    assert body(call)["parameters"] == {"sampleCount": 1.0, "compressionQuality": "OPTIMIZED"}
