"""The errors genai_grpc raises. Every failed call ends in exactly one of these::

    APIError                 a call (or a download) failed; .code (HTTP), .status, .message, .details
    ├── ClientError          4xx: the request was wrong (404 not found, 400, 401, 403, 429 ...)
    └── ServerError          5xx: the server or the network failed (500, 501, 503, 504)

    OperationTimeoutError    (a builtin TimeoutError) a wait ran out of time; .operation,
                             .last_error, .pending

A failed *operation* is not an exception: it comes back with `operation.error` set.
This module is pure: it maps gRPC codes and status details to errors without importing grpc.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from genai_grpc import _codes
from genai_grpc._codes import Code

if TYPE_CHECKING:
    from genai_grpc.types import Operation

__all__ = [
    "APIError", "ClientError", "OperationTimeoutError", "ServerError", "from_http", "http_code",
    "made_by_grpc_limit", "mask_secrets",
]  # fmt: skip
_V = TypeVar("_V")


def http_code(grpc_code: int) -> int:
    """The HTTP status for a google.rpc code number (unknown codes count as 500)."""
    return _codes.http_status(grpc_code)


def reasons(details: Iterable[Mapping[str, Any]]) -> tuple[str, ...]:
    """The `reason` of each google.rpc.ErrorInfo among status details in JSON form."""
    return tuple(str(d["reason"]) for d in details if "reason" in d)


class APIError(Exception):
    """A call to the API failed.

    Attributes: `code` the HTTP status (e.g. 404), `grpc_code` the google.rpc code number
    (e.g. 5), `status` its name (e.g. "NOT_FOUND"), `message` the server's message, and
    `details` the decoded error details (JSON form, each with "@type").
    """

    code: int
    grpc_code: int
    status: str
    message: str
    details: tuple[dict[str, Any], ...]

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: str | None = None,
        grpc_code: int | None = None,
        details: tuple[dict[str, Any], ...] = (),
    ) -> None:
        self.code = code
        self.grpc_code = int(Code.UNKNOWN if grpc_code is None else grpc_code)
        self.status = status or _codes.name(self.grpc_code)
        self.message = message
        self.details = details
        super().__init__(f"{code} {self.status}. {message}")

    @property
    def reasons(self) -> tuple[str, ...]:
        """The `reason` of each google.rpc.ErrorInfo detail."""
        return reasons(self.details)

    @property
    def retry_delay(self) -> float | None:
        """Seconds the server asked to wait before retrying (google.rpc.RetryInfo), if any."""
        for detail in self.details:
            if detail.get("@type", "").endswith("/google.rpc.RetryInfo"):
                return _seconds(detail.get("retryDelay", "0s"))
        return None


class ClientError(APIError):
    """The request failed because of the caller (HTTP 4xx): not found, invalid, denied ..."""


class ServerError(APIError):
    """The request failed because of the server or the network (HTTP 5xx)."""


def _seconds(duration: object) -> float | None:
    text = str(duration)
    try:
        return float(text[:-1]) if text.endswith("s") else float(text)
    except ValueError:
        return None


def from_status(grpc_code: int, message: str, details: tuple[dict[str, Any], ...] = ()) -> APIError:
    """Build the error for a failed call from its gRPC status."""
    code = http_code(grpc_code)
    cls = ClientError if 400 <= code < 500 else ServerError if code >= 500 else APIError
    return cls(code, message, grpc_code=grpc_code, details=details)


def from_http(
    code: int, message: str, *, status: str | None = None, details: tuple[dict[str, Any], ...] = ()
) -> APIError:
    """Build the error for a failed HTTP answer (a download): ClientError for 4xx, ServerError
    for 5xx; `status` is the google.rpc name the answer gave (e.g. "NOT_FOUND"), if any."""
    named = Code.__members__.get(status or "")
    grpc_code = named if named is not None and named != Code.OK else _codes.from_http_status(code)
    cls = ClientError if 400 <= code < 500 else ServerError if code >= 500 else APIError
    return cls(code, message, grpc_code=grpc_code, details=details)


#: Shorter strings are never masked: they would hide ordinary words, and no key is that short.
_MIN_SECRET = 4


def mask_secrets(value: _V, secrets: Iterable[str]) -> _V:
    """`value` with every secret in its strings replaced by "***": a str, or the dicts,
    lists and tuples of them that error details are (keys included). Text a server sent
    back can hold the caller's own API key; it must not reach a log or a terminal."""
    found = tuple(s for s in secrets if s and len(s) >= _MIN_SECRET)
    return _mask(value, found) if found else value


def _mask(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            if secret in value:
                value = value.replace(secret, "***")
        return value
    if isinstance(value, dict):
        return {_mask(k, secrets): _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_mask(v, secrets) for v in value)
    return value


#: The words of the RESOURCE_EXHAUSTED that grpc makes on the client's side of the wire when
#: an answer breaks one of the channel's limits (or the server's when a request breaks one of
#: its own): the same call breaks it again, so retrying cannot help.
_GRPC_LIMITS = (
    "received metadata size exceeds",
    "Received message larger than max",
    "Sent message larger than max",
)


def made_by_grpc_limit(grpc_code: int, message: str) -> bool:
    """Whether a failure is grpc's own RESOURCE_EXHAUSTED for a size limit, not a server's
    quota or rate limit: a permanent error, never worth a retry."""
    return grpc_code == Code.RESOURCE_EXHAUSTED and any(words in message for words in _GRPC_LIMITS)


class OperationTimeoutError(TimeoutError):
    """`wait`, `watch`, `as_completed` or `wait_all` ran out of time before the operation
    (or every operation) was done. Not an APIError: no call failed, the budget ran out.

    Attributes: `operation` the last snapshot seen (None if no answer ever came; for a
    fleet, the one unfinished operation when exactly one is left), `pending` the last
    snapshots of every unfinished operation (each at least an operation with its name, so
    it can be waited on again), and `last_error` the last transient error (e.g. a 503
    UNAVAILABLE) when failures were what used the time up.
    """

    def __init__(
        self,
        message: str,
        *,
        operation: Operation | None = None,
        pending: tuple[Operation, ...] = (),
        last_error: APIError | None = None,
    ) -> None:
        super().__init__(message)
        self.operation = operation
        self.pending = pending
        self.last_error = last_error
