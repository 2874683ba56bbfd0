"""Operations rendered for people: a labelled summary for one, a table row for many. Pure code.

Everything a server sent passes through `clean()` before it reaches a terminal: control
characters would let a hostile or broken server redraw the screen or split one line in two.
Bytes are never shown, only their size.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from genai_grpc import errors
from genai_grpc.cli import _facts
from genai_grpc.types import (
    GeneratedVideo,
    GenerateVideosResponse,
    ImportFileResponse,
    Operation,
    OperationError,
    UnknownPayload,
    UploadToFileSearchStoreResponse,
)

_LABEL = 10
_SHOWN_METADATA = {"@type", "progressPercent", "createTime", "updateTime", "genericMetadata"}
_SHORT_KINDS = {
    "Operation": "operation",
    "GenerateVideosOperation": "video",
    "ImportFileOperation": "import",
    "UploadToFileSearchStoreOperation": "upload",
}


def clean(text: object, limit: int = 300) -> str:
    """`text` as one printable line of at most `limit` characters."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def _line(label: str, value: str) -> str:
    return f"{label:<{_LABEL}}{value}"


def summary(op: Operation, now: float, files: Iterable[str] = ()) -> list[str]:
    """The lines `get` and `wait` print for one operation; `now` is seconds since the epoch."""
    lines = [
        _line("name", clean(op.name, 1000)),
        _line("kind", _facts.kind(op)),
        _line("state", _facts.state(op)),
    ]
    percent = _facts.progress(op)
    if percent is not None:
        lines.append(_line("progress", f"{percent:.0f}%"))
    lines += _age(op, now) + _metadata(op)
    if op.error is not None:
        lines += _error(op.error)
    lines += _response(op)
    lines += [_line("saved", clean(path, 1000)) for path in files]
    return lines


def _age(op: Operation, now: float) -> list[str]:
    start, changed = _facts.created(op), _facts.updated(op)
    if start is None:
        return []
    text = _facts.duration(now - start)
    if changed is not None:
        text += f" (updated {_facts.duration(now - changed)} ago)"
    return [_line("age", text)]


def _metadata(op: Operation) -> list[str]:
    if op.raw_metadata is not None:
        return [_line("metadata", _undecodable(op.raw_metadata))]
    extra = {k: v for k, v in (op.metadata or {}).items() if k not in _SHOWN_METADATA}
    return [_line("metadata", _pairs(extra))] if extra else []


def _pairs(values: dict[str, Any]) -> str:
    return clean(" ".join(f"{k}={_compact(v)}" for k, v in values.items()))


def _compact(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    if isinstance(value, bytes):
        return f"<{_facts.size(len(value))}>"
    return clean(value, 80)


def _error(error: OperationError) -> list[str]:
    lines = [_line("error", clean(f"{error.code} {error.status}: {error.message}", 1000))]
    reasons = errors.reasons(error.details)
    if reasons:
        lines.append(_line("reasons", clean(", ".join(reasons))))
    lines += [_line("detail", _detail(d)) for d in error.details]
    return lines


def _detail(detail: dict[str, Any]) -> str:
    name = str(detail.get("@type", "")).rpartition("/")[2] or "?"
    rest = {k: v for k, v in detail.items() if k != "@type"}
    return clean(f"{name} {_compact(rest)}")


def _undecodable(raw: UnknownPayload) -> str:
    return f"undecodable {clean(raw.type_url)} ({_facts.size(len(raw.value))})"


def _response(op: Operation) -> list[str]:
    if op.raw_response is not None:
        return [_line("response", _undecodable(op.raw_response))]
    response = op.response
    if response is None:
        return []
    if isinstance(response, GenerateVideosResponse):
        return _videos(response)
    if isinstance(response, (ImportFileResponse, UploadToFileSearchStoreResponse)):
        return _document(response)
    if isinstance(response, dict):
        return [_line("response", _compact(response))]
    if dataclasses.is_dataclass(response) and not isinstance(response, type):
        return [_line("response", _pairs(_fields(response)))]
    return [_line("response", clean(repr(response)))]


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if getattr(obj, f.name) is not None}


def _videos(response: GenerateVideosResponse) -> list[str]:
    videos = response.generated_videos
    lines = [_line("videos", str(len(videos)) if videos else "none")]
    lines += [_line(f"  [{i}]", _video(v)) for i, v in enumerate(videos)]
    if response.rai_media_filtered_count or response.rai_media_filtered_reasons:
        count = response.rai_media_filtered_count or 0
        reasons = "; ".join(response.rai_media_filtered_reasons or ()) or "no reason given"
        lines.append(_line("filtered", clean(f"{count} by safety filters: {reasons}", 1000)))
    elif not videos:
        lines.append(_line("filtered", "no count given; the response holds no videos"))
    return lines


def _video(generated: GeneratedVideo) -> str:
    video = generated.video
    parts = [video.mime_type or "mime type unknown"] if video else ["no video"]
    if video and video.data is not None:
        parts.append(f"{_facts.size(len(video.data))} inline")
    if video and video.uri:
        parts.append(video.uri)
    if generated.generation_seed is not None:
        parts.append(f"seed {generated.generation_seed}")
    return clean(", ".join(parts), 1000)


def _document(response: ImportFileResponse | UploadToFileSearchStoreResponse) -> list[str]:
    lines = [_line("document", clean(response.document_name or "-"))]
    if response.parent:
        lines.append(_line("store", clean(response.parent)))
    if isinstance(response, UploadToFileSearchStoreResponse):
        size = _facts.size(response.size_bytes) if response.size_bytes is not None else None
        details = [x for x in (response.mime_type, size) if x]
        if details:
            lines.append(_line("file", clean(", ".join(details))))
    return lines


TABLE_HEADER = f"{'STATE':<10} {'PROG':>4} {'AGE':>6}  {'KIND':<9} NAME"


def table_row(op: Operation, now: float) -> str:
    """One line of `list`: state, progress, age, short kind, name (and why, if it failed)."""
    percent = _facts.progress(op)
    start = _facts.created(op)
    prog = f"{percent:.0f}%" if percent is not None else "-"
    age = _facts.duration(now - start) if start is not None else "-"
    short = _SHORT_KINDS.get(_facts.kind(op), _facts.kind(op))
    row = f"{_facts.state(op):<10} {prog:>4} {age:>6}  {short:<9} {clean(op.name, 1000)}"
    if op.error is not None:
        row += "  " + clean(f"{op.error.status}: {op.error.message}", 80)
    return row
