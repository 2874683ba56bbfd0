"""wait, watch, list, cancel, delete and fleets against a real gRPC server, sync and aio."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2, status_pb2

from genai_grpc import Client, errors, types
from genai_grpc._generated.google.longrunning import operations_pb2
from tests.conftest import Side, collect
from tests.scripted import ScriptedServer

FAST = types.PollPolicy(initial=0.01, multiplier=1.0, maximum=0.01)
FAST_GET = types.PollPolicy(initial=0.01, multiplier=1.0, maximum=0.01, long_poll=0)
QUICK_RETRY = types.RetryPolicy(initial=0.01, maximum=0.02)


def snap(name: str, done: bool = False, progress: int = 0, error: int = 0) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=name, done=done)
    if progress:
        op.metadata.Pack(struct_pb2.Struct(fields={"p": struct_pb2.Value(number_value=progress)}))
    if error:
        op.error.code, op.error.message = error, "failed"
    return op


def methods(server: ScriptedServer) -> list[str]:
    return [m for m, _, _ in server.received]


def test_wait_uses_wait_operation_when_the_server_has_it(scripted: ScriptedServer, ops: Side) -> None:
    scripted.script("operations/1", snap("operations/1"), snap("operations/1", done=True))
    op = ops.wait("operations/1", timeout=10, poll=FAST)
    assert op.done and methods(scripted) == ["WaitOperation", "WaitOperation"]
    request = scripted.received[0][1]
    assert 0 < request.timeout.ToTimedelta().total_seconds() <= 10


def test_unimplemented_wait_falls_back_once_per_channel(scripted: ScriptedServer, ops: Side) -> None:
    scripted.wait_implemented = False
    scripted.script("operations/1", snap("operations/1"), snap("operations/1", done=True))
    assert ops.wait("operations/1", poll=FAST).done
    assert methods(scripted) == ["WaitOperation", "GetOperation", "GetOperation"]
    scripted.received.clear()
    assert ops.wait("operations/1", poll=FAST).done
    assert methods(scripted) == ["GetOperation"]


def test_failed_operation_is_returned_and_keeps_its_class(scripted: ScriptedServer, ops: Side) -> None:
    scripted.script("operations/f", snap("operations/f"), snap("operations/f", done=True, error=9))
    op = ops.wait(types.ImportFileOperation(name="operations/f"), poll=FAST)
    assert type(op) is types.ImportFileOperation and op.error.code == 9


def test_timeout_carries_the_last_snapshot(scripted: ScriptedServer, ops: Side) -> None:
    scripted.script("operations/slow", snap("operations/slow", progress=42))
    with pytest.raises(errors.OperationTimeoutError) as info:
        ops.wait("operations/slow", timeout=1.0, poll=FAST_GET)
    assert isinstance(info.value, TimeoutError)
    assert info.value.operation.metadata == {"p": 42.0} and info.value.last_error is None


def test_transient_failures_are_retried(scripted: ScriptedServer, ops: Side) -> None:
    status = status_pb2.Status(code=8, message="slow down")
    status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay={"nanos": 20_000_000}))
    scripted.fail_next(grpc.StatusCode.UNAVAILABLE, "blip")
    scripted.fail_next(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", status)
    scripted.put(snap("operations/1", done=True))
    assert ops.wait("operations/1", timeout=10, poll=FAST_GET, retry=QUICK_RETRY).done
    assert len(scripted.received) == 3


def test_an_outage_past_the_deadline_names_its_status(scripted: ScriptedServer, ops: Side) -> None:
    for _ in range(1000):
        scripted.fail_next(grpc.StatusCode.UNAVAILABLE, "down for maintenance")
    with pytest.raises(errors.OperationTimeoutError) as info:
        ops.wait("operations/1", timeout=1.0, poll=FAST_GET, retry=QUICK_RETRY)
    assert info.value.last_error.status == "UNAVAILABLE" and info.value.operation is None
    assert info.value.pending[0].name == "operations/1"


def test_permanent_errors_raise_at_once_with_details(scripted: ScriptedServer, ops: Side) -> None:
    status = status_pb2.Status(code=7, message="no")
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="IAM_DENIED", domain="x"))
    scripted.fail_next(grpc.StatusCode.PERMISSION_DENIED, "no", status)
    with pytest.raises(errors.ClientError) as info:
        ops.wait("operations/1", timeout=10, poll=FAST)
    assert info.value.code == 403 and info.value.reasons == ("IAM_DENIED",)
    assert len(scripted.received) == 1


def test_watch_yields_each_change_and_ends_done(scripted: ScriptedServer, ops: Side) -> None:
    name = "operations/w"
    scripted.script(
        name,
        snap(name, progress=10),
        snap(name, progress=10),
        snap(name, progress=50),
        snap(name, progress=50),
        snap(name, done=True, progress=100),
    )
    seen = collect(ops, "watch", name, timeout=10, poll=FAST)
    assert [s.metadata["p"] for s in seen] == [10, 50, 100] and seen[-1].done
    assert set(methods(scripted)) == {"GetOperation"}


def test_list_pages_lazily(scripted: ScriptedServer, ops: Side) -> None:
    for i in range(5):
        scripted.put(snap(f"operations/{i}", done=i % 2 == 0))
    got = collect(ops, "list", "operations", filter="done=true", page_size=2)
    assert [op.name for op in got] == [f"operations/{i}" for i in range(5)]
    requests = [r for m, r, _ in scripted.received if m == "ListOperations"]
    assert [r.page_token for r in requests] == ["", "2", "4"] and requests[0].filter == "done=true"


def test_cancel_and_delete(scripted: ScriptedServer, ops: Side) -> None:
    scripted.put(snap("operations/1"))
    ops.cancel(types.Operation(name="operations/1"))
    ops.delete("operations/1")
    assert methods(scripted) == ["CancelOperation", "DeleteOperation"]
    with pytest.raises(errors.ClientError):
        ops.delete("operations/1")


def test_thousand_operations_as_completed(scripted: ScriptedServer, ops: Side) -> None:
    names = [f"operations/{i}" for i in range(1000)]
    for name in names:
        scripted.script(name, snap(name), snap(name, done=True))
    done = collect(ops, "as_completed", names + names[:10], timeout=30, concurrency=50, poll=FAST)
    assert sorted(op.name for op in done) == sorted(names)
    assert len(scripted.received) == 2000


def test_wait_all_keeps_input_order_and_takes_done_ones(scripted: ScriptedServer, ops: Side) -> None:
    for i in range(3):
        scripted.script(f"operations/{i}", snap(f"operations/{i}"), snap(f"operations/{i}", done=True))
    finished = types.Operation(name="operations/done", done=True)
    wanted = ["operations/2", finished, "operations/0", "operations/1", "operations/2"]
    got = ops.wait_all(wanted, timeout=10, poll=FAST)
    assert [op.name for op in got] == [
        "operations/2",
        "operations/done",
        "operations/0",
        "operations/1",
        "operations/2",
    ]
    assert got[1] is finished and all(op.done for op in got)


def test_every_poll_of_a_fleet_carries_its_own_headers(scripted: ScriptedServer, ops: Side) -> None:
    # Polls reuse one request and metadata per operation: each must still name its own.
    names = [f"models/veo/operations/{i}" for i in range(3)]
    for name in names:
        scripted.script(name, snap(name), snap(name), snap(name, done=True))
    scripted.fail_next(grpc.StatusCode.UNAVAILABLE, "blip")  # a retry rebuilds what it sends
    got = ops.wait_all(names, timeout=10, poll=FAST_GET, retry=QUICK_RETRY)
    assert all(op.done for op in got)
    polls = [(request.name, metadata) for method, request, metadata in scripted.received]
    assert len(polls) == 10 and {name for name, _ in polls} == set(names)
    for name, metadata in polls:
        assert metadata["x-goog-request-params"] == f"name={name}"
        assert metadata["x-goog-api-client"].startswith("genai-grpc/")


class _AddsHeader(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Adds a header to the call's own metadata in place, as some interceptors do."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        details.metadata.add("x-added", "1")
        self.seen.append(sum(1 for key, _ in details.metadata if key == "x-added"))
        return await continuation(details, request)


def test_an_interceptor_changing_metadata_in_place_sees_fresh_metadata_each_poll(
    scripted: ScriptedServer, run: asyncio.Runner
) -> None:
    scripted.script("operations/1", snap("operations/1"), snap("operations/1"), snap("operations/1", done=True))
    interceptor = _AddsHeader()
    with Client(endpoint=scripted.address, aio_interceptors=[interceptor]) as client:
        op = run.run(client.aio.operations.wait("operations/1", timeout=10, poll=FAST_GET))
        run.run(client.aio.aclose())
    assert op.done and interceptor.seen == [1, 1, 1]


def test_fleet_timeout_lists_the_pending(scripted: ScriptedServer, ops: Side) -> None:
    scripted.put(snap("operations/a", done=True))
    scripted.put(snap("operations/b"))
    with pytest.raises(errors.OperationTimeoutError) as info:
        ops.wait_all(["operations/a", "operations/b"], timeout=1.5, poll=FAST_GET)
    assert [op.name for op in info.value.pending] == ["operations/b"]


def test_fleet_timeout_without_any_answer_keeps_each_class(scripted: ScriptedServer, ops: Side) -> None:
    for _ in range(10_000):
        scripted.fail_next(grpc.StatusCode.UNAVAILABLE, "down")
    known = types.GenerateVideosOperation(name="models/veo-3.0/operations/known")
    wanted = ["operations/plain", "models/veo-3.0/operations/byname", known]
    with pytest.raises(errors.OperationTimeoutError) as info:
        ops.wait_all(wanted, timeout=1.0, poll=FAST_GET, retry=QUICK_RETRY)
    pending = sorted(info.value.pending, key=lambda op: op.name)
    assert [(type(op).__name__, op.name, op.done) for op in pending] == [
        ("GenerateVideosOperation", "models/veo-3.0/operations/byname", False),
        ("GenerateVideosOperation", "models/veo-3.0/operations/known", False),
        ("Operation", "operations/plain", False),
    ]
    assert pending[1] is known and info.value.last_error.status == "UNAVAILABLE"


def test_client_wide_poll_policy(scripted: ScriptedServer) -> None:
    scripted.script("operations/1", snap("operations/1"), snap("operations/1", done=True))
    with Client(endpoint=scripted.address, poll=FAST_GET) as client:
        assert client.operations.wait("operations/1", timeout=5).done
    assert methods(scripted) == ["GetOperation", "GetOperation"]
    with pytest.raises(TypeError, match="PollPolicy"):
        Client(endpoint=scripted.address, poll=1.0)  # type: ignore[arg-type]


def test_resume_from_a_stored_dict(scripted: ScriptedServer, ops: Side) -> None:
    name = "models/veo/operations/r"
    scripted.script(name, snap(name), snap(name, done=True))
    stored = ops.get(name).to_dict()
    op = ops.wait(types.Operation.from_dict(stored), poll=FAST)
    assert type(op) is types.GenerateVideosOperation and op.done


def test_cancelling_an_aio_wait_stops_it_and_its_call(
    scripted: ScriptedServer, client: Client, run: asyncio.Runner
) -> None:
    scripted.hold_waits = True
    scripted.put(snap("operations/1"))

    async def main() -> float:
        task = asyncio.create_task(client.aio.operations.wait("operations/1"))
        while not scripted.received:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        elapsed = time.monotonic() - started
        assert asyncio.all_tasks() == {asyncio.current_task()}
        await client.aio.aclose()
        return elapsed

    assert run.run(main()) < 5
    assert scripted.abandoned.wait(5)


CTRL_C_CHILD = """
import sys
from genai_grpc import Client
client = Client(endpoint=sys.argv[1])
try:
    client.operations.wait("operations/1")
except KeyboardInterrupt:
    print("interrupted", flush=True)
    raise
"""


def test_ctrl_c_stops_a_sync_wait(scripted: ScriptedServer) -> None:
    import signal
    import subprocess
    import sys

    scripted.hold_waits = True
    scripted.put(snap("operations/1"))
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD, scripted.address],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not scripted.received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert scripted.received, "the child never called"
        time.sleep(0.2)  # let it settle into waiting on the long poll
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=5)
    finally:
        child.kill()
        child.wait()
    assert "interrupted" in out and "KeyboardInterrupt" in err, err
    assert scripted.abandoned.wait(5)


def test_a_sync_fleet_needs_no_thread_per_operation(scripted: ScriptedServer, client: Client) -> None:
    import threading

    names = [f"operations/{i}" for i in range(300)]
    for name in names:
        scripted.script(name, snap(name), snap(name), snap(name, done=True))

    def client_threads() -> int:  # the in-process test server's pool threads don't count
        return sum(not t.name.startswith("ThreadPoolExecutor") for t in threading.enumerate())

    before = peak = client_threads()
    for _ in client.operations.as_completed(names, timeout=30, poll=FAST):
        peak = max(peak, client_threads())
    assert peak - before < 3


def test_cancelled_by_the_server_is_retried(scripted: ScriptedServer, ops: Side) -> None:
    scripted.fail_next(grpc.StatusCode.CANCELLED, "server shutting down")
    scripted.put(snap("operations/1", done=True))
    assert ops.wait("operations/1", timeout=10, poll=FAST_GET, retry=QUICK_RETRY).done
    assert len(scripted.received) == 2


@pytest.mark.parametrize("held", [False, True], ids=["polling", "held-wait"])
def test_a_server_restart_mid_wait_is_ridden_out(scripted: ScriptedServer, ops: Side, held: bool) -> None:
    """`held`: the restart ends a WaitOperation in flight, not only the gaps between polls."""
    import threading

    scripted.put(snap("operations/1", progress=5))
    scripted.hold_waits = held
    replacement: list[ScriptedServer] = []

    def restart() -> None:
        time.sleep(0.3)
        scripted.__exit__()
        time.sleep(0.3)
        new = ScriptedServer(port=scripted.port)
        new.put(snap("operations/1", done=True))
        replacement.append(new.__enter__())

    thread = threading.Thread(target=restart)
    thread.start()
    try:
        op = ops.wait("operations/1", timeout=20, poll=FAST if held else FAST_GET, retry=QUICK_RETRY)
    finally:
        thread.join()
        for server in replacement:
            server.__exit__()
    assert op.done
