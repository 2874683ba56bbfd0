"""Operations as JSON-ready dicts: the `--json` schema (documented in genai_grpc.cli). Pure code.

Field names follow protobuf's JSON form (camelCase). A bytes field `x` becomes `xSize` (its
length) and, only when bytes are included, `x` (base64). None fields inside payloads are left
out; the top-level keys are always present.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable
from typing import Any

from genai_grpc.cli import _facts
from genai_grpc.types import Operation, OperationError, UnknownPayload


def camel(name: str) -> str:
    """snake_case -> camelCase (generated_videos -> generatedVideos)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def operation(op: Operation, include_bytes: bool = False, files: Iterable[str] | None = None) -> dict[str, Any]:
    """One operation in the documented schema; `files` (paths saved by --output-dir) adds "files"."""
    doc: dict[str, Any] = {
        "name": op.name,
        "kind": _facts.kind(op),
        "done": op.done,
        "state": _facts.state(op),
        "error": _error(op.error) if op.error is not None else None,
        "metadata": _value(op.metadata, include_bytes),
        "response": _value(op.response, include_bytes),
        "rawMetadata": _raw(op.raw_metadata, include_bytes),
        "rawResponse": _raw(op.raw_response, include_bytes),
    }
    if files is not None:
        doc["files"] = list(files)
    return doc


def _error(error: OperationError) -> dict[str, Any]:
    return {
        "code": error.code,
        "status": error.status,
        "message": error.message,
        "details": [dict(d) for d in error.details],
    }


def _raw(raw: UnknownPayload | None, include_bytes: bool) -> dict[str, Any] | None:
    if raw is None:
        return None
    out: dict[str, Any] = {"typeUrl": raw.type_url}
    out.update(_bytes_field("data", raw.value, include_bytes))
    return out


def _bytes_field(key: str, data: bytes, include_bytes: bool) -> dict[str, Any]:
    out: dict[str, Any] = {f"{key}Size": len(data)}
    if include_bytes:
        out[key] = base64.b64encode(data).decode("ascii")
    return out


def _value(value: Any, include_bytes: bool) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return _mapping(value.items(), include_bytes)
    if isinstance(value, (list, tuple)):
        return [_value(v, include_bytes) for v in value]
    if isinstance(value, bytes):
        return _bytes_field("data", value, include_bytes)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = ((camel(f.name), getattr(value, f.name)) for f in dataclasses.fields(value))
        return _mapping(fields, include_bytes)
    return str(value)


def _mapping(items: Iterable[tuple[Any, Any]], include_bytes: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in items:
        if value is None:
            continue
        if isinstance(value, bytes):
            out.update(_bytes_field(str(key), value, include_bytes))
        else:
            out[str(key)] = _value(value, include_bytes)
    return out
