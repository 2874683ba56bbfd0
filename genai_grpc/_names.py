"""Checks on what callers pass in, before any RPC. Pure code."""

from __future__ import annotations

from genai_grpc.types import Operation


def operation_name(operation: object) -> tuple[str, type[Operation] | None]:
    """An Operation or a resource name -> (name, class to return or None to infer it)."""
    if isinstance(operation, Operation):
        return check_name(operation.name, "operation.name"), type(operation)
    return check_name(operation, "operation"), None


def check_name(name: object, what: str = "name") -> str:
    if not isinstance(name, str):
        raise ValueError(f"{what} must be an Operation or its resource name (str), got {type(name).__name__}")
    stripped = name.strip()
    if not stripped:
        raise ValueError(f"{what} must be a non-empty resource name, got {name!r}")
    if name != stripped or "\n" in name or "\r" in name or "\x00" in name:
        raise ValueError(f"{what} has whitespace or control characters: {name!r}")
    return name
