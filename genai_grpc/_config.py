"""How a Client connects: decided once, from arguments and the environment. Pure code.

Explicit arguments beat the environment, as in google-genai:

    backend     vertexai=  >  GOOGLE_GENAI_USE_VERTEXAI  >  the Gemini API
    API key     api_key=   >  GOOGLE_API_KEY  >  GEMINI_API_KEY  (a warning when both are set)
    Vertex AI   project= / location=  >  GOOGLE_CLOUD_PROJECT / GOOGLE_CLOUD_LOCATION ("global");
                credentials=  >  Application Default Credentials (looked up at the first call)
    target      endpoint=  >  GENAI_GRPC_EMULATOR_HOST  >  the backend's Google host, port 443

In Vertex AI mode an API key (express mode) is used only when no project or location is set
(explicitly, or else in the environment), and explicit credentials drop an API key from the
environment.

Security: a channel is TLS unless its target is a loopback address or the emulator host,
or the caller passes insecure=True (allowed only for those). Credentials never travel in
plaintext: from the environment they are left out, given as arguments they are an error,
unless allow_insecure_credentials=True, which still allows only loopback targets.

A client certificate (mutual TLS; chosen in _mtls) makes a channel TLS even to a loopback
target; a plaintext channel cannot present one. With a certificate, Google's hosts are
used in their mtls variant as GOOGLE_API_USE_MTLS_ENDPOINT says.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from genai_grpc import __version__, _mtls, _seconds
from genai_grpc._mtls import ClientCert

EMULATOR_ENV = "GENAI_GRPC_EMULATOR_HOST"
VERTEX_ENV = "GOOGLE_GENAI_USE_VERTEXAI"
API_KEY_ENVS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
PROJECT_ENV = "GOOGLE_CLOUD_PROJECT"
LOCATION_ENV = "GOOGLE_CLOUD_LOCATION"

API_KEY_HEADER = "x-goog-api-key"
CLIENT_HEADER = "x-goog-api-client"
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
GEMINI_HOST = "generativelanguage.googleapis.com"
MULTI_REGIONS = frozenset({"us", "eu"})

#: Call metadata (headers and trailers, the status message and details included) a channel
#: accepts. grpc's default, 8 KiB soft and 16 KiB hard, turned a server's long error message
#: into a RESOURCE_EXHAUSTED of grpc's own, and hid the real error.
MAX_METADATA_BYTES = 1 << 20

# No 4 MiB receive cap: a video response can be far larger. Keepalive suits long-lived services.
CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.keepalive_permit_without_calls", 0),
)

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})
_LOCATION = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
_SETUP_HINT = (
    "set GOOGLE_API_KEY (or GEMINI_API_KEY) for the Gemini API; or GOOGLE_GENAI_USE_VERTEXAI=true "
    "with GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_LOCATION for Vertex AI; or "
    f"{EMULATOR_ENV}=host:port for a local server (python -m genai_grpc serve). "
    "Or pass api_key=..., vertexai=True, or endpoint='host:port'"
)

_log = logging.getLogger("genai_grpc")

Auth = Literal["none", "api_key", "google"]


@dataclass(frozen=True)
class ClientConfig:
    """Everything the transports need to open a channel and decorate calls.

    `metadata` goes with every call (x-goog-api-client, and x-goog-api-key when `auth` is
    "api_key"); with `auth` "google" each call carries an OAuth token from `credentials`
    (None: Application Default Credentials, looked up when the channel opens). `secure` is
    TLS; `local_credentials` means plaintext to a loopback address that still carries
    credentials (allow_insecure_credentials=True). repr never shows a key or credentials.
    """

    target: str
    secure: bool
    metadata: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, Any], ...] = CHANNEL_OPTIONS
    timeout: float = 60.0
    auth: Auth = "none"
    api_key: str | None = None
    credentials: Any = None
    root_certificates: bytes | None = None
    client_cert: ClientCert | None = None
    local_credentials: bool = False
    vertexai: bool = False
    project: str | None = None
    location: str | None = None

    def __repr__(self) -> str:
        headers = ", ".join(k for k, _ in self.metadata)
        return (
            f"ClientConfig(target={self.target!r}, secure={self.secure}, "
            f"backend={'vertexai' if self.vertexai else 'gemini'!r}, auth={self.auth!r}, "
            f"project={self.project!r}, location={self.location!r}, headers=[{headers}]{self._mtls_repr()})"
        )

    def _mtls_repr(self) -> str:
        return "" if self.client_cert is None else f", client_cert={self.client_cert.origin!r}"

    __str__ = __repr__

    @property
    def secrets(self) -> tuple[str, ...]:
        """What errors must never show: the API key and the client key, when there are."""
        key = () if self.api_key is None else (self.api_key,)
        return key if self.client_cert is None else (*key, *self.client_cert.secrets)


@dataclass(frozen=True)
class _Auth:
    """Which credential a client uses, and whether the caller passed it explicitly."""

    kind: Auth = "none"
    api_key: str | None = None
    credentials: Any = None
    explicit: bool = False
    project: str | None = None
    location: str | None = None


def resolve(
    *,
    api_key: str | None = None,
    vertexai: bool | None = None,
    project: str | None = None,
    location: str | None = None,
    credentials: Any = None,
    endpoint: str | None = None,
    insecure: bool | None = None,
    root_certificates: bytes | None = None,
    client_cert: ClientCert | None = None,
    allow_insecure_credentials: bool = False,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    grpc_version: str = "unknown",
) -> ClientConfig:
    """Decide where and how to connect (see the module docstring for the rules).

    Raises ValueError naming the argument or variable at fault; never echoes a key.
    """
    env = os.environ if env is None else env
    _check_types(vertexai, project, location, credentials, insecure, allow_insecure_credentials, timeout)
    _check_conflicts(api_key, project, location, credentials, insecure, root_certificates)
    vertex = vertexai if vertexai is not None else env_flag(env, VERTEX_ENV)
    if not vertex and (project is not None or location is not None):
        raise ValueError(
            "project and location are for Vertex AI: pass vertexai=True (or set "
            f"{VERTEX_ENV}=true), or leave them out for the Gemini API"
        )
    if not vertex and credentials is not None:
        raise ValueError(
            "credentials are for Vertex AI: pass vertexai=True (or set "
            f"{VERTEX_ENV}=true); the Gemini API takes api_key"
        )
    key = None if api_key is None else check_api_key(api_key, "api_key")
    auth = _vertex_auth(key, project, location, credentials, env) if vertex else _gemini_auth(key, env)
    target, emulator = _target(endpoint, vertex, auth.location, env, client_cert is not None)
    if not vertex and auth.kind == "none" and endpoint is None and not emulator:
        raise ValueError(f"no API key or server configured: {_SETUP_HINT}")
    secure = _secure(target, emulator, insecure, root_certificates, client_cert)
    if not secure:
        auth = _plaintext_auth(auth, target, emulator, allow_insecure_credentials)
        _plaintext_cert(client_cert, target)
        client_cert = None
    header = client_header(grpc_version)
    api_key_header = () if auth.api_key is None else ((API_KEY_HEADER, auth.api_key),)
    return ClientConfig(
        target=target,
        secure=secure,
        metadata=((CLIENT_HEADER, header), *api_key_header),
        options=(*CHANNEL_OPTIONS, ("grpc.primary_user_agent", header)),
        timeout=float(timeout),
        auth=auth.kind,
        api_key=auth.api_key,
        credentials=auth.credentials,
        root_certificates=root_certificates,
        client_cert=client_cert,
        local_credentials=not secure and auth.kind != "none",
        vertexai=vertex,
        project=auth.project,
        location=auth.location,
    )


# -- arguments ------------------------------------------------------------------------------


def _check_types(
    vertexai: object,
    project: object,
    location: object,
    credentials: object,
    insecure: object,
    allow_insecure_credentials: object,
    timeout: object,
) -> None:
    for name, value in (("vertexai", vertexai), ("insecure", insecure)):
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{name} must be True, False or None, got {value!r}")
    if not isinstance(allow_insecure_credentials, bool):
        raise ValueError(f"allow_insecure_credentials must be True or False, got {allow_insecure_credentials!r}")
    for name, value in (("project", project), ("location", location)):
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if credentials is not None and not callable(getattr(credentials, "before_request", None)):
        raise ValueError(f"credentials must be google.auth.credentials.Credentials, got {type(credentials).__name__}")
    _seconds.check(timeout, "timeout", positive=True, finite=False)


def _check_conflicts(
    api_key: object, project: object, location: object, credentials: object,
    insecure: object, root_certificates: object,
) -> None:  # fmt: skip
    if api_key is not None and credentials is not None:
        raise ValueError("api_key and credentials are mutually exclusive: pass one of them")
    if api_key is not None and (project is not None or location is not None):
        raise ValueError(
            "api_key and project/location are mutually exclusive: Vertex AI takes either an "
            "API key (express mode) or a project and location with Google credentials"
        )
    if root_certificates is not None and not isinstance(root_certificates, bytes):
        raise ValueError(f"root_certificates must be PEM bytes, got {type(root_certificates).__name__}")
    if root_certificates is not None and insecure:
        raise ValueError("root_certificates and insecure=True are mutually exclusive: TLS or plaintext")


def check_api_key(value: object, what: str) -> str:
    """A usable API key, stripped; the error never shows the value."""
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string, got {type(value).__name__}")
    key = value.strip()
    if not key:
        raise ValueError(f"{what} is empty")
    if not all("!" <= c <= "~" for c in key):
        raise ValueError(f"{what} is not a valid API key: it must be printable ASCII without spaces")
    return key


def env_flag(env: Mapping[str, str], name: str) -> bool:
    """A boolean environment variable: true/1/yes/on or false/0/no/off; unset is False."""
    value = env.get(name)
    if value is None or value.strip().lower() in _FALSE:
        return False
    if value.strip().lower() in _TRUE:
        return True
    raise ValueError(f"{name}={value!r} is not a boolean: set it to true or false (or 1 or 0)")


# -- credentials ----------------------------------------------------------------------------


def env_api_key(env: Mapping[str, str]) -> str | None:
    """GOOGLE_API_KEY, else GEMINI_API_KEY (empty counts as unset); warns when both are set."""
    google, gemini = (env.get(name, "").strip() or None for name in API_KEY_ENVS)
    if google and gemini:
        _log.warning("Both GOOGLE_API_KEY and GEMINI_API_KEY are set. Using GOOGLE_API_KEY.")
    found = google or gemini
    name = API_KEY_ENVS[0] if google else API_KEY_ENVS[1]
    return None if found is None else check_api_key(found, name)


def _gemini_auth(api_key: str | None, env: Mapping[str, str]) -> _Auth:
    if api_key is not None:
        return _Auth("api_key", api_key=api_key, explicit=True)
    key = env_api_key(env)
    return _Auth("none") if key is None else _Auth("api_key", api_key=key)


def _vertex_auth(
    api_key: str | None, project: str | None, location: str | None, credentials: Any,
    env: Mapping[str, str],
) -> _Auth:  # fmt: skip
    if api_key is not None:  # express mode; project/location from the environment give way
        return _Auth("api_key", api_key=api_key, explicit=True)
    env_project = env.get(PROJECT_ENV, "").strip() or None
    env_location = env.get(LOCATION_ENV, "").strip() or None
    key = None
    if credentials is None and not (project or location or env_project or env_location):
        key = env_api_key(env)
    if key is not None:
        return _Auth("api_key", api_key=key)
    place = check_location(location or env_location or "global")
    return _Auth("google", credentials=credentials, explicit=credentials is not None,
                 project=project or env_project, location=place)  # fmt: skip


def check_location(location: str) -> str:
    """A Vertex AI location goes into a host name, so only region-like names pass."""
    if not _LOCATION.match(location):
        raise ValueError(
            f"location must be a Vertex AI location such as 'global', 'us-central1' or 'eu', got {location!r}"
        )
    return location


def _plaintext_auth(auth: _Auth, target: str, emulator: bool, allowed: bool) -> _Auth:
    """What a plaintext channel may carry: credentials only when explicitly allowed."""
    loopback = is_loopback(host_of(target))
    if not (loopback or emulator):
        raise ValueError(
            f"plaintext is allowed only to a loopback address or the emulator host ({EMULATOR_ENV}), "
            f"not {target!r}: leave insecure unset to use TLS"
        )
    if auth.kind == "none":
        return auth
    what = "an API key" if auth.kind == "api_key" else "Google credentials"
    if allowed and loopback:
        return auth
    if allowed:
        raise ValueError(f"{what} may travel in plaintext only to a loopback address, not {target!r}")
    if auth.explicit:
        raise ValueError(
            f"refusing to send {what} in plaintext to {target!r}: use TLS (insecure=False or "
            "root_certificates=...), or pass allow_insecure_credentials=True for a loopback test server"
        )
    _log.info("Not sending %s from the environment over the plaintext channel to %s.", what, target)
    return _Auth("none", project=auth.project, location=auth.location)


# -- target ---------------------------------------------------------------------------------


def google_host(vertex: bool, location: str | None) -> str:
    """The Google front end of a backend (and Vertex AI location), without the port."""
    if not vertex:
        return GEMINI_HOST
    if location is None or location == "global":
        return "aiplatform.googleapis.com"
    if location in MULTI_REGIONS:
        return f"aiplatform.{location}.rep.googleapis.com"
    return f"{location}-aiplatform.googleapis.com"


def _target(
    endpoint: str | None, vertex: bool, location: str | None, env: Mapping[str, str], presenting: bool
) -> tuple[str, bool]:
    """(host:port, whether it is the emulator host); Google's host in its mtls variant when
    GOOGLE_API_USE_MTLS_ENDPOINT says so."""
    emulator = env.get(EMULATOR_ENV, "").strip()
    if endpoint is not None:
        target = check_target(endpoint, "endpoint")
        return target, bool(emulator) and target == emulator
    if emulator:
        return check_target(emulator, EMULATOR_ENV), True
    return f"{_mtls.google_host(google_host(vertex, location), _mtls.endpoint_mode(env), presenting)}:443", False


def _secure(
    target: str, emulator: bool, insecure: bool | None, root_certificates: bytes | None, client_cert: ClientCert | None
) -> bool:
    if insecure is not None:
        return not insecure
    local = emulator or is_loopback(host_of(target))
    explicit_cert = client_cert is not None and client_cert.origin != "default"
    return root_certificates is not None or explicit_cert or not local


def _plaintext_cert(client_cert: ClientCert | None, target: str) -> None:
    """A plaintext channel presents no certificate: the machine's default one is left out,
    one the caller gave is an error."""
    if client_cert is None:
        return
    if client_cert.origin != "default":
        raise ValueError(
            f"a client certificate needs TLS, but the channel to {target!r} is plaintext (insecure=True): "
            "leave insecure unset, or drop client_cert / client_cert_source"
        )
    _log.info("Not presenting the default client certificate over the plaintext channel to %s.", target)


def check_target(value: object, what: str) -> str:
    """'host:port' with a port from 1 to 65535 ('[::1]:port' for IPv6)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be 'host:port', got {value!r}")
    text = value.strip()
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{what} must be 'host:port' with a port from 1 to 65535, got {value!r}")
    return text


def host_of(target: str) -> str:
    """The host of 'host:port' without IPv6 brackets."""
    return target.rpartition(":")[0].strip("[]")


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_header(grpc_version: str) -> str:
    """The x-goog-api-client / user-agent value: this library, Python and grpcio versions."""
    python = ".".join(str(part) for part in sys.version_info[:3])
    return f"genai-grpc/{__version__} gl-python/{python} grpc/{grpc_version}"
