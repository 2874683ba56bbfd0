"""The gRPC shell on grpc.aio: google.longrunning.Operations, the Gemini API's and Vertex AI's
PredictionService (PredictLongRunning; FetchPredictOperation), and the local server's own
genai_grpc.v1.GenAI (file search store import and upload, which Google publishes no gRPC
definition for).

Decisions live in the pure modules; this one moves messages, injects faults and turns
errors into statuses (with `grpc-status-details-bin` when there are details).
"""

from __future__ import annotations

import asyncio
import logging
import random
import sqlite3
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import duration_pb2, empty_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2 as gemini_pb2
from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2 as vertex_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.server import _vertex
from genai_grpc.server._build import IMPORT, UPLOAD, build
from genai_grpc.server._echo import echo, message
from genai_grpc.server._errors import RequestError
from genai_grpc.server._faults import Faults
from genai_grpc.server._paging import parse_list
from genai_grpc.server._predict import GEMINI_SERVICE, VERTEX_VIDEOS, VIDEOS
from genai_grpc.server._progress import NS, changes_at_ns, progress, remaining_ns
from genai_grpc.server._start import new_operation
from genai_grpc.server._store import Record, Store

MAX_WAIT_S = 60.0
_BUG = "internal error in the local server; its log has the details"
_T = TypeVar("_T")
_log = logging.getLogger("genai_grpc.server")
LIST_PAGE_BYTES = 32 << 20
# A tag with wire type 7, which no protobuf parser accepts.
GARBAGE = b"\xff\xff\xff\xff not an Operation"
_CACHE_BYTES = 32 << 20
_CACHE_ITEM_BYTES = 1 << 20
_CACHE_RECORDS = 10_000
_DEADLINE_MARGIN_S = 0.05
Handler = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]


class Abort(Exception):
    """End the current call with `code`, `message` and optional status details."""

    def __init__(self, code: grpc.StatusCode, message: str, details: Sequence[Message] = ()):
        super().__init__(message)
        self.code, self.message, self.details = code, message, tuple(details)


class _Changes:
    """Wakes WaitOperation calls when an operation is cancelled or deleted."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except asyncio.TimeoutError:
            pass


class Service:
    """Handlers for both services over one store; `faults` may change at any time."""

    def __init__(self, store: Store, faults: Faults, duration_s: float, max_wait_s: float = MAX_WAIT_S) -> None:
        self.store, self.faults = store, faults
        self.duration_s, self.max_wait_s = duration_s, max_wait_s
        #: When a list, each call's arrival (time.monotonic(), method) is appended to it.
        self.arrivals: list[tuple[float, str]] | None = None
        #: Where videos served by address live (http://host:port of the file server), if anywhere.
        self.files_url = ""
        self._changes: _Changes | None = None
        # Finished operations never change (only deletion removes them): serialize them once.
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_bytes = 0
        # Rows change only through this service (cancel, delete), so it can keep them too.
        self._records: OrderedDict[str, Record] = OrderedDict()
        # A running operation's answer changes only when its percent does: keep the last one.
        self._running: OrderedDict[str, tuple[int, bytes]] = OrderedDict()  # name -> (valid until ns, answer)
        # Database work runs on this one thread, never on the event loop: a locked database
        # must not stall cached answers. One thread runs the calls in order, and their
        # results come back to the loop in that order, so the caches above are updated in
        # the order the database changed (a get read before a delete cannot cache it after).
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="genai-grpc-db")

    def close(self) -> None:
        """Let the database thread finish its work and end."""
        self._executor.shutdown(wait=True)

    # google.longrunning.Operations

    async def get_operation(
        self, request: operations_pb2.GetOperationRequest, context: grpc.aio.ServicerContext
    ) -> bytes:
        name = _name(request.name)
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        now_ns = time.time_ns()
        running = self._running.get(name)
        if running is not None and now_ns < running[0]:
            return running[1]  # nothing about it has changed since it was last built
        return self._respond(await self._record(name), now_ns)

    async def list_operations(
        self, request: operations_pb2.ListOperationsRequest, context: grpc.aio.ServicerContext
    ) -> operations_pb2.ListOperationsResponse:
        query = parse_list(request.name, request.filter, request.page_size, request.page_token)
        now = time.time_ns()
        records = await self._db(self.store.page, query, now)
        response = operations_pb2.ListOperationsResponse()
        total, last = 0, 0
        for record in records[: query.size]:
            op = build(record, now, self.files_url)
            size = op.ByteSize()
            if last and total + size > LIST_PAGE_BYTES:
                break
            response.operations.append(op)
            total, last = total + size, record.seq
        if len(records) > len(response.operations):
            response.next_page_token = query.next_token(last)
        return response

    async def cancel_operation(
        self, request: operations_pb2.CancelOperationRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        name = _name(request.name)
        record = await self._db(self.store.cancel, name, time.time_ns())
        if record is None:
            raise _not_found(name)
        self._records[name] = record
        self._running.pop(name, None)
        self._notify()
        return empty_pb2.Empty()

    async def delete_operation(
        self, request: operations_pb2.DeleteOperationRequest, context: grpc.aio.ServicerContext
    ) -> empty_pb2.Empty:
        name = _name(request.name)
        if not await self._db(self.store.delete, name):
            raise _not_found(name)
        self._forget(name)
        self._notify()
        return empty_pb2.Empty()

    async def wait_operation(
        self, request: operations_pb2.WaitOperationRequest, context: grpc.aio.ServicerContext
    ) -> bytes:
        if self.faults.wait_unimplemented:
            raise Abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
        name = _name(request.name)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait_budget(request, context)
        while True:
            record, now = await self._record(name), time.time_ns()
            left_s = deadline - loop.time()
            pending_ns = remaining_ns(record.timing, now)
            if pending_ns == 0 or left_s <= 0:
                return self._respond(record, now)
            await self._wait_changes(min(left_s, pending_ns / NS))

    # google.cloud.aiplatform.v1.PredictionService

    async def fetch_predict_operation(
        self, request: vertex_pb2.FetchPredictOperationRequest, context: grpc.aio.ServicerContext
    ) -> bytes:
        name = _vertex.fetch_name(request.endpoint, request.operation_name)
        return await self.get_operation(operations_pb2.GetOperationRequest(name=name), context)

    async def predict_long_running_vertex(
        self, request: vertex_pb2.PredictLongRunningRequest, context: grpc.aio.ServicerContext
    ) -> bytes:
        return await self._start(VERTEX_VIDEOS, request)

    # google.ai.generativelanguage.v1beta.PredictionService

    async def predict_long_running(
        self, request: gemini_pb2.PredictLongRunningRequest, context: grpc.aio.ServicerContext
    ) -> bytes:
        return await self._start(VIDEOS, request)

    # genai_grpc.v1.GenAI (the local server's own)

    async def import_file(self, request: service_pb2.ImportFileRequest, context: grpc.aio.ServicerContext) -> bytes:
        return await self._start(IMPORT, request)

    async def upload_to_file_search_store(
        self, request: service_pb2.UploadToFileSearchStoreRequest, context: grpc.aio.ServicerContext
    ) -> bytes:
        return await self._start(UPLOAD, request)

    # plumbing

    async def _db(self, work: Callable[..., _T], *args: Any) -> _T:
        """`work(*args)` on the database thread; its failures as statuses."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(work, *args))
        except sqlite3.OperationalError as error:  # "database is locked": another process writes
            raise Abort(grpc.StatusCode.UNAVAILABLE, f"the database is unavailable: {error}; try again") from None
        except sqlite3.Error as error:
            _log.exception("the database failed")
            raise Abort(grpc.StatusCode.INTERNAL, f"the database failed: {error}") from None

    def services(self) -> dict[str, dict[str, grpc.RpcMethodHandler]]:
        """Method handlers by service name, with faults applied to every call."""
        ops, genai = operations_pb2, service_pb2
        return {
            "google.longrunning.Operations": {
                "GetOperation": self._method(self.get_operation, ops.GetOperationRequest, True),
                "ListOperations": self._method(self.list_operations, ops.ListOperationsRequest),
                "CancelOperation": self._method(self.cancel_operation, ops.CancelOperationRequest),
                "DeleteOperation": self._method(self.delete_operation, ops.DeleteOperationRequest),
                "WaitOperation": self._method(self.wait_operation, ops.WaitOperationRequest, True),
            },
            _vertex.SERVICE: {
                "PredictLongRunning": self._method(
                    self.predict_long_running_vertex, vertex_pb2.PredictLongRunningRequest, True
                ),
                "FetchPredictOperation": self._method(
                    self.fetch_predict_operation, vertex_pb2.FetchPredictOperationRequest, True
                ),
            },
            GEMINI_SERVICE: {
                "PredictLongRunning": self._method(
                    self.predict_long_running, gemini_pb2.PredictLongRunningRequest, True
                ),
            },
            "genai_grpc.v1.GenAI": {
                "ImportFile": self._method(self.import_file, genai.ImportFileRequest, True),
                "UploadToFileSearchStore": self._method(
                    self.upload_to_file_search_store, genai.UploadToFileSearchStoreRequest, True
                ),
            },
        }

    def _method(
        self, handler: Handler, request_cls: type[Message], returns_operation: bool = False
    ) -> grpc.RpcMethodHandler:
        method = getattr(handler, "__name__", "")

        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if self.arrivals is not None:
                self.arrivals.append((time.monotonic(), method))
            try:
                if self.faults.gates_calls:
                    await self._gate(context)
                return await handler(request, context)
            except Abort as abort:
                await _abort(context, abort)
            except RequestError as error:
                await _abort(context, Abort(grpc.StatusCode.INVALID_ARGUMENT, str(error)))
            except grpc.aio.AbortError:
                raise
            except Exception:  # noqa: BLE001 - a bug: the client gets a status, never an exception's name
                _log.exception("%s failed", getattr(handler, "__name__", "a call"))
                await _abort(context, Abort(grpc.StatusCode.INTERNAL, _BUG))

        serializer = self._serialize_operation if returns_operation else _serialize
        return grpc.unary_unary_rpc_method_handler(
            call, request_deserializer=request_cls.FromString, response_serializer=serializer
        )

    async def _gate(self, context: grpc.aio.ServicerContext) -> None:
        faults = self.faults
        if faults.api_key is not None:
            _check_api_key(context, faults.api_key)
        if faults.latency_s:
            await asyncio.sleep(faults.latency_s)
        if faults.fail_next or faults.fail_rate:
            code = faults.injected_failure(random.random())
            if code is not None:
                raise _injected(code, faults.retry_delay_s)

    def _serialize_operation(self, response: bytes | Message) -> bytes:
        if self.faults.garbage:
            return GARBAGE
        return _serialize(response)

    async def _start(self, kind: str, request: Message) -> bytes:
        now = time.time_ns()
        operation = new_operation(kind, request, now, self.duration_s)
        record = await self._db(self.store.add, operation)  # one trip to the database thread
        return self._respond(self._keep(record), now)

    async def _record(self, name: str) -> Record:
        record = self._records.get(name)
        if record is not None:
            return record
        record = await self._db(self.store.get, name)
        if record is None:
            raise _not_found(name)
        return self._keep(record)

    def _keep(self, record: Record) -> Record:
        self._records[record.name] = record
        if len(self._records) > _CACHE_RECORDS:
            self._records.popitem(last=False)
        return record

    def _respond(self, record: Record, now_ns: int) -> bytes:
        state = progress(record.timing, now_ns)
        if state.done:
            self._running.pop(record.name, None)
            data: bytes = build(record, now_ns, self.files_url).SerializeToString()
            self._remember(record.name, data)
            return data
        data = build(record, now_ns, self.files_url).SerializeToString()
        self._running[record.name] = (changes_at_ns(record.timing, state.percent), data)
        if len(self._running) > _CACHE_RECORDS:
            self._running.popitem(last=False)
        return data

    def _remember(self, name: str, data: bytes) -> None:
        if len(data) > _CACHE_ITEM_BYTES or name in self._cache:
            return
        self._cache[name] = data
        self._cache_bytes += len(data)
        while self._cache_bytes > _CACHE_BYTES:
            self._cache_bytes -= len(self._cache.popitem(last=False)[1])

    def _forget(self, name: str) -> None:
        self._records.pop(name, None)
        self._running.pop(name, None)
        data = self._cache.pop(name, None)
        if data is not None:
            self._cache_bytes -= len(data)

    def _notify(self) -> None:
        if self._changes is not None:
            self._changes.notify()

    async def _wait_changes(self, timeout_s: float) -> None:
        if self._changes is None:
            self._changes = _Changes()  # created lazily: it must belong to the serving loop
        await self._changes.wait(timeout_s)

    def _wait_budget(self, request: operations_pb2.WaitOperationRequest, context: grpc.aio.ServicerContext) -> float:
        budget = self.max_wait_s
        if request.HasField("timeout"):
            budget = request.timeout.ToNanoseconds() / NS
            if budget < 0:
                raise RequestError(f"timeout {budget}s is negative")
            budget = min(budget, self.max_wait_s)
        left = context.time_remaining()
        if left is not None:
            # Answer just before the caller's deadline rather than let the call fail.
            budget = min(budget, max(0.0, left - _DEADLINE_MARGIN_S))
        return budget


def _serialize(response: bytes | Message) -> bytes:
    return response if isinstance(response, bytes) else response.SerializeToString()


def _name(name: str) -> str:
    if not name:
        raise RequestError("name is empty: pass the operation's name")
    return name


def _not_found(name: str) -> Abort:
    return Abort(grpc.StatusCode.NOT_FOUND, f"operation {echo(name)} not found")


def _check_api_key(context: grpc.aio.ServicerContext, expected: str) -> None:
    given = [v for k, v in context.invocation_metadata() or () if k == "x-goog-api-key"]
    if given == [expected]:
        return
    reason = "API_KEY_INVALID" if given else "API_KEY_MISSING"
    message = "API key not valid" if given else "x-goog-api-key metadata is missing"
    info = error_details_pb2.ErrorInfo(reason=reason, domain="googleapis.com")
    raise Abort(grpc.StatusCode.UNAUTHENTICATED, message, [info])


def _injected(code_name: str, retry_delay_s: float | None) -> Abort:
    details: list[Message] = []
    if retry_delay_s is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(retry_delay_s * NS))
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    return Abort(grpc.StatusCode[code_name], f"injected fault: {code_name}", details)


async def _abort(context: grpc.aio.ServicerContext, abort: Abort) -> NoReturn:
    trailing: tuple[tuple[str, bytes], ...] = ()
    if abort.details:
        status = status_pb2.Status(code=abort.code.value[0], message=message(abort.message))
        for detail in abort.details:
            status.details.add().Pack(detail)
        trailing = (("grpc-status-details-bin", status.SerializeToString()),)
    await context.abort(abort.code, message(abort.message), trailing)
    raise AssertionError("context.abort returned")  # abort always raises
