"""Fault switches, set at run time from Python."""

from __future__ import annotations

import time
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from genai_grpc._generated.google.longrunning import operations_pb2 as pb
from genai_grpc._generated.google.longrunning import operations_pb2_grpc
from genai_grpc.server import Faults, LocalServer

from .conftest import get, rpc_error, video


def status_details(error: grpc.RpcError) -> status_pb2.Status:
    trailers = dict(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    return status_pb2.Status.FromString(trailers["grpc-status-details-bin"])


def test_fail_next_n_then_recover(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.fail_next = 2
    codes = [rpc_error(get, ops, name).code() for _ in range(2)]
    assert codes == [grpc.StatusCode.UNAVAILABLE] * 2
    assert get(ops, name).done


def test_resource_exhausted_carries_retry_info(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.fail_code = "RESOURCE_EXHAUSTED"
    server.faults.retry_delay_s = 1.5
    server.faults.fail_next = 1
    error = rpc_error(get, ops, name)
    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    status = status_details(error)
    retry = error_details_pb2.RetryInfo()
    assert status.code == 8 and status.details[0].Unpack(retry)
    assert retry.retry_delay.ToNanoseconds() == 1_500_000_000


def test_fail_rate_is_a_share(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.fail_rate = 0.5
    failures = 0
    for _ in range(200):
        try:
            get(ops, name)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAVAILABLE
            failures += 1
    assert 50 < failures < 150
    server.faults.fail_rate = 1.0
    assert rpc_error(video, genai).code() == grpc.StatusCode.UNAVAILABLE  # every RPC


def test_latency(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.latency_s = 0.2
    started = time.monotonic()
    get(ops, name)
    assert 0.2 <= time.monotonic() - started < 1


def test_api_key(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.api_key = "sekret"
    missing = rpc_error(get, ops, name)
    wrong = rpc_error(get, ops, name, metadata=[("x-goog-api-key", "nope")])
    for error, reason in [(missing, "API_KEY_MISSING"), (wrong, "API_KEY_INVALID")]:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
        info = error_details_pb2.ErrorInfo()
        assert status_details(error).details[0].Unpack(info) and info.reason == reason
    assert get(ops, name, metadata=[("x-goog-api-key", "sekret")]).done


def test_wait_unimplemented(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.wait_unimplemented = True
    error = rpc_error(ops.WaitOperation, pb.WaitOperationRequest(name=name))
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED
    assert get(ops, name).done  # GetOperation, the fallback, still answers


def test_garbage(server: LocalServer, ops: Any, genai: Any) -> None:
    name = video(genai).name
    server.faults.garbage = True
    error = rpc_error(get, ops, name)
    assert error.code() == grpc.StatusCode.INTERNAL  # grpc's verdict on an undecodable answer
    server.faults.garbage = False
    assert get(ops, name).done


def test_garbage_bytes_are_not_an_operation(server: LocalServer, genai: Any) -> None:
    name = video(genai).name
    server.faults.garbage = True
    with grpc.insecure_channel(server.address) as channel:
        raw = channel.unary_unary("/google.longrunning.Operations/GetOperation")
        data = raw(pb.GetOperationRequest(name=name).SerializeToString())
    with pytest.raises(Exception, match="(?i)error|parse|decode"):
        pb.Operation.FromString(data)


def test_faults_from_constructor() -> None:
    faults = Faults(fail_next=1, fail_code="INTERNAL")
    with (
        LocalServer(duration_s=0, faults=faults) as local,
        grpc.insecure_channel(local.address) as channel,
    ):
        stub = operations_pb2_grpc.OperationsStub(channel)
        assert rpc_error(get, stub, "x").code() == grpc.StatusCode.INTERNAL
        assert rpc_error(get, stub, "x").code() == grpc.StatusCode.NOT_FOUND


def test_assigning_new_faults_takes_effect(server: LocalServer, ops: Any) -> None:
    server.faults = Faults(fail_next=1, fail_code="ABORTED")
    assert rpc_error(get, ops, "x").code() == grpc.StatusCode.ABORTED
    assert rpc_error(get, ops, "x").code() == grpc.StatusCode.NOT_FOUND
