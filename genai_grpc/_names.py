"""Checks on what callers pass in, before any RPC. Pure code."""

from __future__ import annotations

import re

from genai_grpc.types import Operation

_CONTROL = re.compile("[\r\n\x00]")


def operation_name(operation: object) -> tuple[str, type[Operation] | None]:
    """An Operation or a resource name -> (name, class to return or None to infer it)."""
    if isinstance(operation, Operation):
        return check_name(operation.name, "operation.name"), type(operation)
    return check_name(operation, "operation"), None


def check_name(name: object, what: str = "name") -> str:
    if not isinstance(name, str):
        raise ValueError(
            f"{what} must be an Operation or its resource name (str), got {type(name).__name__}"
        )
    if not name or not name.strip():
        raise ValueError(f"{what} must be a non-empty resource name, got {name!r}")
    if name != name.strip() or _CONTROL.search(name):
        raise ValueError(f"{what} has whitespace or control characters: {name!r}")
    return name
