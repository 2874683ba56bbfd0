"""Facts both output modes show about an operation: state, progress, age. Pure code."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Any

from genai_grpc.types import Operation

RUNNING, SUCCEEDED, FAILED, DONE_EMPTY = "RUNNING", "SUCCEEDED", "FAILED", "DONE-EMPTY"

_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$")


def state(op: Operation) -> str:
    """RUNNING, FAILED, SUCCEEDED (a response, even an undecodable one) or DONE-EMPTY."""
    if not op.done:
        return RUNNING
    if op.error is not None:
        return FAILED
    if op.response is not None or op.raw_response is not None:
        return SUCCEEDED
    return DONE_EMPTY


def _metadata_value(op: Operation, *keys: str) -> Any:
    """A metadata entry, at the top or under Vertex AI's `genericMetadata`."""
    metadata = op.metadata or {}
    for scope in (metadata, metadata.get("genericMetadata")):
        if isinstance(scope, dict):
            for key in keys:
                if key in scope:
                    return scope[key]
    return None


def progress(op: Operation) -> float | None:
    """Percent done from the metadata's progressPercent, clamped to 0..100; None if absent."""
    value = _metadata_value(op, "progressPercent", "progress_percent")
    if isinstance(value, bool):
        return None
    try:
        percent = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(percent) else min(max(percent, 0.0), 100.0)


def parse_time(text: object) -> float | None:
    """An RFC 3339 timestamp (protobuf's JSON form) -> seconds since the epoch, else None."""
    match = _RFC3339.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    y, mo, d, h, mi, s, frac, zulu, sign, oh, om = match.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), tzinfo=timezone.utc)
    except ValueError:
        return None
    seconds = moment.timestamp() + (float("0." + frac) if frac else 0.0)
    if not zulu:
        offset = (int(oh) * 60 + int(om)) * 60
        seconds -= offset if sign == "+" else -offset
    return seconds


def created(op: Operation) -> float | None:
    """When the operation was created (metadata createTime), in seconds since the epoch."""
    return parse_time(_metadata_value(op, "createTime", "create_time"))


def updated(op: Operation) -> float | None:
    """When the operation last changed (metadata updateTime), in seconds since the epoch."""
    return parse_time(_metadata_value(op, "updateTime", "update_time"))


def duration(seconds: float) -> str:
    """A short duration: 45s, 3m05s, 2h07m, 3d04h."""
    total = max(int(seconds), 0)
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def size(n: int) -> str:
    """A byte count for people: 812 B, 1.5 KiB, 64.0 MiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def kind(op: Operation) -> str:
    """The snapshot's kind as `to_dict` tags it, e.g. GenerateVideosOperation."""
    from genai_grpc import _kinds  # here: --help and usage errors need no registry

    return _kinds.tag(type(op))
