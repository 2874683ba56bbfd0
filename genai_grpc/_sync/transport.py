# DO NOT EDIT: generated from genai_grpc/_async/transport.py by scripts/unasync.py.
"""Moves messages between the typed layer and one grpc channel; decides nothing."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import grpc

from genai_grpc import _channel, _names, _rpc
from genai_grpc._config import ClientConfig
from genai_grpc._generated.genai_grpc.v1 import service_pb2_grpc
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2_grpc


class Transport:
    """One channel, opened on first use and reused by every call until close()."""

    def __init__(
        self,
        config: ClientConfig,
        credentials: _channel.ChannelCredentials | None = None,
        interceptors: Sequence[Any] = (),
    ) -> None:
        self._config = config
        self._credentials = credentials or _channel.ChannelCredentials(config)
        self._interceptors = tuple(interceptors)
        self._channel: Any = None
        self._stubs: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def config(self) -> ClientConfig:
        """What this transport connects to, and how."""
        return self._config

    def _open(self) -> dict[str, Any]:
        with self._lock:  # threads making their first calls at once must share one channel
            if not self._stubs:
                credentials = self._credentials.get()
                channel = _channel.open_channel(grpc, self._config, credentials, self._interceptors)
                self._channel = channel
                self._stubs = {
                    "operations": operations_pb2_grpc.OperationsStub(channel),
                    "genai": service_pb2_grpc.GenAIStub(channel),
                    "prediction": prediction_service_pb2_grpc.PredictionServiceStub(channel),
                }
                _channel.read_operations_lazily(self._stubs, channel)
            return self._stubs

    @property
    def timeout(self) -> float:
        """The default deadline of one RPC, in seconds."""
        return self._config.timeout

    def multicallable(self, service: str, method: str) -> Any:
        """The stub method for one RPC, opening the channel on first use."""
        stubs = self._stubs or self._open()
        return getattr(stubs[service], method)

    def metadata(self, name: str, routing_field: str = "name") -> tuple[tuple[str, str], ...]:
        """The metadata of a call routed by `routing_field`=`name` (a resource name)."""
        return (*self._config.metadata, _rpc.routing_header(name, routing_field))

    def call(
        self,
        service: str,
        method: str,
        request: Any,
        name: str,
        timeout: float | None = None,
        *,
        routing_field: str = "name",
    ) -> Any:
        """Send one unary RPC routed by `routing_field`=`name`; a gRPC failure comes out as
        ClientError / ServerError. `timeout` None means the client's default; ValueError
        unless it is a finite number > 0."""
        # Every get() and poll comes through here: the helpers are inlined (multicallable,
        # metadata, _rpc.parsed), each Python call costing several times its microbenchmark
        # between gRPC calls (BENCHMARKS.md, "The cost of a look").
        config = self._config
        deadline = config.timeout if timeout is None else _names.check_call_timeout(timeout)
        rpc = getattr((self._stubs or self._open())[service], method)
        metadata = (*config.metadata, _rpc.routing_header(name, routing_field))
        try:
            response = rpc(request, metadata=metadata, timeout=deadline)
        except grpc.RpcError as exc:
            raise _rpc.to_api_error(exc) from None
        return response if response is not None else _rpc.parsed(response)

    def close(self) -> None:
        """Close the channel; calls in flight are cancelled. Safe to call twice."""
        channel, self._channel, self._stubs = self._channel, None, {}
        if channel is not None:
            channel.close()

    def __repr__(self) -> str:
        return f"Transport(target={self._config.target!r}, secure={self._config.secure})"
