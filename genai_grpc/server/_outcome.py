"""Pure parsing of the markers a request's text can carry to choose its outcome.

Markers are bracketed words anywhere in a prompt (for generate videos), in the source's
gcs_uri or file_name (import file) or in the display_name (upload):

- ``[fail:safety]``: the operation ends with INVALID_ARGUMENT (3) and a ``google.rpc.ErrorInfo``
  detail, reason ``SAFETY_BLOCKED``, domain ``generativelanguage.googleapis.com``.
- ``[fail:CODE]``: the operation ends with that gRPC code, named (``internal``,
  ``resource_exhausted``, ...) or numbered (``13``).
- ``[filter:N]``: N of the requested videos are withheld; the response says so in
  ``rai_media_filtered_count`` and ``rai_media_filtered_reasons``.
- ``[empty]``: the operation finishes with neither response nor error.
- ``[shape:gemini]`` / ``[shape:vertex]``: the response is a ``google.protobuf.Struct`` in
  that backend's JSON shape instead of the backend's own type (``[shape:proto]``: the Gemini
  API's ``PredictLongRunningResponse``; Vertex AI's ops are always in its JSON shape).
- ``[uri]``: the videos are returned by address (URI) instead of inline, as the
  ``return_uri`` option does, served from the server's HTTP file port.
- ``[duration:S]``: the operation takes S seconds instead of the server's default.

Other bracketed text is left alone; a known marker with a bad value is a bad request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from genai_grpc import _codes
from genai_grpc._codes import Code
from genai_grpc.server._echo import echo

ERROR_DOMAIN = "generativelanguage.googleapis.com"
SAFETY_REASON = "SAFETY_BLOCKED"
SHAPES = ("proto", "gemini", "vertex")
_MARKER = re.compile(r"\[(fail|filter|empty|shape|duration|uri)(?::([^\]]*))?\]", re.IGNORECASE)


class MarkerError(ValueError):
    """A known marker carries a value it cannot have."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an operation ends. `fail_code` 0 means success."""

    fail_code: int = 0
    safety: bool = False
    filtered: int = 0
    empty: bool = False
    shape: str = "proto"
    duration_s: float | None = None
    return_uri: bool = False


def parse_outcome(text: str) -> Outcome:
    """The outcome the markers in `text` ask for (success when there are none)."""
    fields: dict[str, object] = {}
    for match in _MARKER.finditer(text):
        kind, value = match.group(1).lower(), (match.group(2) or "").strip()
        fields.update(_marker(kind, value, match.group(0)))
    return Outcome(**fields)  # type: ignore[arg-type]


def code_number(name: str) -> int:
    """The number of a gRPC code other than OK, by name (any case) or number; MarkerError if none."""
    try:
        code = _codes.parse(name)
    except ValueError:
        code = Code.OK
    if code is Code.OK:
        raise MarkerError(f"{echo(name)} is not a gRPC status code name or number")
    return int(code)


def _marker(kind: str, value: str, text: str) -> dict[str, object]:
    if kind == "empty":
        return {"empty": True}
    if kind == "uri":
        return {"return_uri": True}
    if kind == "fail":
        if value.lower() == "safety":
            return {"fail_code": int(Code.INVALID_ARGUMENT), "safety": True}
        return {"fail_code": _code(value, text)}
    if kind == "filter":
        return {"filtered": _number(value, text, int)}
    if kind == "shape":
        if value.lower() not in SHAPES:
            raise MarkerError(f"marker {echo(text, quoted=False)}: shape must be one of {', '.join(SHAPES)}")
        return {"shape": value.lower()}
    return {"duration_s": _number(value, text, float)}


def _code(value: str, text: str) -> int:
    try:
        return code_number(value)
    except MarkerError:
        raise MarkerError(f"marker {echo(text, quoted=False)}: use safety or a gRPC code name") from None


def _number(value: str, text: str, kind: type[int | float]) -> int | float:
    try:
        number = kind(value)
    except ValueError:
        raise MarkerError(f"marker {echo(text, quoted=False)}: {echo(value)} is not a number") from None
    if not 0 <= number < 1e7:
        raise MarkerError(f"marker {echo(text, quoted=False)}: {echo(value)} is out of range")
    return number
