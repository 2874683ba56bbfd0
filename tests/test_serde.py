"""Pure tests of Operation.to_dict / from_dict: JSON-safe, class-keeping round trips."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genai_grpc import types
from genai_grpc.types import (
    GeneratedVideo,
    GenerateVideosOperation,
    GenerateVideosResponse,
    ImportFileOperation,
    ImportFileResponse,
    Operation,
    OperationError,
    UnknownPayload,
    UploadToFileSearchStoreOperation,
    UploadToFileSearchStoreResponse,
    Video,
)

DETAILS = (
    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "SAFETY", "metadata": {"k": "v"}},
    {"@type": "type.googleapis.com/x.Unknown", "value": "AAEC"},
)
SAMPLES: list[Operation] = [
    GenerateVideosOperation(
        name="models/veo/operations/1",
        done=True,
        response=GenerateVideosResponse(
            generated_videos=(
                GeneratedVideo(video=Video(data=b"\x00\xffmp4", mime_type="video/mp4"), generation_seed=7),
                GeneratedVideo(video=Video(uri="gs://b/v.mp4")),
            ),
            rai_media_filtered_count=1,
            rai_media_filtered_reasons=("unsafe",),
        ),
        metadata={
            "@type": "type.googleapis.com/genai_grpc.v1.OperationMetadata",
            "progressPercent": 100,
            "list": [1, 2.5, None, True],
        },
    ),
    GenerateVideosOperation(
        name="models/veo/operations/2", done=True, error=OperationError(code=3, message="bad prompt", details=DETAILS)
    ),
    GenerateVideosOperation(
        name="models/veo/operations/3",
        done=True,
        raw_response=UnknownPayload(type_url="type.googleapis.com/x.Y", value=b"\x01\x02"),
        raw_metadata=UnknownPayload(type_url="type.googleapis.com/x.M", value=b""),
    ),
    ImportFileOperation(
        name="fileSearchStores/s/operations/1", done=True, response=ImportFileResponse(parent="p", document_name="d")
    ),
    UploadToFileSearchStoreOperation(
        name="fileSearchStores/s/upload/operations/1",
        done=True,
        response=UploadToFileSearchStoreResponse(size_bytes=12, mime_type="a/b"),
    ),
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


@pytest.mark.parametrize(
    "mutate,match",
    [
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
    ],
)
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


# -- odd input (issue 16.5) -----------------------------------------------------------------


def test_a_class_of_the_same_name_elsewhere_does_not_shadow_the_librarys() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, slots=True, kw_only=True)
    class GenerateVideosOperation(Operation):  # a user's class, named like the library's
        pass

    stored = SAMPLES[0].to_dict()
    assert type(types.GenerateVideosOperation.from_dict(stored)) is types.GenerateVideosOperation
    assert type(Operation.from_dict(stored)) is types.GenerateVideosOperation
    assert GenerateVideosOperation(name="x").to_dict()["kind"] == "GenerateVideosOperation"


def test_a_class_outside_the_library_is_never_made_from_a_dict() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, slots=True, kw_only=True)
    class MyOperation(Operation):
        pass

    with pytest.raises(ValueError, match="unknown operation kind 'MyOperation'.*genai_grpc's own"):
        Operation.from_dict(MyOperation(name="operations/1").to_dict())


def nested(depth: int) -> Any:
    """A dict `depth` levels deep: {"a": {"a": ... {} }}."""
    value: Any = {}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


# The operation dict is level 1, so a field's value starts at level 2 (a "json" response's
# value at level 3, inside its tag dict).
DEEP_PLACES = {
    "metadata": (lambda v: {"metadata": v}, lambda d, v: d.update(metadata=v), 2),
    "json response": (lambda v: {"response": v}, lambda d, v: d.update(response={"kind": "json", "value": v}), 3),
    "error details": (lambda v: {"error": OperationError(code=3, message="m", details=(v,))},
                      lambda d, v: d.update(error={"code": 3, "message": "m", "details": [v]}), 4),
}  # fmt: skip


@pytest.mark.parametrize("place", DEEP_PLACES)
def test_nesting_past_the_limit_is_a_value_error_both_ways(place: str) -> None:
    from genai_grpc._serde import MAX_DEPTH

    as_field, into_dict, level = DEEP_PLACES[place]
    at_limit = Operation(name="operations/deep", **as_field(nested(MAX_DEPTH - level + 1)))
    assert Operation.from_dict(json.loads(json.dumps(at_limit.to_dict()))) == at_limit
    for depth in (MAX_DEPTH - level + 2, 500, 5000):
        with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} levels deep"):
            Operation(name="operations/deep", **as_field(nested(depth))).to_dict()
        d = Operation(name="operations/deep").to_dict()
        into_dict(d, nested(depth))
        with pytest.raises(ValueError, match=f"nested more than {MAX_DEPTH} levels deep"):
            Operation.from_dict(d)


def test_nested_lists_past_the_limit_too() -> None:
    value: Any = []
    for _ in range(500):
        value = [value]
    with pytest.raises(ValueError, match="levels deep"):
        Operation(name="operations/deep", metadata={"a": value}).to_dict()
    with pytest.raises(ValueError, match="levels deep"):
        Operation.from_dict({"kind": "Operation", "name": "operations/deep", "metadata": {"a": value}})
    with pytest.raises(ValueError, match="done must be bool"):  # the message does not recurse
        Operation.from_dict({"kind": "Operation", "name": "operations/deep", "done": value})


def test_the_deepest_payload_a_server_can_send_fits_the_limit() -> None:
    """protobuf refuses deep messages before MAX_DEPTH refuses their JSON form: whatever
    decodes, stores. A repeated message field is the deepest JSON per message level."""
    from google.protobuf import descriptor_pb2

    from genai_grpc import _convert
    from genai_grpc._generated.google.longrunning import operations_pb2

    deepest = op = None
    message = descriptor_pb2.DescriptorProto(name="x")
    for _ in range(150):
        message = descriptor_pb2.DescriptorProto(name="x", nested_type=[message])
        pb = operations_pb2.Operation(name="operations/deep")
        pb.metadata.Pack(message)
        op = _convert.to_operation(operations_pb2.Operation.FromString(pb.SerializeToString()))
        if op.metadata is None:
            break
        deepest = op
    assert deepest is not None and op is not None and op.raw_metadata is not None  # protobuf's limit was met
    assert Operation.from_dict(json.loads(json.dumps(deepest.to_dict()))) == deepest


@pytest.mark.parametrize("version", [True, 1.0, "1", None, [1]])
def test_version_must_be_the_integer_one(version: Any) -> None:
    d = good()
    d["version"] = version
    with pytest.raises(ValueError, match="unsupported operation dict version"):
        Operation.from_dict(d)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("where", ["metadata", "json response", "error details"])
def test_nan_and_infinity_are_refused_at_from_dict(number: float, where: str) -> None:
    d = Operation(name="operations/n").to_dict()
    DEEP_PLACES[where][1](d, {"x": [number]})
    with pytest.raises(ValueError, match="not a JSON number"):
        Operation.from_dict(d)
