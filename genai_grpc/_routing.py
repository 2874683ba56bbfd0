"""Which RPC looks an operation up, and which RPCs a channel's server supports. Pure code.

Vertex AI serves operations of publisher models
(``projects/*/locations/*/publishers/*/models/*/operations/*``, e.g. Veo's) through
``PredictionService.FetchPredictOperation``, with the model's name as ``endpoint``; every
other name goes to ``google.longrunning.Operations.GetOperation``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from google.protobuf.message import Message

from genai_grpc._generated.google.cloud.aiplatform.v1 import prediction_service_pb2
from genai_grpc._generated.google.longrunning import operations_pb2

_PUBLISHER_MODEL_OPERATION = re.compile(
    r"^(projects/[^/]+/locations/[^/]+/publishers/[^/]+/models/[^/]+)/operations/[^/]+$"
)


class Route(NamedTuple):
    """One unary RPC and where it goes: service, method, request, and the field (and its
    value) Google's front end routes it by."""

    # A NamedTuple, not a frozen dataclass: every get() makes one, and this is 3x cheaper.

    service: str
    method: str
    request: Message
    routing_field: str
    routing_value: str


@dataclass(slots=True)
class Features:
    """What one channel's server was found to support; shared by every wait on it."""

    wait_operation: bool = True


def get_route(name: str, vertex: bool) -> Route:
    """The RPC that fetches operation `name` (Vertex AI publisher models have their own)."""
    match = _PUBLISHER_MODEL_OPERATION.match(name) if vertex else None
    if match is None:
        request: Message = operations_pb2.GetOperationRequest(name=name)
        return Route("operations", "GetOperation", request, "name", name)
    endpoint = match.group(1)
    request = prediction_service_pb2.FetchPredictOperationRequest(endpoint=endpoint, operation_name=name)
    return Route("prediction", "FetchPredictOperation", request, "endpoint", endpoint)


def poll_route(name: str, vertex: bool) -> Route | None:
    """The RPC that stands in for a wait's GetOperation / WaitOperation on `name`, if any.

    Vertex AI serves publisher-model operations only through FetchPredictOperation, which
    answers at once (it never holds like WaitOperation); the wait's poll schedule still
    spaces the calls. None: send the wait's own RPC.
    """
    if not vertex:  # every poll of a fleet asks: skip building a request only to drop it
        return None
    route = get_route(name, vertex)
    return None if route.service == "operations" else route
