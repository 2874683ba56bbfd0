"""OpenTelemetry: spans and metrics read back from the SDK's in-memory exporters, and no
import of OpenTelemetry by genai_grpc itself."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from genai_grpc import Client, errors, types
from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc.server import LocalServer
from genai_grpc.server._build import IMPORT
from genai_grpc.server._store import NewOperation
from tests.test_cli import ROOT

FAST = types.PollPolicy(initial=0.05, multiplier=1.0, maximum=0.05, long_poll=0)
_EXPORTERS: dict[str, Any] = {}


def test_genai_grpc_never_imports_opentelemetry_itself() -> None:
    script = """
import sys
from genai_grpc import Client
from genai_grpc.server import LocalServer
with LocalServer(duration_s=0.0) as server, Client(endpoint=server.address, max_rps=100) as client:
    op = client.models.generate_videos(model="veo-2.0-generate-001", prompt="a cat")
    client.operations.get(op.name)
    client.operations.wait(op.name, timeout=10)
    list(client.operations.as_completed([op.name], return_errors=True))
print(sorted(m for m in sys.modules if m.startswith("opentelemetry")))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT,
                         check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    import importlib.util

    assert importlib.util.find_spec("opentelemetry") is not None  # installed: it was a choice


@pytest.fixture
def otel() -> dict[str, Any]:
    """Global SDK providers with in-memory exporters (set once per process)."""
    if not _EXPORTERS:
        from opentelemetry import metrics, trace
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
        _EXPORTERS.update(spans=spans, reader=reader)
    _EXPORTERS["spans"].clear()
    return _EXPORTERS


@pytest.fixture(scope="module")
def local() -> Iterator[tuple[LocalServer, list[str]]]:
    """Three import operations: one done, one running for 0.3 s, one failing."""
    request = service_pb2.ImportFileRequest(file_search_store_name="fileSearchStores/t",
                                            source={"gcs_uri": "gs://b/x"}).SerializeToString()  # fmt: skip
    failing = service_pb2.ImportFileRequest(file_search_store_name="fileSearchStores/t",
                                            source={"gcs_uri": "gs://b/[fail:internal]"}).SerializeToString()  # fmt: skip
    with LocalServer(duration_s=0.0) as server:
        now = time.time_ns()
        ops = [NewOperation("fileSearchStores/t/operations/done", IMPORT, request, 0, now, 0),
               NewOperation("fileSearchStores/t/operations/slow", IMPORT, request, 1, now, 300_000_000),
               NewOperation("fileSearchStores/t/operations/bad", IMPORT, failing, 2, now, 0)]  # fmt: skip
        server.store.insert(ops)
        yield server, [op.name for op in ops]


def points(reader: Any, name: str) -> list[Any]:
    data = reader.get_metrics_data()
    return [p for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics if m.name == name
            for p in m.data.data_points]  # fmt: skip


def test_get_span_follows_the_rpc_conventions(otel: dict[str, Any], local: tuple[LocalServer, list[str]]) -> None:
    server, names = local
    with Client(endpoint=server.address) as client:
        client.operations.get(names[0])
        with pytest.raises(errors.ClientError):
            client.operations.get("fileSearchStores/t/operations/none")
    ok, missing = otel["spans"].get_finished_spans()
    assert ok.name == "google.longrunning.Operations/GetOperation"
    assert ok.kind.name == "CLIENT"
    assert {k: ok.attributes[k] for k in ("rpc.system", "rpc.service", "rpc.method", "rpc.grpc.status_code")} == {
        "rpc.system": "grpc", "rpc.service": "google.longrunning.Operations", "rpc.method": "GetOperation",
        "rpc.grpc.status_code": 0}  # fmt: skip
    assert ok.attributes["genai_grpc.operation.name"] == names[0]
    assert ok.attributes["genai_grpc.operation.kind"] == "ImportFileOperation"
    assert ok.attributes["genai_grpc.outcome"] == "succeeded"
    assert missing.attributes["rpc.grpc.status_code"] == 5 and missing.status.status_code.name == "ERROR"
    calls = {(p.attributes["rpc.method"], p.attributes["rpc.grpc.status_code"]): p.value
             for p in points(otel["reader"], "genai_grpc.client.rpcs")}  # fmt: skip
    assert calls[("GetOperation", 0)] >= 1 and calls[("GetOperation", 5)] >= 1


def test_wait_and_fleet_spans_and_metrics(otel: dict[str, Any], local: tuple[LocalServer, list[str]]) -> None:
    server, names = local
    reader = otel["reader"]
    before = sum(p.value for p in points(reader, "genai_grpc.client.retries"))
    server.faults.fail_code = "UNAVAILABLE"
    server.faults.fail_next = 2
    try:
        with Client(endpoint=server.address, poll=FAST,
                    retry=types.RetryPolicy(initial=0.01, maximum=0.02)) as client:  # fmt: skip
            client.operations.wait(names[1], timeout=30)
            outcomes = client.operations.wait_all([*names, "fileSearchStores/t/operations/none"],
                                                  timeout=30, return_errors=True)  # fmt: skip
    finally:
        server.faults.fail_next = 0
    assert [o.succeeded for o in outcomes] == [True, True, False, False]
    wait, fleet = otel["spans"].get_finished_spans()
    assert wait.name == "genai_grpc.wait"
    attrs = wait.attributes
    assert (
        attrs["genai_grpc.operation.name"] == names[1] and attrs["genai_grpc.operation.kind"] == "ImportFileOperation"
    )
    assert attrs["genai_grpc.retries"] == 2 and attrs["genai_grpc.polls"] >= 3
    assert attrs["genai_grpc.outcome"] == "succeeded" and attrs["rpc.grpc.status_code"] == 0
    assert fleet.name == "genai_grpc.fleet"
    assert fleet.attributes["genai_grpc.operations"] == 4 and fleet.attributes["genai_grpc.outcome"] == "mixed"
    assert (fleet.attributes["genai_grpc.outcomes.succeeded"], fleet.attributes["genai_grpc.outcomes.failed"],
            fleet.attributes["genai_grpc.outcomes.error"]) == (2, 1, 1)  # fmt: skip
    assert sum(p.value for p in points(reader, "genai_grpc.client.retries")) - before == 2
    assert sum(p.value for p in points(reader, "genai_grpc.operations.pending")) == 0
    waited = points(reader, "genai_grpc.operation.wait_time")
    assert sum(p.count for p in waited) >= 4
    polls = {(p.attributes["rpc.method"], p.attributes["rpc.grpc.status_code"]): p.value
             for p in points(reader, "genai_grpc.client.rpcs")}  # fmt: skip
    assert polls[("GetOperation", 14)] >= 2 and polls[("GetOperation", 5)] >= 1


def test_a_timed_out_wait_says_so(otel: dict[str, Any], local: tuple[LocalServer, list[str]]) -> None:
    server, _ = local
    request = service_pb2.ImportFileRequest(file_search_store_name="fileSearchStores/t",
                                            source={"gcs_uri": "gs://b/x"}).SerializeToString()  # fmt: skip
    server.store.insert([NewOperation("fileSearchStores/t/operations/held", IMPORT, request, 3, time.time_ns(),
                                      3600 * 10**9)])  # fmt: skip
    with Client(endpoint=server.address, poll=FAST) as client, pytest.raises(errors.OperationTimeoutError):
        client.operations.wait("fileSearchStores/t/operations/held", timeout=0.3)
    (span,) = otel["spans"].get_finished_spans()
    assert span.attributes["genai_grpc.outcome"] == "timeout" and span.status.status_code.name == "ERROR"


def test_retries_are_logged_at_debug_without_secrets(local: tuple[LocalServer, list[str]],
                                                     caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    server, names = local
    server.faults.fail_code = "UNAVAILABLE"
    server.faults.fail_next = 1
    try:
        with caplog.at_level(logging.DEBUG, logger="genai_grpc"), \
                Client(endpoint=server.address, api_key="secret-key-1234", allow_insecure_credentials=True,
                       poll=FAST, retry=types.RetryPolicy(initial=0.01)) as client:  # fmt: skip
            client.operations.wait(names[0], timeout=10)
    finally:
        server.faults.fail_next = 0
    retried = [r for r in caplog.records if "retrying" in r.getMessage()]
    assert retried and names[0] in retried[0].getMessage() and "UNAVAILABLE" in retried[0].getMessage()
    assert "secret-key-1234" not in caplog.text
