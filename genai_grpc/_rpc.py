"""The one place where gRPC failures become genai_grpc errors, and call metadata is built."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

from genai_grpc import _convert
from genai_grpc._codes import Code
from genai_grpc.errors import APIError, from_status, mask_secrets

_T = TypeVar("_T")
_DETAILS_KEY = "grpc-status-details-bin"
#: grpc's words for a response that does not parse: the sync stub fails with INTERNAL and
#: them; grpc.aio only logs them and hands back None.
_GRPC_UNPARSABLE = "Exception deserializing response!"
UNPARSABLE = (
    "the server's answer is not a valid protobuf message of the expected type (grpc: Exception deserializing response!)"
)
#: Starts the message of a token refresh that retrying cannot fix (see _channel).
AUTH_FAILED = "genai_grpc: refreshing the Google credentials failed:"


class PermanentAuthError(Exception):
    """Raised inside gRPC's call-credentials plugin; its call fails with AUTH_FAILED in the message."""


def to_api_error(exc: Any, secrets: tuple[str, ...] = ()) -> APIError:
    """A grpc.RpcError (sync or aio) -> ClientError / ServerError with decoded details, and
    every one of `secrets` (the client's own API key) masked in its text."""
    code = exc.code()
    number = code.value[0] if code is not None else Code.UNKNOWN
    details: tuple[dict[str, Any], ...] = ()
    for key, value in exc.trailing_metadata() or ():
        if key == _DETAILS_KEY:
            details = _details(value)
    message = exc.details() or ""
    if number == Code.UNAVAILABLE and AUTH_FAILED in message:
        number = Code.UNAUTHENTICATED
    if number == Code.INTERNAL and message == _GRPC_UNPARSABLE:
        message = UNPARSABLE
    return from_status(number, mask_secrets(message, secrets), mask_secrets(details, secrets))


def parsed(response: _T | None) -> _T:
    """A unary call's response; a 500 ServerError when it did not parse (grpc.aio's None)."""
    if response is None:
        raise from_status(Code.INTERNAL, UNPARSABLE)
    return response


def _details(blob: bytes) -> tuple[dict[str, Any], ...]:
    from google.protobuf.message import DecodeError
    from google.rpc import status_pb2

    try:
        status = status_pb2.Status.FromString(blob)
    except DecodeError:
        return ({"@type": "", "value": "<undecodable grpc-status-details-bin>"},)
    return _convert.details_to_dicts(status.details)


#: The header Google's front ends route a call by.
ROUTING_KEY = "x-goog-request-params"
#: Matches a non-empty value made only of what quote() leaves alone: its own encoding in
#: ROUTING_KEY, and a well-formed resource name (printable, no whitespace).
PLAIN = re.compile(r"[A-Za-z0-9_.~/-]+").fullmatch


def routing_header(value: str, field: str = "name") -> tuple[str, str]:
    """The ROUTING_KEY header of a call routed by `field`=`value`."""
    # Resource names are nearly always plain: skip quote() (~1-3 us for a name never seen).
    if PLAIN(value):
        return (ROUTING_KEY, f"{field}={value}")
    return _quoted_header(value, field)


@lru_cache(maxsize=4096)
def _quoted_header(value: str, field: str) -> tuple[str, str]:
    return (ROUTING_KEY, f"{field}={quote(value, safe='/')}")
