"""client.operations.get and client.aio.operations.get against a real gRPC server."""

from __future__ import annotations

import time

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from genai_grpc import Client, errors, types
from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from tests.conftest import Side
from tests.scripted import ScriptedServer

NAME = "models/veo-2.0-generate-001/operations/abc"


def put_video(server: ScriptedServer, size: int = 10, done: bool = True) -> None:
    op = operations_pb2.Operation(name=NAME, done=done)
    if done:
        op.response.Pack(
            types_pb2.GenerateVideosResponse(
                generated_videos=[
                    types_pb2.GeneratedVideo(video=types_pb2.Video(data=b"v" * size, mime_type="video/mp4"))
                ]
            )
        )
    md = types_pb2.OperationMetadata(progress_percent=100 if done else 30)
    op.metadata.Pack(md)
    server.put(op)


def test_get_by_name_infers_class(scripted: ScriptedServer, ops: Side) -> None:
    put_video(scripted)
    op = ops.get(NAME)
    assert isinstance(op, types.GenerateVideosOperation)
    assert op.done and op.response.generated_videos[0].video.data == b"v" * 10
    assert op.metadata["progressPercent"] == 100


def test_get_keeps_the_class_passed_in(scripted: ScriptedServer, ops: Side) -> None:
    put_video(scripted, done=False)
    op = ops.get(types.Operation(name=NAME))
    assert type(op) is types.Operation and not op.done
    op = ops.get(types.GenerateVideosOperation(name=NAME))
    assert type(op) is types.GenerateVideosOperation


def test_routing_header_is_sent(scripted: ScriptedServer, ops: Side) -> None:
    scripted.put(operations_pb2.Operation(name="fileSearchStores/a b/operations/1"))
    ops.get("fileSearchStores/a b/operations/1")
    assert scripted.received[-1][2]["x-goog-request-params"] == "name=fileSearchStores/a%20b/operations/1"


def test_failed_operation_is_returned_not_raised(scripted: ScriptedServer, ops: Side) -> None:
    op = operations_pb2.Operation(name="operations/f", done=True)
    op.error.code, op.error.message = 9, "quota"
    scripted.put(op)
    got = ops.get("operations/f")
    assert got.error == types.OperationError(code=9, message="quota")


def test_not_found_is_client_error_404(scripted: ScriptedServer, ops: Side) -> None:
    with pytest.raises(errors.ClientError) as info:
        ops.get("operations/missing")
    assert (info.value.code, info.value.status, info.value.grpc_code) == (404, "NOT_FOUND", 5)
    assert "operations/missing" in info.value.message


@pytest.mark.parametrize(
    "code,cls,http",
    [
        (grpc.StatusCode.INVALID_ARGUMENT, errors.ClientError, 400),
        (grpc.StatusCode.PERMISSION_DENIED, errors.ClientError, 403),
        (grpc.StatusCode.UNAUTHENTICATED, errors.ClientError, 401),
        (grpc.StatusCode.INTERNAL, errors.ServerError, 500),
        (grpc.StatusCode.UNAVAILABLE, errors.ServerError, 503),
        (grpc.StatusCode.UNIMPLEMENTED, errors.ServerError, 501),
    ],
)
def test_every_failure_is_a_typed_error(
    scripted: ScriptedServer, ops: Side, code: grpc.StatusCode, cls: type, http: int
) -> None:
    scripted.fail_next(code, "nope")
    with pytest.raises(cls) as info:
        ops.get("operations/x")
    assert info.value.code == http and info.value.message == "nope"
    assert not isinstance(info.value, grpc.RpcError)


def test_error_details_come_from_the_trailer(scripted: ScriptedServer, ops: Side) -> None:
    status = status_pb2.Status(code=8, message="slow down")
    status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay={"seconds": 2}))
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="RATE_LIMIT_EXCEEDED", domain="x"))
    scripted.fail_next(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", status)
    with pytest.raises(errors.ClientError) as info:
        ops.get("operations/x")
    assert info.value.code == 429
    assert info.value.retry_delay == 2.0 and info.value.reasons == ("RATE_LIMIT_EXCEEDED",)


@pytest.mark.parametrize("bad", ["", "   ", None, 42, b"operations/1", " operations/1"])
def test_bad_names_fail_before_any_rpc(scripted: ScriptedServer, ops: Side, bad: object) -> None:
    with pytest.raises(ValueError, match="operation"):
        ops.get(bad)
    assert scripted.received == []


def test_64_mib_video_arrives(scripted: ScriptedServer, ops: Side) -> None:
    put_video(scripted, size=64 * 1024 * 1024)
    op = ops.get(NAME)
    assert len(op.response.generated_videos[0].video.data) == 64 * 1024 * 1024


def test_unreachable_server_is_503(ops: Side) -> None:
    with Client(endpoint="127.0.0.1:1", timeout=5) as c:
        with pytest.raises(errors.ServerError) as info:
            c.operations.get("operations/1")
    assert info.value.code == 503


def test_emulator_host_from_environment(scripted: ScriptedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    put_video(scripted)
    monkeypatch.setenv("GENAI_GRPC_EMULATOR_HOST", scripted.address)
    with Client() as c:
        assert c.operations.get(NAME).done


def test_no_configuration_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GENAI_GRPC_EMULATOR_HOST", "GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="GENAI_GRPC_EMULATOR_HOST"):
        Client()


@pytest.mark.parametrize("endpoint", ["nohost", "host:", "host:99999", "", ":80"])
def test_bad_endpoint_is_a_clear_error(endpoint: str) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        Client(endpoint=endpoint)


def test_close_twice_and_context_managers(scripted: ScriptedServer, run) -> None:  # type: ignore[no-untyped-def]
    put_video(scripted)
    client = Client(endpoint=scripted.address)

    async def use_aio() -> bool:
        async with client.aio as aio:
            return (await aio.operations.get(NAME)).done

    assert run.run(use_aio())
    with client:
        assert client.operations.get(NAME).done
    client.close()


# A plain name on the Gemini API takes get()'s inline path; a name that needs quoting in the
# routing header takes the general one. Both must send, bound and check alike.
PLAIN_AND_NOT = [NAME, "fileSearchStores/a b/operations/1"]


@pytest.mark.parametrize("name", PLAIN_AND_NOT)
def test_both_paths_send_the_client_headers(scripted: ScriptedServer, ops: Side, name: str) -> None:
    scripted.put(operations_pb2.Operation(name=name))
    assert ops.get(name).name == name
    headers = scripted.received[-1][2]
    assert headers["x-goog-request-params"] == "name=" + name.replace(" ", "%20")
    assert headers["x-goog-api-client"].startswith("genai-grpc/")


@pytest.mark.parametrize("name", PLAIN_AND_NOT)
def test_get_timeout_bounds_the_call(scripted: ScriptedServer, ops: Side, name: str) -> None:
    scripted.put(operations_pb2.Operation(name=name))
    scripted.hook = lambda method, request: time.sleep(1.5)  # type: ignore[func-returns-value]
    with pytest.raises(errors.ServerError) as caught:
        ops.get(name, timeout=0.2)
    assert caught.value.status == "DEADLINE_EXCEEDED"


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), True, "1"])
@pytest.mark.parametrize("name", PLAIN_AND_NOT)
def test_a_bad_timeout_is_named_before_any_rpc(scripted: ScriptedServer, ops: Side, name: str, timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be"):
        ops.get(name, timeout=timeout)
    assert scripted.received == []
