"""Validation of the requests that start work, and the operations they become.

No grpc here: invalid requests raise `RequestError` (server/_errors), which the service
maps to INVALID_ARGUMENT.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc.server._build import IMPORT, UPLOAD, VIDEO_KINDS, outcome_text
from genai_grpc.server._echo import echo
from genai_grpc.server._errors import RequestError
from genai_grpc.server._outcome import MarkerError, parse_outcome
from genai_grpc.server._predict import video_spec
from genai_grpc.server._progress import NS
from genai_grpc.server._store import NewOperation

_STORE = re.compile(r"^fileSearchStores/[A-Za-z0-9][A-Za-z0-9._-]*$")


def new_operation(kind: str, request: Any, now_ns: int, default_duration_s: float) -> NewOperation:
    """The operation a valid start request of `kind` becomes; RequestError if it is invalid."""
    data = request.SerializeToString() if kind in VIDEO_KINDS else b""
    checked = video_spec(kind, data) if kind in VIDEO_KINDS else _VALIDATE[kind](request)
    size = 0
    if kind == UPLOAD:
        # The payload itself is not kept: only its size shows up in the response.
        size = len(request.data)
        request.data = b""
    try:
        outcome = parse_outcome(outcome_text(kind, checked))
    except MarkerError as error:
        raise RequestError(str(error)) from None
    duration = default_duration_s if outcome.duration_s is None else outcome.duration_s
    return NewOperation(
        name=_name(kind, checked),
        kind=kind,
        request=data or request.SerializeToString(),
        seed=secrets.randbits(31),
        create_ns=now_ns,
        duration_ns=int(duration * NS),
        size_bytes=size,
    )


def _name(kind: str, request: Any) -> str:
    op_id = secrets.token_hex(8)
    if kind in VIDEO_KINDS:
        return f"{request.target}/operations/{op_id}"
    if kind == IMPORT:
        return f"{request.file_search_store_name}/operations/{op_id}"
    return f"{request.file_search_store_name}/upload/operations/{op_id}"


def _import(request: service_pb2.ImportFileRequest) -> service_pb2.ImportFileRequest:
    _store(request.file_search_store_name)
    if not (request.source.gcs_uri or request.source.file_name):
        raise RequestError("source needs a gcs_uri or a file_name")
    return request


def _upload(
    request: service_pb2.UploadToFileSearchStoreRequest,
) -> service_pb2.UploadToFileSearchStoreRequest:
    _store(request.file_search_store_name)
    request.mime_type = request.mime_type or "application/octet-stream"
    return request


def _store(name: str) -> None:
    if not name:
        raise RequestError("file_search_store_name is empty")
    if not _STORE.match(name):
        raise RequestError(f"file_search_store_name {echo(name)} is not of the form fileSearchStores/{{store}}")


_VALIDATE: dict[str, Callable[[Any], Message]] = {IMPORT: _import, UPLOAD: _upload}
