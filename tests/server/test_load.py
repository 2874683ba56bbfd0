"""Large sets and many callers (bounded, loopback only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from genai_grpc._generated.genai_grpc.v1 import service_pb2
from genai_grpc._generated.google.longrunning import operations_pb2 as pb
from genai_grpc._generated.google.longrunning import operations_pb2_grpc
from genai_grpc.server import LocalServer
from genai_grpc.server._build import IMPORT
from genai_grpc.server._store import NewOperation

from .conftest import video

TOTAL = 10_000


def imports(count: int, store: str, now_ns: int, duration_ns: int) -> list[NewOperation]:
    request = service_pb2.ImportFileRequest(
        file_search_store_name=store, source={"gcs_uri": "gs://b/x"}
    ).SerializeToString()
    return [
        NewOperation(f"{store}/operations/{i:05d}-{now_ns}", IMPORT, request, i, now_ns, duration_ns)
        for i in range(count)
    ]


@pytest.fixture
def crowded() -> Iterator[tuple[LocalServer, list[str], list[str]]]:
    """A server holding 10,000 operations: alternately finished and running, in two stores."""
    with LocalServer(duration_s=0) as local:
        now = time.time_ns()
        done = imports(TOTAL // 2, "fileSearchStores/a", now, 0)
        running = imports(TOTAL // 2, "fileSearchStores/b", now, 3600 * 10**9)
        mixed = [op for pair in zip(done, running, strict=True) for op in pair]
        local.store.insert(mixed)
        yield local, [o.name for o in mixed], [o.name for o in running]


def page_all(ops: Any, token: str = "", **request: Any) -> Iterator[pb.ListOperationsResponse]:
    while True:
        page = ops.ListOperations(pb.ListOperationsRequest(page_token=token, **request))
        yield page
        token = page.next_page_token
        if not token:
            return


def test_paging_over_10000(crowded: tuple[LocalServer, list[str], list[str]]) -> None:
    local, everything, running = crowded
    with grpc.insecure_channel(local.address) as channel:
        ops = operations_pb2_grpc.OperationsStub(channel)
        pages = list(page_all(ops, page_size=1000))
        assert [len(p.operations) for p in pages] == [1000] * 10
        assert [op.name for p in pages for op in p.operations] == everything
        default = list(page_all(ops, name="fileSearchStores/b", filter="done=false"))
        assert len(default) == 50  # 100 per page by default
        assert [op.name for p in default for op in p.operations] == running
        assert all(not op.done for p in default for op in p.operations)


def test_paging_is_stable_under_inserts_and_deletes(
    crowded: tuple[LocalServer, list[str], list[str]],
) -> None:
    local, everything, _ = crowded
    with grpc.insecure_channel(local.address) as channel:
        ops = operations_pb2_grpc.OperationsStub(channel)
        first = ops.ListOperations(pb.ListOperationsRequest(page_size=10))
        ops.DeleteOperation(pb.DeleteOperationRequest(name=everything[5]))
        ops.DeleteOperation(pb.DeleteOperationRequest(name=everything[12]))
        added = imports(1, "fileSearchStores/a", time.time_ns(), 0)
        local.store.insert(added)
        rest = page_all(ops, first.next_page_token, page_size=1000)
        seen = [op.name for op in first.operations] + [op.name for p in rest for op in p.operations]
        assert seen == everything[:12] + everything[13:] + [added[0].name]


def test_1000_concurrent_gets(server: LocalServer, genai: Any) -> None:
    names = [video(genai, f"cat {i} [duration:{i % 2 * 60}]", model="veo").name for i in range(20)]

    async def run() -> list[Any]:
        async with grpc.aio.insecure_channel(server.address) as channel:
            ops = operations_pb2_grpc.OperationsStub(channel)
            calls = [ops.GetOperation(pb.GetOperationRequest(name=names[i % 20])) for i in range(1000)]
            return list(await asyncio.gather(*calls))

    results = asyncio.run(run())
    assert [op.name for op in results] == [names[i % 20] for i in range(1000)]
    assert sum(op.done for op in results) == 500
