"""Moves messages between the typed layer and one grpc.aio channel; decides nothing."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence
from typing import Any

import grpc.aio
from google.protobuf.message import Message

from genai_grpc import _channel, _rpc, _seconds, _telemetry
from genai_grpc._budget import Budget
from genai_grpc._codes import Code
from genai_grpc._config import ClientConfig
from genai_grpc.errors import APIError


class AsyncTransport:
    """One channel, opened on first use and reused by every call until close().
    `budget` (shared with the client's other transport) paces every call."""

    def __init__(
        self,
        config: ClientConfig,
        credentials: _channel.ChannelCredentials | None = None,
        interceptors: Sequence[Any] = (),
        budget: Budget | None = None,
    ) -> None:
        self.budget = budget
        self._config = config
        self._credentials = credentials or _channel.ChannelCredentials(config)
        self._interceptors = tuple(interceptors)
        self._channel: Any = None
        #: The multicallable of each RPC of _channel.METHODS; empty until `bind()`.
        self.methods: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    @property
    def config(self) -> ClientConfig:
        """What this transport connects to, and how."""
        return self._config

    def bind(self) -> dict[tuple[str, str], Any]:
        """`methods`, opening the channel first if it is not open."""
        with self._lock:  # threads making their first calls at once must share one channel
            if not self.methods:
                credentials = self._credentials.get()
                channel = _channel.open_channel(grpc.aio, self._config, credentials, self._interceptors)
                self._channel = channel
                self.methods = _channel.bind_methods(channel)
            return self.methods

    @property
    def interceptors(self) -> tuple[Any, ...]:
        """The client interceptors every call goes through."""
        return self._interceptors

    @property
    def timeout(self) -> float:
        """The default deadline of one RPC, in seconds."""
        return self._config.timeout

    def multicallable(self, service: str, method: str) -> Any:
        """The multicallable for one RPC of _channel.METHODS, opening the channel on first use."""
        return (self.methods or self.bind())[service, method]

    def metadata(self, name: str, routing_field: str = "name") -> tuple[tuple[str, str], ...]:
        """The metadata of a call routed by `routing_field`=`name` (a resource name)."""
        return (*self._config.metadata, _rpc.routing_header(name, routing_field))

    async def call(
        self,
        service: str,
        method: str,
        request: Message,
        name: str,
        timeout: float | None = None,
        *,
        routing_field: str = "name",
    ) -> Any:
        """Send one unary RPC routed by `routing_field`=`name`; a gRPC failure comes out as
        ClientError / ServerError. `timeout` None means the client's default; ValueError
        unless it is a finite number > 0."""
        config = self._config
        deadline = (
            config.timeout if timeout is None else _seconds.check(timeout, "timeout", positive=True, optional=True)
        )
        rpc = (self.methods or self.bind())[service, method]
        # The asyncio channel takes its own Metadata type as it is, a tuple it checks against
        # typing.Sequence and copies into one (~5k instructions a call, counted); the sync one
        # takes a tuple.
        metadata = grpc.aio.Metadata(*config.metadata, _rpc.routing_header(name, routing_field))
        budget = self.budget
        if budget is not None:
            wait = budget.reserve(time.monotonic())
            if wait > 0:
                await asyncio.sleep(wait)
        try:
            response = await rpc(request, metadata=metadata, timeout=deadline)
        except grpc.RpcError as exc:
            raise self.failed(exc, service, method) from None
        if response is None:
            _rpc.parsed(response)  # raises the 500 for an answer that did not parse
        if _telemetry.OTEL in _telemetry.MODULES:
            _telemetry.rpc_done(service, method, 0)
        return response

    def failed(self, exc: grpc.RpcError, service: str, method: str) -> APIError:
        """The ClientError / ServerError a failed call raises; tells the budget and telemetry."""
        error = _rpc.to_api_error(exc, self._config.secrets)
        if self.budget is not None and error.grpc_code == Code.RESOURCE_EXHAUSTED:
            self.budget.refused(time.monotonic(), error.retry_delay)
        _telemetry.rpc_done(service, method, error.grpc_code)
        return error

    async def close(self) -> None:
        """Close the channel; calls in flight are cancelled. Safe to call twice."""
        channel, self._channel, self.methods = self._channel, None, {}
        if channel is not None:
            await channel.close()

    def __repr__(self) -> str:
        return f"AsyncTransport(target={self._config.target!r}, secure={self._config.secure})"
