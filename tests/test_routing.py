"""Which RPC fetches an operation, by name and backend. Pure: no server."""

from __future__ import annotations

import pytest

from genai_grpc import _routing

VEO = "projects/p/locations/us-central1/publishers/google/models/veo-2.0-generate-001/operations/abc-123"


def test_vertex_publisher_model_operation_uses_fetch_predict_operation() -> None:
    route = _routing.get_route(VEO, vertex=True)
    assert (route.service, route.method) == ("prediction", "FetchPredictOperation")
    endpoint = "projects/p/locations/us-central1/publishers/google/models/veo-2.0-generate-001"
    assert (route.request.endpoint, route.request.operation_name) == (endpoint, VEO)
    assert (route.routing_field, route.routing_value) == ("endpoint", endpoint)


@pytest.mark.parametrize("name,vertex", [
    (VEO, False),                                                            # not Vertex AI
    ("models/veo-2.0-generate-001/operations/abc", True),                    # Gemini API name
    ("projects/p/locations/us/operations/1", True),                          # plain Vertex operation
    ("projects/p/locations/us/endpoints/e/operations/1", True),              # endpoint operation
    ("projects/p/locations/us/publishers/google/models/m/operations/1/x", True),
    ("operations/1", True),
])  # fmt: skip
def test_every_other_name_uses_get_operation(name: str, vertex: bool) -> None:
    route = _routing.get_route(name, vertex)
    assert (route.service, route.method, route.request.name) == ("operations", "GetOperation", name)
    assert (route.routing_field, route.routing_value) == ("name", name)


def test_decision_modules_are_pure() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = "import sys, genai_grpc._routing, genai_grpc._config; print(sorted({'grpc', 'asyncio'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
    for module in ("_routing.py", "_config.py"):
        text = (Path(_routing.__file__).parent / module).read_text()
        assert "import time" not in text and "import grpc" not in text and "import asyncio" not in text


def test_waits_replace_their_rpc_only_for_vertex_publisher_models() -> None:
    route = _routing.poll_route(VEO, vertex=True)
    assert route is not None and route.method == "FetchPredictOperation"
    assert _routing.poll_route(VEO, vertex=False) is None
    assert _routing.poll_route("projects/p/locations/us/operations/1", vertex=True) is None
