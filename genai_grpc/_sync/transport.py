# DO NOT EDIT: generated from genai_grpc/_async/transport.py by scripts/unasync.py.
"""Moves messages between the typed layer and one grpc channel; decides nothing."""

from __future__ import annotations

from typing import Any

import grpc

from genai_grpc import _rpc
from genai_grpc._config import ClientConfig
from genai_grpc._generated.genai_grpc.v1 import service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2_grpc


class Transport:
    """One channel, opened on first use and reused by every call until close()."""

    def __init__(self, config: ClientConfig) -> None:
        self._config = config
        self._channel: Any = None
        self._stubs: dict[str, Any] = {}

    def _open(self) -> dict[str, Any]:
        config = self._config
        if config.secure:
            channel = grpc.secure_channel(config.target, config.credentials, options=config.options)
        else:
            channel = grpc.insecure_channel(config.target, options=config.options)
        self._channel = channel
        self._stubs = {
            "operations": operations_pb2_grpc.OperationsStub(channel),
            "genai": service_pb2_grpc.GenAIStub(channel),
        }
        return self._stubs

    @property
    def timeout(self) -> float:
        """The default deadline of one RPC, in seconds."""
        return self._config.timeout

    def multicallable(self, service: str, method: str) -> Any:
        """The stub method for one RPC, opening the channel on first use."""
        stubs = self._stubs or self._open()
        return getattr(stubs[service], method)

    def metadata(self, name: str) -> tuple[tuple[str, str], ...]:
        """The metadata of a call about resource `name`."""
        return (*self._config.metadata, _rpc.routing_header(name))

    def call(
        self, service: str, method: str, request: Any, name: str, timeout: float | None = None
    ) -> Any:
        """Send one unary RPC; a gRPC failure comes out as ClientError / ServerError."""
        rpc = self.multicallable(service, method)
        try:
            return rpc(request, metadata=self.metadata(name), timeout=timeout or self._config.timeout)
        except grpc.RpcError as exc:
            raise _rpc.to_api_error(exc) from None

    def close(self) -> None:
        """Close the channel; calls in flight are cancelled. Safe to call twice."""
        channel, self._channel, self._stubs = self._channel, None, {}
        if channel is not None:
            channel.close()
