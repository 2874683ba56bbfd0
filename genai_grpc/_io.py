"""Many unary calls in flight on one channel, and which of them have finished.

The only I/O primitives the generated drivers need that differ between the two sides in
kind, not in spelling, so they are written here once per side:

- AsyncCalls: grpc.aio calls started on the event loop; their done callbacks wake one waiter
  future (no task of ours per call).
- Calls: grpc futures on the sync channel; grpc's own channel thread runs the done callbacks,
  which wake the caller's condition variable. No thread per call or per operation, and the
  caller blocks only in Condition.wait, which Ctrl-C interrupts.
"""

from __future__ import annotations

import asyncio
import threading
from functools import partial
from typing import Any, Protocol

import grpc
from google.protobuf.message import Message

from genai_grpc import _routing, _rpc
from genai_grpc._config import ClientConfig
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc._waiting import GET, Call

Done = list[tuple[str, Any]]
Metadata = tuple[tuple[str, str], ...]


class Transport(Protocol):
    """What calls in flight need of a transport: the sync Transport or the AsyncTransport."""

    @property
    def config(self) -> ClientConfig: ...

    def multicallable(self, service: str, method: str) -> Any: ...

    def metadata(self, name: str, routing_field: str = "name") -> Metadata: ...

    @property
    def interceptors(self) -> tuple[Any, ...]: ...


def request(name: str, call: Call) -> Message:
    """The request message for a Call about operation `name`."""
    if call.method == GET:
        return operations_pb2.GetOperationRequest(name=name)
    message = operations_pb2.WaitOperationRequest(name=name)
    # Set field by field: the message lives in the private pool, its Duration too.
    seconds, nanos = divmod(int((call.hold or 0.0) * 1e9), 1_000_000_000)
    message.timeout.seconds, message.timeout.nanos = seconds, nanos
    return message


def prepare(transport: Transport, name: str, call: Call) -> tuple[Any, Message, Metadata, float]:
    """(multicallable, request, metadata, deadline) of a wait's `call` about operation `name`."""
    route = _routing.poll_route(name, transport.config.vertexai)
    if route is None:
        return (
            transport.multicallable("operations", call.method),
            request(name, call),
            transport.metadata(name),
            call.timeout,
        )
    rpc = transport.multicallable(route.service, route.method)
    metadata = transport.metadata(route.routing_value, route.routing_field)
    # It answers at once: the part of the deadline meant for a long poll's hold is not needed.
    return rpc, route.request, metadata, call.timeout - (call.hold or 0.0)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class AsyncCalls:
    """Calls in flight over one grpc.aio transport (an AsyncTransport)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._inflight: dict[str, Any] = {}
        self._done: Done = []
        self._waiter: asyncio.Future[None] | None = None
        self._plain = not transport.config.vertexai
        self._headers = transport.config.metadata
        from grpc.aio import Metadata  # loaded with the AsyncTransport: sync waits need not

        self._metadata = Metadata
        #: name -> the GetOperation request and metadata of its polls, made once per operation
        #: (as a hand-written loop would) while no interceptor could change them in place.
        self._prepared: dict[str, tuple[Message, Any]] | None = None if transport.interceptors else {}

    def start(self, name: str, call: Call) -> None:
        # Every poll comes through here: the usual one (a GetOperation on the Gemini API) is
        # prepared inline, once per operation, each Python call showing in the cost of a poll
        # (BENCHMARKS.md, "The cost of a look").
        if self._plain and call.method == GET:
            rpc = self._transport.multicallable("operations", GET)
            prepared = self._prepared
            both = prepared.get(name) if prepared is not None else None
            if both is None:
                # grpc.aio takes its own Metadata as it is; a tuple it checks against
                # typing.Sequence and copies into one (~5k instructions a call, counted).
                both = (
                    operations_pb2.GetOperationRequest(name=name),
                    self._metadata(*self._headers, _rpc.routing_header(name)),
                )
                if prepared is not None:
                    prepared[name] = both
            handle = rpc(both[0], metadata=both[1], timeout=call.timeout)
        else:
            rpc, message, metadata, timeout = prepare(self._transport, name, call)
            handle = rpc(message, metadata=metadata, timeout=timeout)
        self._inflight[name] = handle
        handle.add_done_callback(partial(self._finished, name))

    def _finished(self, name: str, handle: Any) -> None:
        self._done.append((name, handle))
        waiter = self._waiter
        if waiter is not None and not waiter.done():  # _wake(), inline
            waiter.set_result(None)

    async def ready(self, timeout: float | None) -> Done:
        """The calls that finished, waiting up to `timeout` seconds (None: forever) for one."""
        if not self._done and (timeout is None or timeout > 0):
            loop = asyncio.get_running_loop()
            self._waiter = waiter = loop.create_future()
            timer = None if timeout is None else loop.call_later(timeout, _wake, waiter)
            try:
                await waiter
            finally:
                self._waiter = None
                if timer is not None:
                    timer.cancel()
        done, self._done = self._done, []
        for name, _ in done:
            del self._inflight[name]
        return done

    async def outcome(self, name: str, handle: Any) -> Any:
        """A finished call's response; its failure as ClientError / ServerError."""
        try:
            response = await handle
        except grpc.RpcError as exc:
            self._forget(name)
            raise _rpc.to_api_error(exc, self._transport.config.secrets) from None
        if response is None or response.done:
            self._forget(name)
        return response if response is not None else _rpc.parsed(response)

    def _forget(self, name: str) -> None:
        if self._prepared is not None:
            self._prepared.pop(name, None)

    async def aclose(self) -> None:
        """Cancel every call still in flight and wait until each has ended."""
        handles = list(self._inflight.values())
        self._inflight.clear()
        for handle in handles:
            handle.cancel()
        for handle in handles:
            try:
                await handle
            except (asyncio.CancelledError, grpc.RpcError):
                pass
        self._prepared = None


class Calls:
    """Calls in flight over one sync grpc transport (a Transport)."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._inflight: dict[str, Any] = {}
        self._done: Done = []
        self._cond = threading.Condition()

    def start(self, name: str, call: Call) -> None:
        rpc, message, metadata, timeout = prepare(self._transport, name, call)
        future = rpc.future(message, metadata=metadata, timeout=timeout)
        self._inflight[name] = future
        future.add_done_callback(partial(self._finished, name))

    def _finished(self, name: str, future: Any) -> None:
        with self._cond:
            self._done.append((name, future))
            self._cond.notify()

    def ready(self, timeout: float | None) -> Done:
        """The calls that finished, waiting up to `timeout` seconds (None: forever) for one."""
        with self._cond:
            if not self._done and (timeout is None or timeout > 0):
                self._cond.wait(timeout)
            done, self._done = self._done, []
        for name, _ in done:
            del self._inflight[name]
        return done

    def outcome(self, name: str, future: Any) -> Any:
        """A finished call's response; its failure as ClientError / ServerError."""
        try:
            return future.result()
        except grpc.RpcError as exc:
            raise _rpc.to_api_error(exc, self._transport.config.secrets) from None

    def close(self) -> None:
        """Cancel every call still in flight (grpc ends them at once)."""
        futures = list(self._inflight.values())
        self._inflight.clear()
        for future in futures:
            future.cancel()
