"""Checks on what callers pass in, before any RPC. Pure code."""

from __future__ import annotations

import math

from genai_grpc.types import Operation


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
    stripped = name.strip()
    if not stripped:
        raise ValueError(f"{what} must be a non-empty resource name, got {name!r}")
    if name != stripped or "\n" in name or "\r" in name or "\x00" in name:
        raise ValueError(f"{what} has whitespace or control characters: {name!r}")
    return name


def check_call_timeout(timeout: object) -> float | None:
    """One RPC's deadline in seconds: None (the client's default) or a finite number > 0."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
    if not (math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be None or a number of seconds > 0, got {timeout!r}")
    return float(timeout)
