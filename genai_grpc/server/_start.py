"""Validation of the requests that start work, and the operations they become.

No grpc here: invalid requests raise `RequestError`, which the service maps to
INVALID_ARGUMENT.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from genai_grpc.server._build import IMPORT, UPLOAD, VIDEOS, outcome_text
from genai_grpc.server._outcome import MarkerError, parse_outcome
from genai_grpc.server._paging import RequestError
from genai_grpc.server._progress import NS
from genai_grpc.server._store import NewOperation

MAX_VIDEOS = 4
MAX_VIDEO_BYTES = 128 << 20
#: Videos served by address are streamed by the file server, never held in a message.
MAX_URI_VIDEO_BYTES = 1 << 30
MAX_VIDEO_SECONDS = 60
_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_STORE = re.compile(r"^fileSearchStores/[A-Za-z0-9][A-Za-z0-9._-]*$")


def new_operation(kind: str, request: Any, now_ns: int, default_duration_s: float) -> NewOperation:
    """The operation a valid start request of `kind` becomes; RequestError if it is invalid."""
    request = _VALIDATE[kind](request)
    size = 0
    if kind == UPLOAD:
        # The payload itself is not kept: only its size shows up in the response.
        size = len(request.data)
        request.data = b""
    try:
        outcome = parse_outcome(outcome_text(kind, request))
    except MarkerError as error:
        raise RequestError(str(error)) from None
    duration = default_duration_s if outcome.duration_s is None else outcome.duration_s
    return NewOperation(
        name=_name(kind, request),
        kind=kind,
        request=request.SerializeToString(),
        seed=secrets.randbits(31),
        create_ns=now_ns,
        duration_ns=int(duration * NS),
        size_bytes=size,
    )


def _name(kind: str, request: Any) -> str:
    op_id = secrets.token_hex(8)
    if kind == VIDEOS:
        return f"models/{request.model}/operations/{op_id}"
    if kind == IMPORT:
        return f"{request.file_search_store_name}/operations/{op_id}"
    return f"{request.file_search_store_name}/upload/operations/{op_id}"


def _videos(request: Any) -> Any:
    request.model = request.model.removeprefix("models/")
    if not request.model:
        raise RequestError("model is empty")
    if not _MODEL.match(request.model):
        raise RequestError(f"model {request.model!r} is not a model name")
    if not request.prompt.strip():
        raise RequestError("prompt is empty")
    config = request.config
    _bounded("config.number_of_videos", config.number_of_videos, MAX_VIDEOS)
    by_uri = config.return_uri or _marks_uri(request.prompt)
    _bounded("config.video_size_bytes", config.video_size_bytes, MAX_URI_VIDEO_BYTES if by_uri else MAX_VIDEO_BYTES)
    _bounded("config.duration_seconds", config.duration_seconds, MAX_VIDEO_SECONDS)
    return request


def _marks_uri(prompt: str) -> bool:
    try:
        return parse_outcome(prompt).uri
    except MarkerError:
        return False  # reported once the request is valid


def _import(request: Any) -> Any:
    _store(request.file_search_store_name)
    if not (request.source.gcs_uri or request.source.file_name):
        raise RequestError("source needs a gcs_uri or a file_name")
    return request


def _upload(request: Any) -> Any:
    _store(request.file_search_store_name)
    request.mime_type = request.mime_type or "application/octet-stream"
    return request


def _store(name: str) -> None:
    if not name:
        raise RequestError("file_search_store_name is empty")
    if not _STORE.match(name):
        raise RequestError(
            f"file_search_store_name {name!r} is not of the form fileSearchStores/{{store}}"
        )


def _bounded(field: str, value: int, high: int) -> None:
    if not 0 <= value <= high:
        raise RequestError(f"{field} {value} is out of range 0..{high}")


_VALIDATE = {VIDEOS: _videos, IMPORT: _import, UPLOAD: _upload}
