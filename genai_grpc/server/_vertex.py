"""Vertex AI's PredictionService.FetchPredictOperation: which stored operation it asks for.

Vertex AI serves a publisher model's operations
(``projects/*/locations/*/publishers/*/models/*/operations/*``) through FetchPredictOperation,
with the model's name as ``endpoint``; the local server answers it from the same store as
GetOperation. Pure code: invalid requests raise RequestError (INVALID_ARGUMENT).
"""

from __future__ import annotations

from genai_grpc.server._echo import echo
from genai_grpc.server._errors import RequestError

SERVICE = "google.cloud.aiplatform.v1.PredictionService"


def fetch_name(endpoint: str, operation_name: str) -> str:
    """The operation to look up; RequestError unless it is one of `endpoint`'s operations."""
    if not endpoint:
        raise RequestError("endpoint is empty: pass the model (or endpoint) the operation belongs to")
    if not operation_name:
        raise RequestError("operation_name is empty: pass the operation's name")
    if not operation_name.startswith(endpoint.rstrip("/") + "/operations/"):
        raise RequestError(f"operation_name {echo(operation_name)} is not an operation of endpoint {echo(endpoint)}")
    return operation_name
