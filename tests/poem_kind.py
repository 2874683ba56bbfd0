"""A made-up fourth kind of operation (a poem), defined the way a new kind is added: its
classes, its proto (built here in a private pool instead of generated), its JSON shape, its
summary, and one registry entry. Nothing else in genai_grpc is touched."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from genai_grpc import _kinds, _summaries
from genai_grpc.types import Operation

WIRE = "acme.v1.PoemResponse"
METADATA = "acme.v1.PoemMetadata"
NAME = "poems/haiku/operations/1"


@dataclass(frozen=True, slots=True)
class PoemResponse:
    text: str | None = None
    lines: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PoemOperation(Operation):
    response: PoemResponse | None = None


def _message_classes() -> tuple[Any, ...]:
    """acme.v1.PoemResponse {string text = 1; int32 lines = 2;} and
    acme.v1.PoemMetadata {int32 lines_done = 1;}, in a pool of their own."""
    proto = descriptor_pb2.FileDescriptorProto(name="acme/v1/poem.proto", package="acme.v1", syntax="proto3")
    for message_name, fields in (
        ("PoemResponse", [("text", "TYPE_STRING"), ("lines", "TYPE_INT32")]),
        ("PoemMetadata", [("lines_done", "TYPE_INT32")]),
    ):
        message = proto.message_type.add(name=message_name)
        for number, (name, kind) in enumerate(fields, 1):
            message.field.add(
                name=name,
                number=number,
                type=getattr(descriptor_pb2.FieldDescriptorProto, kind),
                label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
            )
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return tuple(message_factory.GetMessageClass(pool.FindMessageTypeByName(n)) for n in (WIRE, METADATA))


PoemMessage, PoemMetadataMessage = _message_classes()


def decode(value: bytes) -> PoemResponse:
    pb = PoemMessage.FromString(value)
    return PoemResponse(text=pb.text or None, lines=pb.lines or None)


def decode_metadata(value: bytes) -> dict[str, Any]:
    pb = PoemMetadataMessage.FromString(value)
    return {"@type": f"type.googleapis.com/{METADATA}", "linesDone": pb.lines_done}


def from_json(d: dict[str, Any]) -> PoemResponse | None:
    text = d.get("poem")
    return PoemResponse(text=text, lines=text.count("/") + 1) if isinstance(text, str) else None


def summary(response: PoemResponse, render: _summaries.Render) -> list[str]:
    return [render.line("poem", response.text or "-"), render.line("lines", str(response.lines))]


KIND = _kinds.Kind(
    operation=PoemOperation,
    response=PoemResponse,
    wire={WIRE: decode},
    metadata={METADATA: decode_metadata},
    from_json=from_json,
    name=re.compile(r"^poems/[^/]+/operations/[^/]+$"),
    tag="PoemOperation",
    short="poem",
    summary=summary,
)


def register() -> None:
    _kinds.register(KIND)
