"""How a Client connects: resolved once, from arguments and the environment. Pure code."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

EMULATOR_ENV = "GENAI_GRPC_EMULATOR_HOST"

# No 4 MiB receive cap: a video response can be far larger. Keepalive suits long-lived services.
CHANNEL_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.max_receive_message_length", -1),
    ("grpc.max_send_message_length", -1),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.keepalive_permit_without_calls", 0),
)


@dataclass(frozen=True)
class ClientConfig:
    """Everything the transports need to open a channel and decorate calls."""

    target: str
    secure: bool
    metadata: tuple[tuple[str, str], ...] = ()
    options: tuple[tuple[str, Any], ...] = CHANNEL_OPTIONS
    timeout: float = 60.0
    credentials: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        headers = ", ".join(k for k, _ in self.metadata)
        return f"ClientConfig(target={self.target!r}, secure={self.secure}, headers=[{headers}])"


def _check_target(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be 'host:port', got {value!r}")
    text = value.strip()
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{what} must be 'host:port' with a port from 1 to 65535, got {value!r}")
    return text


def resolve(
    *,
    api_key: str | None = None,
    vertexai: bool | None = None,
    project: str | None = None,
    location: str | None = None,
    credentials: Any = None,
    endpoint: str | None = None,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Decide where and how to connect. Explicit arguments beat the environment."""
    env = os.environ if env is None else env
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if endpoint is not None:
        return ClientConfig(target=_check_target(endpoint, "endpoint"), secure=False, timeout=timeout)
    emulator = env.get(EMULATOR_ENV)
    if emulator:
        return ClientConfig(target=_check_target(emulator, EMULATOR_ENV), secure=False, timeout=timeout)
    raise ValueError(
        f"no server configured: set {EMULATOR_ENV}=host:port to use a local server "
        "(python -m genai_grpc serve), or pass endpoint='host:port'"
    )
