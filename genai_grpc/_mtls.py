"""Mutual TLS: which client certificate a client presents, and where. Pure code.

A certificate given to the Client (``client_cert=`` and ``client_key=`` PEM bytes, or
``client_cert_source=`` a callable returning both) is always presented. Otherwise Google's
convention, as google-auth and google-api-core follow it, applies:

    GOOGLE_API_USE_CLIENT_CERTIFICATE=true   present the machine's default client certificate
                                             (google.auth.transport.mtls), when it has one
    GOOGLE_API_USE_MTLS_ENDPOINT             for Google's own hosts: "auto" (the default) uses
                                             the host's mtls variant while a certificate is
                                             presented, "always" always, "never" never

The private key never appears in a repr, a log line or an error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

USE_CLIENT_CERT_ENV = "GOOGLE_API_USE_CLIENT_CERTIFICATE"
USE_MTLS_ENDPOINT_ENV = "GOOGLE_API_USE_MTLS_ENDPOINT"

Origin = Literal["argument", "source", "default"]
CertSource = Callable[[], tuple[bytes, bytes]]
EndpointMode = Literal["never", "auto", "always"]

# google-api-core's rule: name.googleapis.com -> name.mtls.googleapis.com (also *.sandbox.*).
_GOOGLE_HOST = re.compile(r"^(?P<name>[^.]+)(?P<mtls>\.mtls)?(?P<sandbox>\.sandbox)?\.googleapis\.com$")
_PEM_BLOCK = re.compile(rb"-----BEGIN [A-Z0-9 ]+-----.*?(-----END [A-Z0-9 ]+-----|$)", re.DOTALL)


@dataclass(frozen=True)
class ClientCert:
    """A client certificate chain and its private key (PEM bytes), and where they came from."""

    cert: bytes = field(repr=False)
    key: bytes = field(repr=False)
    origin: Origin = "argument"

    def __repr__(self) -> str:
        return f"ClientCert(origin={self.origin!r}, certificate and key hidden)"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key's text and its base64 body, for masking wherever a server could echo it."""
        text = self.key.decode("ascii", "replace").strip()
        body = "".join(line for line in text.splitlines() if line and not line.startswith("-----"))
        return tuple(s for s in (text, body) if s)


def from_arguments(cert: object, key: object, source: object) -> ClientCert | CertSource | None:
    """What the caller passed: a certificate and key, a source to call, or nothing.

    Raises ValueError naming the argument at fault (never showing a value).
    """
    if source is not None:
        if cert is not None or key is not None:
            raise ValueError("pass client_cert and client_key, or client_cert_source, not both")
        if not callable(source):
            raise ValueError(
                f"client_cert_source must be a callable returning (cert, key), got {type(source).__name__}"
            )
        return source
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        missing = "client_key" if key is None else "client_cert"
        raise ValueError(f"client_cert and client_key go together: {missing} is missing")
    return checked_pair(cert, key, "argument")


def checked_pair(cert: object, key: object, origin: Origin) -> ClientCert:
    """A ClientCert from PEM bytes; ValueError (without the values) when they are not that."""
    what = {"argument": ("client_cert", "client_key"), "source": ("the certificate", "the key")}.get(
        origin, ("the default certificate", "the default key")
    )
    for name, value in zip(what, (cert, key), strict=True):
        if not isinstance(value, bytes):
            raise ValueError(f"{name} must be PEM bytes, got {type(value).__name__}")
        if b"-----BEGIN " not in value:
            raise ValueError(f"{name} is not PEM: it has no '-----BEGIN ...-----' line")
    assert isinstance(cert, bytes) and isinstance(key, bytes)
    return ClientCert(cert, key, origin)


def from_source_result(result: object, origin: Origin) -> ClientCert:
    """The (cert, key) a certificate source returned, checked."""
    if not isinstance(result, tuple) or len(result) != 2:
        raise ValueError(f"a client certificate source must return (cert, key) PEM bytes, got {type(result).__name__}")
    return checked_pair(result[0], result[1], origin)


def source_failed(origin: Origin, error: BaseException) -> ValueError:
    """The error for a certificate source that raised: its message with any PEM block cut."""
    what = "client_cert_source" if origin == "source" else "the default client certificate source"
    message = hide_pem(str(error))
    return ValueError(
        f"{what} failed: {type(error).__name__}: {message}" if message else f"{what} failed: {type(error).__name__}"
    )


def hide_pem(text: str) -> str:
    """Text with every PEM block (certificate or key) replaced by a marker."""
    return _PEM_BLOCK.sub(b"<PEM hidden>", text.encode("utf-8", "replace")).decode("utf-8", "replace")


def wants_default(env: Mapping[str, str]) -> bool:
    """GOOGLE_API_USE_CLIENT_CERTIFICATE: "true" or "false" (unset: false), as google-auth reads it."""
    value = env.get(USE_CLIENT_CERT_ENV, "").strip().lower()
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    raise ValueError(f"{USE_CLIENT_CERT_ENV} must be 'true' or 'false', got {env[USE_CLIENT_CERT_ENV]!r}")


def endpoint_mode(env: Mapping[str, str]) -> EndpointMode:
    """GOOGLE_API_USE_MTLS_ENDPOINT: never, auto (the default) or always."""
    value = env.get(USE_MTLS_ENDPOINT_ENV, "").strip().lower() or "auto"
    if value not in ("never", "auto", "always"):
        raise ValueError(
            f"{USE_MTLS_ENDPOINT_ENV} must be 'never', 'auto' or 'always', got {env[USE_MTLS_ENDPOINT_ENV]!r}"
        )
    return value  # type: ignore[return-value]


def mtls_host(host: str) -> str:
    """The mutual-TLS variant of a Google API host (name.googleapis.com -> name.mtls.googleapis.com);
    any other host unchanged."""
    match = _GOOGLE_HOST.match(host)
    if match is None or match["mtls"]:
        return host
    return f"{match['name']}.mtls{match['sandbox'] or ''}.googleapis.com"


def google_host(host: str, mode: EndpointMode, presenting: bool) -> str:
    """Which of a Google host's two variants to use under `mode`."""
    if mode == "always" or (mode == "auto" and presenting):
        return mtls_host(host)
    return host
