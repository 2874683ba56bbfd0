"""Pure tests of Operation.to_dict / from_dict: JSON-safe, class-keeping round trips."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genai_grpc import types
from genai_grpc.types import (
    GenerateVideosOperation, GenerateVideosResponse, GeneratedVideo, ImportFileOperation,
    ImportFileResponse, Operation, OperationError, UnknownPayload, UploadToFileSearchStoreOperation,
    UploadToFileSearchStoreResponse, Video,
)

DETAILS = (
    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SAFETY", "metadata": {"k": "v"}},
    {"@type": "type.googleapis.com/x.Unknown", "value": "AAEC"},
)
SAMPLES: list[Operation] = [
    GenerateVideosOperation(
        name="models/veo/operations/1", done=True,
        response=GenerateVideosResponse(
            generated_videos=(GeneratedVideo(video=Video(data=b"\x00\xffmp4", mime_type="video/mp4"),
                                             generation_seed=7),
                              GeneratedVideo(video=Video(uri="gs://b/v.mp4"))),
            rai_media_filtered_count=1, rai_media_filtered_reasons=("unsafe",)),
        metadata={"@type": "type.googleapis.com/genai_grpc.v1.OperationMetadata", "progressPercent": 100,
                  "list": [1, 2.5, None, True]}),
    GenerateVideosOperation(name="models/veo/operations/2", done=True,
                            error=OperationError(code=3, message="bad prompt", details=DETAILS)),
    GenerateVideosOperation(name="models/veo/operations/3", done=True,
                            raw_response=UnknownPayload(type_url="type.googleapis.com/x.Y", value=b"\x01\x02"),
                            raw_metadata=UnknownPayload(type_url="type.googleapis.com/x.M", value=b"")),
    ImportFileOperation(name="fileSearchStores/s/operations/1", done=True,
                        response=ImportFileResponse(parent="p", document_name="d")),
    UploadToFileSearchStoreOperation(name="fileSearchStores/s/upload/operations/1", done=True,
                                     response=UploadToFileSearchStoreResponse(size_bytes=12, mime_type="a/b")),
    Operation(name="operations/json", done=True, response={"@type": "x", "a": [1, {"b": "c"}]}),
    Operation(name="operations/typed", done=True, response=ImportFileResponse(parent="p")),
    Operation(name="operations/running"),
]


@pytest.mark.parametrize("op", SAMPLES, ids=lambda op: op.name)
def test_round_trip_through_json_keeps_class_and_every_field(op: Operation) -> None:
    d = json.loads(json.dumps(op.to_dict(), allow_nan=False))
    assert d["kind"] == type(op).__name__
    back = Operation.from_dict(d)
    assert type(back) is type(op) and back == op
    assert type(op).from_dict(d) == op


def test_bytes_are_base64_and_tuples_lists() -> None:
    d = SAMPLES[0].to_dict()
    video = d["response"]["generated_videos"][0]["video"]
    assert video["data"] == "AP9tcDQ=" and isinstance(d["response"]["rai_media_filtered_reasons"], list)


def test_subclass_from_dict_refuses_another_kind() -> None:
    d = SAMPLES[3].to_dict()
    with pytest.raises(ValueError, match="ImportFileOperation, not a GenerateVideosOperation"):
        GenerateVideosOperation.from_dict(d)


def test_unserializable_response_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="response"):
        Operation(name="operations/1", response=object()).to_dict()


def good() -> dict[str, Any]:
    return SAMPLES[0].to_dict()


@pytest.mark.parametrize("mutate,match", [
    (lambda d: d.pop("kind"), "kind"),
    (lambda d: d.update(kind="Nope"), "unknown operation kind"),
    (lambda d: d.pop("name"), "name"),
    (lambda d: d.update(done="yes"), "done must be bool"),
    (lambda d: d.update(extra=1), "unknown keys"),
    (lambda d: d.update(version=99), "version"),
    (lambda d: d["response"]["generated_videos"][0]["video"].update(data="!!"), "base64"),
    (lambda d: d["response"].update(kind="Other"), "response kind"),
    (lambda d: d.update(response=[1]), "response"),
    (lambda d: d.update(error={"message": "m"}), "code"),
    (lambda d: d.update(metadata=[1]), "metadata must be a dict"),
])
def test_malformed_dicts_are_clear_value_errors(mutate: Any, match: str) -> None:
    d = good()
    mutate(d)
    with pytest.raises(ValueError, match=match):
        Operation.from_dict(d)


def test_not_a_dict() -> None:
    with pytest.raises(ValueError, match="dict"):
        Operation.from_dict("operations/1")  # type: ignore[arg-type]


def test_from_name_alone_is_a_plain_constructor() -> None:
    assert types.GenerateVideosOperation(name="models/v/operations/1").to_dict()["done"] is False

