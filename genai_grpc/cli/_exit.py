"""Exit codes, and the one place that turns a failure into a code and a one-line message.

Pure code: it reads exception attributes and never imports grpc.
"""

from __future__ import annotations

from collections.abc import Iterable

from genai_grpc._codes import Code
from genai_grpc.cli._human import clean
from genai_grpc.errors import APIError, mask_secrets

OK = 0
OPERATION_FAILED = 1
USAGE = 2
NOT_FOUND = 3
TIMED_OUT = 4
UNAVAILABLE = 5
INTERRUPTED = 130

TABLE = """\
exit codes:
  0    success; for get and wait, the operation has not failed
  1    the operation finished with an error (get, wait)
  2    usage or configuration error: bad arguments, no server configured, the server
       refused the request or the credentials (400, 401, 403), or --output-dir cannot be written
  3    no such operation, or no such file to download (404)
  4    timed out (wait --timeout, or a call's deadline)
  5    could not reach the server, or the server failed (5xx, 429, 409)
  130  interrupted (Ctrl-C)
  wait and watch over many names exit with the highest code of any of them"""

# google.rpc codes that mean "what you asked for, or who you are, is wrong".
_USAGE_CODES = frozenset({
    Code.INVALID_ARGUMENT, Code.PERMISSION_DENIED, Code.FAILED_PRECONDITION, Code.OUT_OF_RANGE,
    Code.UNAUTHENTICATED,
})  # fmt: skip


def for_api_error(error: APIError) -> int:
    """The exit code for a failed call."""
    if error.grpc_code == Code.NOT_FOUND:
        return NOT_FOUND
    if error.grpc_code == Code.DEADLINE_EXCEEDED:
        return TIMED_OUT
    if error.grpc_code in _USAGE_CODES:
        return USAGE
    return UNAVAILABLE


def describe_api_error(error: APIError) -> str:
    """`404 NOT_FOUND: message (reasons: A, B)`."""
    text = f"{error.code} {error.status}: {error.message or 'no message'}"
    if error.reasons:
        text += f" (reasons: {', '.join(error.reasons)})"
    return text


def one_line(message: str, secrets: Iterable[str] = ()) -> str:
    """`message` as one printable line, with every secret in it masked."""
    return clean(mask_secrets(message, secrets), 2000)


# The library's messages name Python arguments; on the command line they are flags.
_FLAG_WORDING = (
    ("Or pass api_key=..., vertexai=True, or endpoint='host:port'", "Or use --vertexai, or --endpoint HOST:PORT"),
    ("pass vertexai=True", "pass --vertexai"),
    ("pass endpoint='host:port'", "pass --endpoint HOST:PORT"),
    ("client_cert and client_key go together", "--client-cert and --client-key go together"),
    ("client_cert must", "--client-cert must"),
    ("client_key must", "--client-key must"),
    ("client_cert is not PEM", "--client-cert is not PEM"),
    ("client_key is not PEM", "--client-key is not PEM"),
)


def in_flags(message: str) -> str:
    """A configuration error's message with Python argument names replaced by the CLI's flags."""
    for python, flag in _FLAG_WORDING:
        message = message.replace(python, flag)
    return message
