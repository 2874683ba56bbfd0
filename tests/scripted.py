"""A scripted google.longrunning server for tests: it answers exactly what the test stored.

It is a real grpc server on 127.0.0.1 with an ephemeral port, so clients go through the whole
stack. Tests that want realistic operations use genai_grpc.server.LocalServer instead; this
one exists to send precise, odd or broken answers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2
from google.rpc import status_pb2

from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc


class ScriptedServer(operations_pb2_grpc.OperationsServicer):
    def __init__(self, port: int = 0, credentials: grpc.ServerCredentials | None = None) -> None:
        """Plaintext, or TLS with `credentials` (grpc.ssl_server_credentials)."""
        self.operations: dict[str, operations_pb2.Operation] = {}
        self.failures: list[tuple[grpc.StatusCode, str, status_pb2.Status | None]] = []
        self.received: list[tuple[str, Any, dict[str, str]]] = []
        #: name -> snapshots answered one per Get/Wait; the last one repeats.
        self.sequences: dict[str, list[operations_pb2.Operation]] = {}
        #: When False, WaitOperation answers UNIMPLEMENTED (a server without it).
        self.wait_implemented = True
        #: When True, WaitOperation holds the call open for the request's timeout.
        self.hold_waits = False
        #: Called with (method, request) before anything else; a non-None result is the answer.
        self.hook: Callable[[str, Any], operations_pb2.Operation | None] | None = None
        #: Set whenever a held WaitOperation ends because the client went away.
        self.abandoned = threading.Event()
        self._lock = threading.Lock()
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8), options=[("grpc.max_send_message_length", -1)]
        )
        operations_pb2_grpc.add_OperationsServicer_to_server(self, self._server)
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(_Prediction(self), self._server)
        if credentials is None:
            self.port = self._server.add_insecure_port(f"127.0.0.1:{port}")
        else:
            self.port = self._server.add_secure_port(f"127.0.0.1:{port}", credentials)
        self.address = f"127.0.0.1:{self.port}"

    def __enter__(self) -> ScriptedServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None).wait()

    def put(self, op: operations_pb2.Operation) -> operations_pb2.Operation:
        self.operations[op.name] = op
        return op

    def script(self, name: str, *snapshots: operations_pb2.Operation) -> None:
        """Answer Get/Wait for `name` with these snapshots in turn (the last one repeats)."""
        self.sequences[name] = list(snapshots)
        self.operations[name] = snapshots[-1]

    def fail_next(self, code: grpc.StatusCode, message: str, status: status_pb2.Status | None = None) -> None:
        self.failures.append((code, message, status))

    def _answer(
        self, method: str, request: Any, context: grpc.ServicerContext, record: bool = True, name: str | None = None
    ) -> operations_pb2.Operation:
        name = request.name if name is None else name
        with self._lock:
            if record:
                self.received.append((method, request, dict(context.invocation_metadata())))
            failure = self.failures.pop(0) if self.failures else None
        if failure is not None:
            code, message, status = failure
            if status is not None:
                context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
            context.abort(code, message)
        answer = self.hook(method, request) if self.hook is not None else None
        if answer is not None:
            return answer
        with self._lock:
            sequence = self.sequences.get(name)
            if sequence and method in ("GetOperation", "WaitOperation", "FetchPredictOperation"):
                return sequence.pop(0) if len(sequence) > 1 else sequence[0]
        if name not in self.operations:
            context.abort(grpc.StatusCode.NOT_FOUND, f"operation {name!r} not found")
        return self.operations[name]

    def GetOperation(self, request: Any, context: grpc.ServicerContext) -> operations_pb2.Operation:
        return self._answer("GetOperation", request, context)

    def WaitOperation(self, request: Any, context: grpc.ServicerContext) -> operations_pb2.Operation:
        with self._lock:
            self.received.append(("WaitOperation", request, dict(context.invocation_metadata())))
        if not self.wait_implemented:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "Method not found!")
        if self.hold_waits:
            end = time.monotonic() + request.timeout.ToTimedelta().total_seconds()
            while time.monotonic() < end and context.is_active():
                time.sleep(0.01)
            if not context.is_active():
                self.abandoned.set()
        return self._answer("WaitOperation", request, context, record=False)

    def ListOperations(self, request: Any, context: grpc.ServicerContext) -> operations_pb2.ListOperationsResponse:
        """Pages over the stored operations by name; the page token is an offset."""
        self.received.append(("ListOperations", request, dict(context.invocation_metadata())))
        names = sorted(n for n in self.operations if n.startswith(request.name))
        start = int(request.page_token or 0)
        end = start + (request.page_size or 2)
        page = operations_pb2.ListOperationsResponse(operations=[self.operations[n] for n in names[start:end]])
        page.next_page_token = str(end) if end < len(names) else ""
        return page

    def CancelOperation(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        self._answer("CancelOperation", request, context)
        return empty_pb2.Empty()

    def DeleteOperation(self, request: Any, context: grpc.ServicerContext) -> empty_pb2.Empty:
        self._answer("DeleteOperation", request, context)
        del self.operations[request.name]
        return empty_pb2.Empty()


class _Prediction(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Vertex AI's FetchPredictOperation, answered from the same scripted operations."""

    def __init__(self, scripted: ScriptedServer) -> None:
        self._scripted = scripted

    def FetchPredictOperation(self, request: Any, context: grpc.ServicerContext) -> operations_pb2.Operation:
        return self._scripted._answer("FetchPredictOperation", request, context, name=request.operation_name)
