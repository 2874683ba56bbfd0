"""The google.rpc status codes: numbers, names and HTTP statuses. Pure code, no grpc import.

The one table of them, as google/rpc/code.proto documents them; the client's errors, its
wait, the CLI's exit codes and the local server all read it from here.
"""

from __future__ import annotations

import enum


class Code(enum.IntEnum):
    """A google.rpc.Code (the same numbers as grpc.StatusCode)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


_HTTP: dict[int, int] = {
    Code.OK: 200, Code.CANCELLED: 499, Code.UNKNOWN: 500, Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504, Code.NOT_FOUND: 404, Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403, Code.RESOURCE_EXHAUSTED: 429, Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409, Code.OUT_OF_RANGE: 400, Code.UNIMPLEMENTED: 501, Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503, Code.DATA_LOSS: 500, Code.UNAUTHENTICATED: 401,
}  # fmt: skip
_NAMES = {int(code): code.name for code in Code}
# HTTP status -> code, for HTTP answers (downloads) that name no status of their own.
_FROM_HTTP: dict[int, Code] = {
    400: Code.INVALID_ARGUMENT, 401: Code.UNAUTHENTICATED, 403: Code.PERMISSION_DENIED,
    404: Code.NOT_FOUND, 409: Code.ABORTED, 412: Code.FAILED_PRECONDITION, 416: Code.OUT_OF_RANGE,
    429: Code.RESOURCE_EXHAUSTED, 499: Code.CANCELLED, 500: Code.INTERNAL, 501: Code.UNIMPLEMENTED,
    502: Code.UNAVAILABLE, 503: Code.UNAVAILABLE, 504: Code.DEADLINE_EXCEEDED,
}  # fmt: skip


def name(code: int) -> str:
    """The name of a code number, e.g. 5 -> "NOT_FOUND" ("CODE_99" for one it does not know)."""
    return _NAMES.get(code) or f"CODE_{code}"


def http_status(code: int) -> int:
    """The HTTP status for a code number (unknown codes count as 500)."""
    return _HTTP.get(code, 500)


def from_http_status(status: int) -> Code:
    """The code for an HTTP status (another 4xx: FAILED_PRECONDITION; anything else: UNKNOWN)."""
    default = Code.FAILED_PRECONDITION if 400 <= status < 500 else Code.UNKNOWN
    return _FROM_HTTP.get(status, default)


def parse(text: str) -> Code:
    """The code named (any case) or numbered by `text`; ValueError if there is none."""
    key = text.strip().upper()
    try:
        return Code(int(key)) if key.isdigit() else Code[key]
    except (KeyError, ValueError):
        raise ValueError(f"{text!r} is not a gRPC status code name or number") from None
