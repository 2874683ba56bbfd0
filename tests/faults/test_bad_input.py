"""Bad names, options and environment values: each a clear error naming the thing, before any
RPC (the server's arrival log stays empty)."""

from __future__ import annotations

import math

import pytest

from genai_grpc import Client, types
from genai_grpc.server import LocalServer
from tests.conftest import Side, collect

from .conftest import ScriptedFaults

BAD_NAMES = [None, "", "   ", " operations/1", "operations/1\n", "ops/\x00", 5, b"operations/1", ["operations/1"]]


@pytest.fixture
def arrivals(server: LocalServer) -> list[float]:
    server.faults = faults = ScriptedFaults([])
    return faults.arrivals


@pytest.mark.parametrize("bad", BAD_NAMES, ids=repr)
def test_bad_operation_names(ops: Side, arrivals: list[float], bad: object) -> None:
    for method in ("get", "wait", "cancel", "delete"):
        with pytest.raises(ValueError, match="operation"):
            getattr(ops, method)(bad)
    with pytest.raises(ValueError, match="operation"):
        ops.wait_all(["operations/ok", bad])
    with pytest.raises(ValueError, match="operation"):
        collect(ops, "as_completed", [bad])
    with pytest.raises(ValueError, match="operation"):
        ops.wait(types.Operation(name=bad))  # type: ignore[arg-type]
    assert arrivals == []


@pytest.mark.parametrize("timeout", [-1, 0, math.nan, math.inf, "5", True])
def test_bad_call_timeouts(ops: Side, arrivals: list[float], timeout: object) -> None:
    for method in ("get", "cancel", "delete"):
        with pytest.raises(ValueError, match="timeout"):
            getattr(ops, method)("operations/1", timeout=timeout)
    assert arrivals == []


@pytest.mark.parametrize("timeout", [-1, -0.001, math.nan, "5", True])
def test_bad_wait_timeouts(ops: Side, arrivals: list[float], timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        ops.wait("operations/1", timeout=timeout)
    with pytest.raises(ValueError, match="timeout"):
        ops.wait_all(["operations/1"], timeout=timeout)
    assert arrivals == []


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True, None, "10"])
def test_bad_concurrency(ops: Side, arrivals: list[float], concurrency: object) -> None:
    with pytest.raises(ValueError, match="concurrency"):
        ops.wait_all(["operations/1"], concurrency=concurrency)
    with pytest.raises(ValueError, match="concurrency"):
        collect(ops, "as_completed", ["operations/1"], concurrency=concurrency)
    assert arrivals == []


@pytest.mark.parametrize("what", ["poll", "retry"])
@pytest.mark.parametrize("value", [1.0, "fast", {"initial": 1}])
def test_policies_of_the_wrong_type(ops: Side, arrivals: list[float], what: str, value: object) -> None:
    with pytest.raises(TypeError, match=what):
        ops.wait("operations/1", **{what: value})
    with pytest.raises(TypeError, match=f"(?i){what}"):
        Client(endpoint="127.0.0.1:1", **{what: value})  # type: ignore[arg-type]
    assert arrivals == []


@pytest.mark.parametrize(
    "cls, field, value",
    [
        (types.PollPolicy, "initial", -1), (types.PollPolicy, "initial", None),
        (types.PollPolicy, "maximum", math.inf), (types.PollPolicy, "multiplier", 0.5),
        (types.PollPolicy, "long_poll", math.nan), (types.PollPolicy, "jitter", "yes"),
        (types.RetryPolicy, "initial", "0.1"), (types.RetryPolicy, "max_outage", -5),
        (types.RetryPolicy, "multiplier", None), (types.RetryPolicy, "maximum", True),
    ],
)  # fmt: skip
def test_bad_policy_values(cls: type, field: str, value: object) -> None:
    with pytest.raises(ValueError, match=f"{cls.__name__}.{field}"):
        cls(**{field: value})


@pytest.mark.parametrize("timeout", [0, -1, math.nan, "60", None])
def test_bad_client_timeout(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        Client(endpoint="127.0.0.1:1", timeout=timeout)  # type: ignore[arg-type]


ENV = ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "GOOGLE_CLOUD_PROJECT",
       "GOOGLE_CLOUD_LOCATION", "GENAI_GRPC_EMULATOR_HOST")  # fmt: skip


@pytest.mark.parametrize(
    "env, names",
    [
        ({"GOOGLE_GENAI_USE_VERTEXAI": "maybe"}, "GOOGLE_GENAI_USE_VERTEXAI"),
        ({"GENAI_GRPC_EMULATOR_HOST": "localhost"}, "GENAI_GRPC_EMULATOR_HOST"),
        ({"GENAI_GRPC_EMULATOR_HOST": "127.0.0.1:99999"}, "GENAI_GRPC_EMULATOR_HOST"),
        ({"GENAI_GRPC_EMULATOR_HOST": "127.0.0.1:port"}, "GENAI_GRPC_EMULATOR_HOST"),
        ({"GOOGLE_API_KEY": "has a space"}, "GOOGLE_API_KEY"),
        ({"GEMINI_API_KEY": "k\tey"}, "GEMINI_API_KEY"),
        ({"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_LOCATION": "../../evil"}, "location"),
        ({"GOOGLE_GENAI_USE_VERTEXAI": "true", "GOOGLE_CLOUD_LOCATION": "us central1"}, "location"),
        ({}, "GOOGLE_API_KEY"),  # nothing configured: says what to set
    ],
)
def test_bad_environment_values(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], names: str) -> None:
    for variable in ENV:
        monkeypatch.delenv(variable, raising=False)
    for variable, value in env.items():
        monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=names) as caught:
        Client()
    for secret in ("has a space", "k\tey"):
        assert secret not in str(caught.value)  # never echoes a key
