"""client.aio.operations: look up long-running operations."""

from __future__ import annotations

from genai_grpc import _convert, _names, _routing
from genai_grpc._async.transport import AsyncTransport
from genai_grpc.types import Operation


class AsyncOperations:
    """Long-running operations, over grpc.aio."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def get(self, operation: Operation | str, *, timeout: float | None = None) -> Operation:
        """The operation's current snapshot.

        `operation` is an Operation (the result keeps its class) or a resource name (the
        class follows the response type, then the name). A failed operation is returned with
        `.error` set, not raised. Raises ClientError (404 when there is no such operation)
        or ServerError; ValueError for a name that is not a non-empty string.
        """
        name, cls = _names.operation_name(operation)
        rpc = _routing.get_call(name, self._transport.config.vertexai)
        pb = await self._transport.call(
            rpc.service, rpc.method, rpc.request, rpc.routing_value, timeout, routing_field=rpc.routing_field
        )
        return _convert.to_operation(pb, cls)
