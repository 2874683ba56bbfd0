"""Downloads of generated videos: which URL, which credentials may go where, which redirects
to follow, and what a failed answer means. Pure code: no I/O, no requests import.

    Video(data=...)         the bytes as they are; nothing is fetched
    files/{id}              a Gemini API file by name (as google-genai takes it):
                            https://generativelanguage.googleapis.com/v1beta/files/{id}:download?alt=media
    gs://bucket/object      https://storage.googleapis.com/storage/v1/b/bucket/o/<object>?alt=media
    https://host/...        as it is
    http://host/...         only to a loopback address, or to the client's own plaintext
                            endpoint (an emulator); anything else is refused before any I/O

Credentials (the API key as x-goog-api-key, or a Google OAuth token) go only to Google hosts
(*.googleapis.com) over HTTPS, and to the host of the client's own endpoint (the local server,
an emulator, a test server): over HTTPS, or in plaintext only where the client already sends
them in plaintext (allow_insecure_credentials=True, which is loopback only). Never in a URL.

Redirects are followed by hand, at most MAX_REDIRECTS, each hop decided again: HTTPS, or plain
HTTP from loopback to loopback; a hop to any other host goes without credentials (requests
strips Authorization on a host change but not x-goog-api-key, hence no automatic redirects).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from genai_grpc._codes import Code
from genai_grpc._config import GEMINI_HOST, ClientConfig, host_of, is_loopback
from genai_grpc.errors import APIError, ServerError, from_http
from genai_grpc.types import GeneratedVideo, Video

STORAGE_HOST = "storage.googleapis.com"
MAX_REDIRECTS = 10
CHUNK_BYTES = 256 << 10
#: How much of a failed answer's body is read for its error message.
ERROR_BODY_BYTES = 64 << 10
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_FILE_NAME = re.compile(r"^files/[a-z0-9][a-z0-9-]{0,62}$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$")


@dataclass(frozen=True, slots=True)
class Source:
    """What to download: inline `data`, or the `uri` it is served at."""

    data: bytes | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Hop:
    """One GET: the URL, and whether the client's credentials may go with it."""

    url: str
    credentials: bool

    def __repr__(self) -> str:
        return f"Hop(url={describe(self.url)!r}, credentials={self.credentials})"


def source(file: object) -> Source:
    """A Video, a GeneratedVideo or a URI string -> what to download; TypeError/ValueError
    naming what is wrong."""
    if isinstance(file, GeneratedVideo):
        if file.video is None:
            raise ValueError("file is a GeneratedVideo without a video: nothing to download")
        file = file.video
    if isinstance(file, Video):
        if file.data is not None:
            return Source(data=file.data)
        if not file.uri:
            raise ValueError("file is a Video with neither bytes nor a uri: nothing to download")
        return Source(uri=file.uri)
    if isinstance(file, str):
        if not file.strip():
            raise ValueError("file is an empty string: pass a Video or its uri")
        return Source(uri=file.strip())
    raise TypeError(f"file must be a types.Video, a types.GeneratedVideo or a URI string, got {type(file).__name__}")


def first_hop(uri: str, config: ClientConfig) -> Hop:
    """The first GET for `uri`; ValueError for a URI that cannot or may not be fetched."""
    if uri.startswith("gs://") and config.auth != "google":
        has = "an API key" if config.auth == "api_key" else "no credentials"
        raise ValueError(
            f"{uri} is read through Cloud Storage with Google credentials (OAuth), and this client "
            f"has {has}: use a Vertex AI client with a project (and credentials with access to the bucket)"
        )
    if _FILE_NAME.match(uri):
        uri = gemini_file_url(uri, config)
    url = storage_url(uri) if uri.startswith("gs://") else uri
    parts = _split(url, "uri", ValueError)
    if parts.scheme == "http" and not (
        is_loopback(parts.hostname or "") or _plaintext_endpoint(parts.hostname, config)
    ):
        raise ValueError(
            f"refusing to download {describe(url)} over plain HTTP: only loopback addresses and the "
            "client's plaintext endpoint (an emulator) are fetched without TLS"
        )
    return Hop(url, _may_carry_credentials(parts.scheme, parts.hostname or "", config))


def next_hop(hop: Hop, location: str | None, config: ClientConfig, redirects: int) -> Hop:
    """The hop a redirect answer to `hop` leads to (`redirects` already followed).

    Raises ServerError (502) for a redirect that must not be followed: too many, no
    Location, another scheme, or plain HTTP unless from loopback to loopback.
    """
    if redirects >= MAX_REDIRECTS:
        raise _refused(f"more than {MAX_REDIRECTS} redirects downloading {describe(hop.url)}")
    if not location or not location.strip():
        raise _refused(f"a redirect without a Location downloading {describe(hop.url)}")
    url = urljoin(hop.url, location.strip())
    parts = _split(url, "redirect", _refused)
    if parts.scheme == "http" and not (is_loopback(parts.hostname or "") and is_loopback_url(hop.url)):
        raise _refused(
            f"refusing to follow a redirect from {describe(hop.url)} to {describe(url)}: redirects are "
            "followed only over HTTPS (or from loopback to loopback)"
        )
    return Hop(url, _may_carry_credentials(parts.scheme, parts.hostname or "", config))


def storage_url(uri: str) -> str:
    """gs://bucket/object -> the Cloud Storage JSON API URL of its bytes; ValueError if malformed."""
    bucket, _, name = uri[len("gs://") :].partition("/")
    if not _BUCKET.match(bucket) or not name:
        raise ValueError(f"{uri!r} is not a Cloud Storage URI of the form gs://bucket/object")
    return f"https://{STORAGE_HOST}/storage/v1/b/{bucket}/o/{quote(name, safe='')}?alt=media"


def gemini_file_url(name: str, config: ClientConfig) -> str:
    """files/{id} -> its download URL on the Gemini API; ValueError for a client of another API."""
    if config.vertexai or host_of(config.target) != GEMINI_HOST:
        raise ValueError(
            f"{name!r} is a Gemini API file name, and this client talks to {config.target}: "
            "pass the video's uri (or a Video) instead"
        )
    return f"https://{GEMINI_HOST}/v1beta/{name}:download?alt=media"


def is_google_host(host: str) -> bool:
    """*.googleapis.com: Google's API front ends, which may receive the client's credentials."""
    host = host.lower().rstrip(".")
    return host == "googleapis.com" or host.endswith(".googleapis.com")


def describe(url: str) -> str:
    """The URL without its query or fragment (where signed URLs keep their secrets), for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<a malformed URL>"
    text = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
    return text if len(text) <= 200 else text[:199] + "…"


def total_size(headers: Any) -> int | None:
    """The body's size from Content-Length, when the body is sent as is (None otherwise)."""
    if headers.get("Content-Encoding", "identity").lower() not in ("", "identity"):
        return None
    value = str(headers.get("Content-Length", ""))
    return int(value) if value.isdigit() else None


def http_error(status: int, body: bytes, url: str) -> APIError:
    """The error for an answer with HTTP `status` (not 200): Google's JSON error body
    ({"error": {"code", "message", "status", "details"}}) when there is one, else the text."""
    message, status_name, details = _body_error(body)
    where = f"downloading {describe(url)}"
    text = f"{message} ({where})" if message else f"HTTP {status} {where}"
    if not 400 <= status < 600:
        return ServerError(502, f"unexpected HTTP {status} {where}", grpc_code=Code.UNKNOWN)
    return from_http(status, text, status=status_name, details=details)


def _body_error(body: bytes) -> tuple[str, str | None, tuple[dict[str, Any], ...]]:
    import json  # only when a download fails: `genai-grpc get` never imports json

    text = body[:ERROR_BODY_BYTES].decode("utf-8", "replace")
    try:
        error = json.loads(text).get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict):
        return _printable(text), None, ()
    details = tuple(d for d in error.get("details") or () if isinstance(d, dict))
    status = error.get("status") if isinstance(error.get("status"), str) else None
    return _printable(str(error.get("message") or "")), status, details


def _printable(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())[:500]


def _split(url: str, what: str, fail: Any) -> Any:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise fail(f"{what} {describe(url)!r} is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise fail(f"{what} {describe(url)!r} is not an https:// (or gs://) URL")
    if "@" in parts.netloc:
        raise fail(f"{what} {describe(url)!r} carries a user name or password: refusing it")
    return parts


def _may_carry_credentials(scheme: str, host: str, config: ClientConfig) -> bool:
    if config.auth == "none":
        return False
    if scheme == "https":
        return is_google_host(host) or _is_endpoint_host(host, config)
    return config.local_credentials and is_loopback(host) and _is_endpoint_host(host, config)


def _is_endpoint_host(host: str, config: ClientConfig) -> bool:
    return host.lower() == host_of(config.target).lower()


def _plaintext_endpoint(host: str | None, config: ClientConfig) -> bool:
    return not config.secure and host is not None and _is_endpoint_host(host, config)


def is_loopback_url(url: str) -> bool:
    """Whether the URL's host is a loopback address."""
    return is_loopback(urlsplit(url).hostname or "")


def _refused(message: str) -> APIError:
    return ServerError(502, message, grpc_code=Code.UNKNOWN)
