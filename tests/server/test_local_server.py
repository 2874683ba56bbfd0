"""LocalServer's own life cycle."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from genai_grpc._config import is_loopback
from genai_grpc._generated.google.ai.generativelanguage.v1beta import prediction_service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2_grpc
from genai_grpc.server import LocalServer

from .conftest import get, video


def test_restart_in_process_on_a_file(tmp_path: Path) -> None:
    local = LocalServer(db=str(tmp_path / "ops.db"), duration_s=0)
    with local:
        first_port = local.port
        with grpc.insecure_channel(local.address) as channel:
            name = video(prediction_service_pb2_grpc.PredictionServiceStub(channel)).name
    with pytest.raises(RuntimeError, match="not started"):
        local.address  # noqa: B018 - the property raises
    with local, grpc.insecure_channel(local.address) as channel:
        assert get(operations_pb2_grpc.OperationsStub(channel), name).done
        assert local.store.count() == 1
    assert first_port > 0


def test_port_in_use_fails_to_start(server: LocalServer) -> None:
    with pytest.raises(OSError, match=str(server.port)):
        LocalServer(port=server.port).start()


def test_start_twice_fails() -> None:
    with LocalServer() as local, pytest.raises(RuntimeError, match="already started"):
        local.start()


def test_negative_duration_rejected() -> None:
    with pytest.raises(ValueError, match="duration_s"):
        LocalServer(duration_s=-1)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
        ("example.com", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
