"""An independent client, google-api-core's OperationsClient, against this server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from genai_grpc.server import LocalServer
from genai_grpc.server._paging import DEFAULT_PAGE_SIZE

from .conftest import video

operations_v1 = pytest.importorskip("google.api_core.operations_v1")
exceptions = pytest.importorskip("google.api_core.exceptions")
error_details_pb2 = pytest.importorskip("google.rpc.error_details_pb2")


@pytest.fixture
def client(server: LocalServer) -> Iterator[Any]:
    with grpc.insecure_channel(server.address) as channel:
        yield operations_v1.OperationsClient(channel)


def test_get_cancel_delete(client: Any, genai: Any) -> None:
    finished = video(genai, "[fail:safety]").name
    running = video(genai, "[duration:60]").name
    got = client.get_operation(finished)
    assert got.done and got.error.code == 3
    info = error_details_pb2.ErrorInfo()
    assert got.error.details[0].Unpack(info) and info.reason == "SAFETY_BLOCKED"
    assert not client.get_operation(running).done
    client.cancel_operation(running)
    assert client.get_operation(running).error.code == 1
    client.delete_operation(running)
    with pytest.raises(exceptions.NotFound, match=running):
        client.get_operation(running)


def test_list_pages_and_filters(server: LocalServer, client: Any, genai: Any) -> None:
    names = [video(genai, model="veo-apicore").name for _ in range(DEFAULT_PAGE_SIZE + 20)]
    slow = video(genai, "[duration:60]", model="veo-apicore").name
    pages = client.list_operations("models/veo-apicore", "").pages
    assert [len(list(page)) for page in pages] == [DEFAULT_PAGE_SIZE, 21]
    assert [op.name for op in client.list_operations("models/veo-apicore", "")] == [*names, slow]
    assert [op.name for op in client.list_operations("models/veo-apicore", "done=false")] == [slow]
    with pytest.raises(exceptions.InvalidArgument, match="filter"):
        list(client.list_operations("models/veo-apicore", "done=maybe"))
