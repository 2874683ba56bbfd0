"""Per-operation outcomes: one bad operation does not sink the fleet (sync and aio)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from genai_grpc import Client, errors, types
from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc.server import LocalServer
from genai_grpc.server._build import IMPORT
from genai_grpc.server._store import NewOperation
from tests.conftest import Side, collect

FAST = types.PollPolicy(initial=0.05, multiplier=1.5, maximum=0.2, long_poll=0)
GOOD, FAILING, MISSING = 1900, 50, 50


def _request(uri: str) -> bytes:
    return service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/o", source={"gcs_uri": uri}
    ).SerializeToString()


@pytest.fixture(scope="module")
def fleet_server() -> Iterator[tuple[LocalServer, list[str]]]:
    """GOOD operations that succeed, FAILING that fail ([fail:internal]), half of each
    still running for 0.5 s; MISSING names that do not exist. Input order interleaved."""
    with LocalServer(duration_s=0.0) as server:
        now = time.time_ns()
        ok, bad = _request("gs://b/ok"), _request("gs://b/[fail:internal]")
        stored = [
            NewOperation(f"fileSearchStores/o/operations/{i:04d}", IMPORT, bad if i < FAILING else ok,
                         i, now, 0 if i % 2 else 500_000_000)
            for i in range(GOOD + FAILING)
        ]  # fmt: skip
        server.store.insert(stored)
        names = [op.name for op in stored]
        for i in range(MISSING):
            names.insert(i * 40, f"fileSearchStores/o/operations/missing-{i}")
        yield server, names


@pytest.fixture
def fleet_ops(fleet_server: tuple[LocalServer, list[str]]) -> Iterator[Client]:
    with Client(endpoint=fleet_server[0].address, poll=FAST) as client:
        yield client


@pytest.mark.parametrize("side", ["sync", "aio"])
def test_2000_operations_every_one_accounted_for(
    fleet_server: tuple[LocalServer, list[str]], fleet_ops: Client, run: object, side: str
) -> None:
    names = fleet_server[1]
    ops = Side(side, fleet_ops, run)  # type: ignore[arg-type]
    outcomes = collect(ops, "as_completed", names, timeout=120, concurrency=200, return_errors=True)
    if side == "aio":
        run.run(fleet_ops.aio.aclose())  # type: ignore[attr-defined]
    assert sorted(o.name for o in outcomes) == sorted(names)
    assert all(isinstance(o, types.Outcome) for o in outcomes)
    succeeded = [o for o in outcomes if o.succeeded]
    failed = [o for o in outcomes if o.error is None and o.operation is not None and o.operation.error]
    missing = [o for o in outcomes if isinstance(o.error, errors.ClientError) and o.error.code == 404]
    assert (len(succeeded), len(failed), len(missing)) == (GOOD, FAILING, MISSING)
    assert {o.operation.error.code for o in failed} == {13}  # type: ignore[union-attr]
    assert all(o.name.rsplit("/", 1)[1].startswith("missing-") for o in missing)
    assert all(o.operation is not None and o.operation.done for o in succeeded + failed)


def test_wait_all_outcomes_keep_input_order(fleet_server: tuple[LocalServer, list[str]], fleet_ops: Client) -> None:
    names = fleet_server[1][:60] + fleet_server[1][:3]
    got = fleet_ops.operations.wait_all(names, timeout=60, return_errors=True)
    assert [o.name for o in got] == names
    assert got[60] is got[0]
    assert isinstance(got[0].error, errors.ClientError)  # names[0] is missing-0


def test_the_default_still_raises_the_first_permanent_error(
    fleet_server: tuple[LocalServer, list[str]], fleet_ops: Client
) -> None:
    with pytest.raises(errors.ClientError) as info:
        fleet_ops.operations.wait_all(fleet_server[1][:5], timeout=60)
    assert info.value.code == 404


def test_a_timeout_is_one_operations_outcome(fleet_server: tuple[LocalServer, list[str]], fleet_ops: Client) -> None:
    server = fleet_server[0]
    now = time.time_ns()
    server.store.insert([NewOperation("fileSearchStores/o/operations/slow", IMPORT, _request("gs://b/x"),
                                      0, now, 3600 * 10**9)])  # fmt: skip
    done = "fileSearchStores/o/operations/0101"
    got = fleet_ops.operations.wait_all(["fileSearchStores/o/operations/slow", done],
                                        timeout=1.0, return_errors=True)  # fmt: skip
    slow, ok = got
    assert isinstance(slow.error, errors.OperationTimeoutError) and not slow.succeeded
    assert slow.operation is not None and slow.operation.name == slow.name and not slow.operation.done
    assert ok.succeeded and ok.error is None
