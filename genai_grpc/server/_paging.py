"""Pure decisions for ListOperations: which names, which filter, which page.

No grpc, asyncio or clock here: the service turns `RequestError` into INVALID_ARGUMENT.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from genai_grpc.server._echo import echo
from genai_grpc.server._errors import RequestError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
_FILTER = re.compile(r"^\s*done\s*=\s*(true|false)\s*$", re.IGNORECASE)
_TOKEN_VERSION = "v1"
_SEQUENCE = re.compile(r"[0-9]{1,19}")


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A validated ListOperations request.

    `prefix` is "" for everything, else "parent/" so that `models/a` never matches `models/ab`.
    `done` is None when the filter is empty. `after` is the last sequence number already served.
    """

    prefix: str
    done: bool | None
    size: int
    after: int

    @property
    def name_range(self) -> tuple[str, str]:
        """Half-open [low, high) range of names under `prefix`, for an indexed scan."""
        if not self.prefix:
            return ("", "\U0010ffff")
        # "/" is followed by "0" in code point order, so [p + "/", p + "0") is exactly p's children.
        return (self.prefix, self.prefix[:-1] + "0")

    def next_token(self, last_seq: int) -> str:
        """The page token that continues this query after `last_seq`."""
        return encode_token(last_seq, _scope(self.prefix, self.done))


def parse_list(name: str, filter_text: str, page_size: int, page_token: str) -> ListQuery:
    """Validate the fields of a ListOperations request."""
    prefix = parse_parent(name)
    done = parse_filter(filter_text)
    size = parse_page_size(page_size)
    after = decode_token(page_token, _scope(prefix, done)) if page_token else 0
    return ListQuery(prefix=prefix, done=done, size=size, after=after)


def parse_parent(name: str) -> str:
    """ "" or "operations" lists everything; any other name lists what lies under it."""
    name = name.strip("/")
    if name in ("", "operations"):
        return ""
    if any(not part for part in name.split("/")):
        raise RequestError(f"name {echo(name)} has an empty path segment")
    return name + "/"


def parse_filter(text: str) -> bool | None:
    """Accept "", "done=true" or "done=false" (any case, spaces allowed around the parts)."""
    if not text.strip():
        return None
    match = _FILTER.match(text)
    if match is None:
        raise RequestError(f"filter {echo(text)} is not supported: use done=true, done=false or leave it empty")
    return match.group(1).lower() == "true"


def parse_page_size(size: int) -> int:
    """0 means the default; larger than the maximum is lowered to it (AIP-158)."""
    if size < 0:
        raise RequestError(f"page_size {size} is negative")
    if size == 0:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)


def encode_token(after: int, scope: str) -> str:
    """An opaque token: the last served sequence number, bound to the query it came from."""
    raw = f"{_TOKEN_VERSION}:{after}:{scope}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, scope: str) -> int:
    """The sequence number in `token`; RequestError if it is malformed or from another query."""
    try:
        padded = token + "=" * (-len(token) % 4)
        version, after, token_scope = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii").split(":")
        value = int(after) if _SEQUENCE.fullmatch(after) else -1
    except (ValueError, binascii.Error, UnicodeError):
        raise RequestError(f"page_token {echo(token)} is malformed") from None
    # SQLite's integers end at 2**63 - 1: a larger number would fail the query, not the token.
    if version != _TOKEN_VERSION or not 0 <= value < 2**63:
        raise RequestError(f"page_token {echo(token)} is malformed")
    if token_scope != scope:
        raise RequestError("page_token was issued for a different name or filter")
    return value


def _scope(prefix: str, done: bool | None) -> str:
    return hashlib.sha256(f"{prefix}|{done}".encode()).hexdigest()[:12]
