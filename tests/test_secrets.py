"""The client's own API key, echoed back by a server, is masked in every error it raises and
in what the CLI prints. Sync and aio, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import grpc
import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2, status_pb2

from genai_grpc import Client, errors, types
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.errors import mask_secrets
from tests.scripted import ScriptedServer
from tests.test_cli import cli, environment

KEY = "AIzaSy-echoed-back-0123456789abcdef"


def _echoing_status() -> status_pb2.Status:
    status = status_pb2.Status(code=grpc.StatusCode.PERMISSION_DENIED.value[0], message=f"key {KEY} denied")
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="DENIED", metadata={"key": KEY, KEY: "x"}))
    status.details.add().Pack(
        error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field="key", description=f"bad {KEY}!")]
        )
    )
    return status


@pytest.fixture
def keyed(scripted: ScriptedServer) -> Iterator[Client]:
    with Client(endpoint=scripted.address, api_key=KEY, allow_insecure_credentials=True) as client:
        yield client


@pytest.mark.parametrize("side", ["sync", "aio"])
def test_errors_never_show_the_clients_own_key(scripted: ScriptedServer, keyed: Client, side: str) -> None:
    scripted.fail_next(grpc.StatusCode.PERMISSION_DENIED, f"key {KEY} denied", _echoing_status())
    with pytest.raises(errors.ClientError) as caught:
        if side == "sync":
            keyed.operations.get("operations/x")
        else:
            asyncio.run(_aio_get(keyed))
    error = caught.value
    assert scripted.received[0][2]["x-goog-api-key"] == KEY  # it was sent, and echoed back
    shown = str(error) + error.message + json.dumps(error.details) + repr(error)
    assert KEY not in shown and "key *** denied" in str(error), shown
    assert error.details[0]["metadata"] == {"key": "***", "***": "x"}


async def _aio_get(client: Client) -> None:
    try:
        await client.aio.operations.get("operations/x")
    finally:
        await client.aio.aclose()


def test_a_waits_last_error_is_masked_too(scripted: ScriptedServer, keyed: Client) -> None:
    for _ in range(100):
        scripted.fail_next(grpc.StatusCode.UNAVAILABLE, f"try again, {KEY}")
    with pytest.raises(errors.OperationTimeoutError) as caught:
        keyed.operations.wait("operations/x", timeout=0.5, retry=types.RetryPolicy(initial=0.01, maximum=0.02))
    assert caught.value.last_error is not None and KEY not in str(caught.value) + str(caught.value.last_error)


def test_get_output_masks_the_key_from_the_environment(scripted: ScriptedServer) -> None:
    op = operations_pb2.Operation(name="operations/echo", done=True)
    op.error.code, op.error.message = 7, f"the key {KEY} may not do this"
    struct = struct_pb2.Struct()
    struct.update({"request": {"key": KEY}, KEY: 1})
    op.metadata.Pack(struct)
    scripted.put(op)
    env = environment(GENAI_GRPC_EMULATOR_HOST=scripted.address, GEMINI_API_KEY=KEY)
    for args in ((), ("--json",)):
        out = cli("get", "operations/echo", *args, env=env)
        assert out.returncode == 1, out.stderr
        assert KEY not in out.stdout + out.stderr and "***" in out.stdout, out.stdout


def test_mask_secrets_reaches_every_string() -> None:
    value = {"a": [f"x{KEY}y", (KEY, 3)], KEY: {"b": KEY}, "n": None}
    assert mask_secrets(value, [KEY]) == {"a": ["x***y", ("***", 3)], "***": {"b": "***"}, "n": None}
    assert mask_secrets("abc", ["", "ab"]) == "abc"  # too short to be a key: left alone
    assert mask_secrets(f"{KEY}", []) == KEY
