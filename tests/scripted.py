"""A scripted google.longrunning server for tests: it answers exactly what the test stored.

It is a real grpc server on 127.0.0.1 with an ephemeral port, so clients go through the whole
stack. Tests that want realistic operations use genai_grpc.server.LocalServer instead; this
one exists to send precise, odd or broken answers.
"""

from __future__ import annotations

from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2
from google.rpc import status_pb2

from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2, operations_pb2_grpc


class ScriptedServer(operations_pb2_grpc.OperationsServicer):
    def __init__(self, credentials: grpc.ServerCredentials | None = None) -> None:
        """Plaintext, or TLS with `credentials` (grpc.ssl_server_credentials)."""
        self.operations: dict[str, operations_pb2.Operation] = {}
        self.failures: list[tuple[grpc.StatusCode, str, status_pb2.Status | None]] = []
        self.received: list[tuple[str, Any, dict[str, str]]] = []
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                                   options=[("grpc.max_send_message_length", -1)])
        operations_pb2_grpc.add_OperationsServicer_to_server(self, self._server)
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(_Prediction(self), self._server)
        if credentials is None:
            self.port = self._server.add_insecure_port("127.0.0.1:0")
        else:
            self.port = self._server.add_secure_port("127.0.0.1:0", credentials)
        self.address = f"127.0.0.1:{self.port}"

    def __enter__(self) -> ScriptedServer:
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop(grace=None).wait()

    def put(self, op: operations_pb2.Operation) -> operations_pb2.Operation:
        self.operations[op.name] = op
        return op

    def fail_next(self, code: grpc.StatusCode, message: str, status: status_pb2.Status | None = None) -> None:
        self.failures.append((code, message, status))

    def _answer(self, method: str, request: Any, context: grpc.ServicerContext,
                name: str | None = None) -> operations_pb2.Operation:
        self.received.append((method, request, dict(context.invocation_metadata())))
        if self.failures:
            code, message, status = self.failures.pop(0)
            if status is not None:
                context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
            context.abort(code, message)
        name = request.name if name is None else name
        if name not in self.operations:
            context.abort(grpc.StatusCode.NOT_FOUND, f"operation {name!r} not found")
        return self.operations[name]

    def GetOperation(self, request: Any, context: grpc.ServicerContext) -> operations_pb2.Operation:
        return self._answer("GetOperation", request, context)

    def WaitOperation(self, request: Any, context: grpc.ServicerContext) -> operations_pb2.Operation:
        return self._answer("WaitOperation", request, context)

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
        return self._scripted._answer("FetchPredictOperation", request, context, request.operation_name)
