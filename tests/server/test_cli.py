"""`serve` as a real subprocess: address, signals, flags, and restarts on the same database."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import grpc
import pytest

from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2 as pb
from genai_grpc._generated.google.longrunning import operations_pb2_grpc
from genai_grpc.cli import main
from genai_grpc.server._service import MAX_WAIT_S

from .conftest import get, rpc_error, spawned, video


def stubs(address: str) -> tuple[grpc.Channel, Any, Any]:
    channel = grpc.insecure_channel(address)
    return (
        channel,
        operations_pb2_grpc.OperationsStub(channel),
        prediction_service_pb2_grpc.PredictionServiceStub(channel),
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_signalled_then_exits_cleanly(signum: int) -> None:
    with spawned("--duration", "0") as (proc, address):
        channel, ops, genai = stubs(address)
        with channel:
            assert get(ops, video(genai).name).done
        proc.send_signal(signum)
        assert proc.wait(10) == 0
        assert "Traceback" not in proc.stderr.read()


@pytest.mark.parametrize(
    "argv",
    [
        ["serve", "--fail-code", "NOPE"],
        ["serve", "--fail-rate", "2"],
        ["bogus"],
        ["serve", "--port", "x"],
        ["serve", "--require-api-key"],
    ],
)
def test_bad_arguments_exit_2(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    assert main(argv) == 2
    assert capsys.readouterr().err


def test_serve_help_states_the_servers_own_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"longest WaitOperation, seconds (default: {MAX_WAIT_S:g})" in help_text


def test_fault_flags() -> None:
    args = [
        "--duration",
        "0",
        "--fail-next",
        "1",
        "--fail-code",
        "RESOURCE_EXHAUSTED",
        "--retry-delay",
        "2",
        "--wait-unimplemented",
        "--require-api-key",
    ]
    with spawned(*args, env={"GOOGLE_API_KEY": "k1"}) as (_, address):
        channel, ops, genai = stubs(address)
        key = [("x-goog-api-key", "k1")]
        with channel:
            assert rpc_error(get, ops, "a", metadata=key).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert rpc_error(get, ops, "a").code() == grpc.StatusCode.UNAUTHENTICATED
            name = video(genai, metadata=key).name
            wait = pb.WaitOperationRequest(name=name)
            error = rpc_error(ops.WaitOperation, wait, metadata=key)
            assert error.code() == grpc.StatusCode.UNIMPLEMENTED


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_restart_keeps_every_operation(tmp_path: Path, signum: int) -> None:
    db = str(tmp_path / "ops.db")
    with spawned("--db", db, "--duration", "0") as (proc, address):
        channel, ops, genai = stubs(address)
        with channel:
            finished = get(ops, video(genai, "[duration:0]").name)
            cancelled = video(genai, "[duration:60]").name
            ops.CancelOperation(pb.CancelOperationRequest(name=cancelled))
            deleted = video(genai).name
            ops.DeleteOperation(pb.DeleteOperationRequest(name=deleted))
            running = video(genai, "[duration:1.5]")
            before = [op.name for op in ops.ListOperations(pb.ListOperationsRequest()).operations]
        proc.send_signal(signum)
        proc.wait(10)
    assert before == [finished.name, cancelled, running.name]
    with spawned("--db", db) as (_, address):
        channel, ops, _ = stubs(address)
        with channel:
            after = ops.ListOperations(pb.ListOperationsRequest()).operations
            assert [op.name for op in after] == before
            assert get(ops, finished.name) == finished  # same bytes, rebuilt from the row
            assert get(ops, cancelled).error.code == grpc.StatusCode.CANCELLED.value[0]
            assert rpc_error(get, ops, deleted).code() == grpc.StatusCode.NOT_FOUND
            resumed = ops.WaitOperation(pb.WaitOperationRequest(name=running.name), timeout=10)
            assert resumed.done and resumed.HasField("response")
            assert not running.done  # it progressed across the restart
    with spawned("--db", db) as (_, address):
        channel, ops, _ = stubs(address)
        with channel:
            names = [op.name for op in ops.ListOperations(pb.ListOperationsRequest()).operations]
            assert names == before  # nothing duplicated by two restarts
