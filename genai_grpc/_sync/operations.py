# DO NOT EDIT: generated from genai_grpc/_async/operations.py by scripts/unasync.py.
"""client.operations: look up, wait for, watch, list, cancel and delete operations."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterator, Iterable
from typing import TYPE_CHECKING, Any, Literal, overload

import grpc

from genai_grpc import _convert, _names, _routing, _rpc, _seconds, _telemetry
from genai_grpc._sync.transport import Transport
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.errors import APIError
from genai_grpc.types import Operation, Outcome, PollPolicy, RetryPolicy

if TYPE_CHECKING:
    from genai_grpc import _fleet

OperationLike = Operation | str


class Operations:
    """Long-running operations, over grpc.

    `poll` and `retry` are the client's defaults for `wait`, `watch`, `as_completed` and
    `wait_all` (each call may pass its own). Whether the server implements WaitOperation is
    learned once per channel and remembered.
    """

    def __init__(
        self, transport: Transport, *, poll: PollPolicy | None = None, retry: RetryPolicy | None = None
    ) -> None:
        self._transport = transport
        self._poll = poll or PollPolicy()
        self._retry = retry or RetryPolicy()
        self._features = _routing.Features()
        self._vertexai = transport.config.vertexai
        # What get()'s common case reads per call, looked up once.
        self._direct = not self._vertexai and transport.budget is None
        self._headers = transport.config.metadata
        self._timeout = transport.config.timeout

    def get(self, operation: OperationLike, *, timeout: float | None = None) -> Operation:
        """The operation's current snapshot.

        `operation` is an Operation (the result keeps its class) or a resource name (the
        class follows the response type, then the name; a running operation's name first,
        as it has no response). A failed operation is returned with `.error` set, not
        raised. Raises ClientError (404 when there is no such operation) or ServerError;
        ValueError for a name that is not a non-empty string or a bad `timeout`.
        """
        # The common case, a plain name on the Gemini API with no budget and telemetry off,
        # calls the multicallable itself: each Python call shows in the cost of a get() next
        # to the raw stub's (BENCHMARKS.md, "The cost of a look"). A plain name is one
        # _names.operation_name passes as it is, and its own encoding in the routing header.
        if (
            type(operation) is str
            and _rpc.PLAIN(operation)
            and self._direct
            and _telemetry.OTEL not in _telemetry.MODULES
        ):
            transport = self._transport
            rpc = (transport.methods or transport.bind())["operations", "GetOperation"]
            try:
                pb = rpc(
                    operations_pb2.GetOperationRequest(name=operation),
                    metadata=(*self._headers, (_rpc.ROUTING_KEY, "name=" + operation)),
                    timeout=self._timeout if timeout is None else _seconds.check(timeout, "timeout", positive=True),
                )
            except grpc.RpcError as exc:
                raise transport.failed(exc, "operations", "GetOperation") from None
            if pb is None:
                _rpc.parsed(pb)  # raises the 500 for an answer that did not parse
            return _convert.to_operation(pb, None)
        name, cls = _names.operation_name(operation)
        route = _routing.get_route(name, self._vertexai)
        if _telemetry.OTEL not in _telemetry.MODULES:
            return _convert.to_operation(self._fetch(route, timeout), cls)
        with _telemetry.get_span(name, route.service, route.method) as span:
            op = _convert.to_operation(self._fetch(route, timeout), cls)
            span.done(op)
        return op

    def _fetch(self, route: _routing.Route, timeout: float | None) -> Any:
        """Send the RPC `route` names for a get (GetOperation, or Vertex AI's
        FetchPredictOperation)."""
        return self._transport.call(
            route.service, route.method, route.request, route.routing_value, timeout, routing_field=route.routing_field
        )

    def wait(
        self,
        operation: OperationLike,
        *,
        timeout: float | None = None,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
    ) -> Operation:
        """Wait until the operation is done and return it (a failed one is returned, not raised).

        Uses one long-polling WaitOperation RPC at a time when the server implements it, else
        polls GetOperation on the `poll` schedule (default: 3 s x1.2 up to 20 s, full
        jitter). `timeout` (seconds, None: no limit) bounds the whole wait: no RPC's deadline
        goes past it. Transient failures are retried within it (see RetryPolicy).
        Raises OperationTimeoutError (a TimeoutError carrying the last snapshot) when it runs
        out; ClientError / ServerError at once for a permanent failure.
        """
        fleet = self._make_fleet([operation], timeout, poll, retry, concurrency=1)
        for _ in self._drive(fleet, "wait"):
            pass
        return next(iter(fleet.results.values()))

    def watch(
        self,
        operation: OperationLike,
        *,
        timeout: float | None = None,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
    ) -> Iterator[Operation]:
        """Iterate over the operation's snapshots: one each time it changes (e.g. progress
        in its metadata), ending with the done one. Polls GetOperation on the `poll`
        schedule; `timeout`, retries and errors as in `wait`."""
        fleet = self._make_fleet([operation], timeout, poll, retry, concurrency=1, watch=True)
        return self._drive(fleet, "watch")  # type: ignore[return-value]  # no Outcome without return_errors

    @overload
    def as_completed(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        return_errors: Literal[False] = False,
    ) -> Iterator[Operation]: ...

    @overload
    def as_completed(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        return_errors: Literal[True],
    ) -> Iterator[Outcome]: ...

    def as_completed(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        return_errors: bool = False,
    ) -> Iterator[Any]:
        """Iterate over the operations (Operations or names) as each one finishes.

        Thousands can share one channel: at most `concurrency` RPCs are in flight and an idle
        operation costs no thread or task. A name given twice is waited for once and yielded
        once. Done Operations given in are yielded at once without an RPC. Transient
        failures are retried per operation (see RetryPolicy). The budget counts from this call.

        By default a permanent error of any operation (e.g. a 404) raises at once and stops
        the rest, and when `timeout` runs out the ones still running are in the
        OperationTimeoutError's `.pending`. With ``return_errors=True`` nothing is raised
        for one operation: each yields exactly one types.Outcome, the done operation or
        the APIError / OperationTimeoutError that ended it, and the others go on.
        Leaving the loop early cancels the RPCs in flight when the iterator is closed
        (wrap it in contextlib.closing to close it at once).
        """
        fleet = self._make_fleet(operations, timeout, poll, retry, concurrency=concurrency, outcomes=return_errors)
        return self._drive(fleet, "fleet")

    @overload
    def wait_all(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        return_errors: Literal[False] = False,
    ) -> builtins.list[Operation]: ...

    @overload
    def wait_all(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        return_errors: Literal[True],
    ) -> builtins.list[Outcome]: ...

    def wait_all(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        retry: RetryPolicy | None = None,
        return_errors: bool = False,
    ) -> builtins.list[Any]:
        """Wait for every operation and return them in input order (a repeated name gets the
        same result each time); with ``return_errors=True`` one types.Outcome per input
        instead, and nothing raised for any one operation. Otherwise as `as_completed`."""
        wanted = builtins.list(operations)
        fleet = self._make_fleet(wanted, timeout, poll, retry, concurrency=concurrency, outcomes=return_errors)
        for _ in self._drive(fleet, "fleet"):
            pass
        results: dict[str, Any] = fleet.ended if return_errors else fleet.results
        return [results[_names.operation_name(item)[0]] for item in wanted]

    def list(
        self, name: str = "", *, filter: str | None = None, page_size: int | None = None
    ) -> Iterator[Operation]:
        """Iterate over the operations under `name` matching `filter`, fetching pages lazily
        (`page_size` per RPC, None: the server's default)."""
        if not isinstance(name, str):
            raise ValueError(f"name must be a str, got {type(name).__name__}")
        if page_size is not None and (not isinstance(page_size, int) or page_size < 0):
            raise ValueError(f"page_size must be None or an int >= 0, got {page_size!r}")
        token = ""
        while True:
            request = operations_pb2.ListOperationsRequest(
                name=name, filter=filter or "", page_size=page_size or 0, page_token=token
            )
            page = self._transport.call("operations", "ListOperations", request, name)
            for pb in page.operations:
                yield _convert.to_operation(_convert.detached(pb))
            token = page.next_page_token
            if not token:
                return

    def cancel(self, operation: OperationLike, *, timeout: float | None = None) -> None:
        """Ask the server to cancel the operation (best effort: it may finish anyway;
        `wait` then returns it, usually with error code 1, CANCELLED)."""
        name, _ = _names.operation_name(operation)
        request = operations_pb2.CancelOperationRequest(name=name)
        self._transport.call("operations", "CancelOperation", request, name, timeout)

    def delete(self, operation: OperationLike, *, timeout: float | None = None) -> None:
        """Tell the server the operation's result is no longer wanted (does not cancel it)."""
        name, _ = _names.operation_name(operation)
        request = operations_pb2.DeleteOperationRequest(name=name)
        self._transport.call("operations", "DeleteOperation", request, name, timeout)

    def _make_fleet(
        self,
        operations: Iterable[OperationLike],
        timeout: float | None,
        poll: PollPolicy | None,
        retry: RetryPolicy | None,
        *,
        concurrency: int,
        watch: bool = False,
        outcomes: bool = False,
    ) -> _fleet.Fleet:
        # The wait machinery loads with the first wait: `get` and the CLI start faster without it.
        from genai_grpc import _fleet

        return _fleet.build(
            _fleet.distinct(operations),
            now=time.monotonic(),
            timeout=_seconds.check(timeout, "timeout", finite=False, optional=True),
            poll=poll or self._poll,
            retry=retry or self._retry,
            rpc_timeout=self._transport.timeout,
            features=self._features,
            concurrency=concurrency,
            watch=watch,
            outcomes=outcomes,
            budget=self._transport.budget,
        )

    def _events(
        self,
        operations: Iterable[OperationLike],
        *,
        timeout: float | None = None,
        concurrency: int = 100,
        poll: PollPolicy | None = None,
        watch: bool = False,
    ) -> Iterator[Operation | Outcome]:
        """For the CLI: a fleet in outcome mode; with `watch` also every changed snapshot."""
        fleet = self._make_fleet(operations, timeout, poll, None, concurrency=concurrency, watch=watch, outcomes=True)
        return self._drive(fleet, "watch" if watch else "fleet")

    def _drive(self, fleet: _fleet.Fleet, what: str) -> Iterator[Operation | Outcome]:
        """Carry out the fleet's steps until every operation is done; yield its events."""
        from genai_grpc._io import Calls
        from genai_grpc._waiting import Reply

        calls = Calls(self._transport)
        run = _telemetry.start_run(what, fleet, fleet.names)
        error: BaseException | None = None
        try:
            while True:
                for name, call in fleet.start(time.monotonic()):
                    calls.start(name, call)
                while fleet.events:
                    event = fleet.events.popleft()
                    if run is not None:
                        run.event(event)
                    yield event
                if fleet.finished:
                    break
                done = calls.ready(fleet.wakeup(time.monotonic()))
                now = time.monotonic()
                for name, handle in done:
                    try:
                        reply = Reply(now, value=calls.outcome(name, handle))
                    except APIError as exc:
                        reply = Reply(now, error=exc)
                    fleet.complete(name, reply)
                if run is not None:
                    run.flush(fleet)
            fleet.check()
        except GeneratorExit:  # the caller left the loop early
            raise
        except BaseException as exc:
            error = exc
            raise
        finally:
            calls.close()
            if run is not None:
                run.end(fleet, error)
