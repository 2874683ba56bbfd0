"""google.longrunning.Operations over a real in-process server."""

from __future__ import annotations

import time
from typing import Any

import grpc

from genai_grpc._generated.genai_grpc.v1 import service_pb2, types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2 as pb
from genai_grpc.server import LocalServer

from .conftest import get, rpc_error, video

LONG = "a slow cat [duration:30]"


def metadata(op: Any) -> Any:
    meta = types_pb2.OperationMetadata()
    assert op.metadata.Unpack(meta)
    return meta


def test_get_running_then_done(ops: Any, stores: Any) -> None:
    request = service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/s", source={"file_name": "a [duration:0.3]"}
    )
    running = stores.ImportFile(request)
    assert not running.done and running.name.startswith("fileSearchStores/s/operations/")
    meta = metadata(get(ops, running.name))
    assert 0 <= meta.progress_percent < 100
    assert (meta.verb, meta.target) == ("importFile", "fileSearchStores/s")
    time.sleep(0.35)
    done = get(ops, running.name)
    assert done.done and done.HasField("response") and metadata(done).progress_percent == 100
    assert metadata(done).update_time.ToNanoseconds() >= meta.create_time.ToNanoseconds()


def test_get_errors_name_the_problem(ops: Any) -> None:
    empty = rpc_error(get, ops, "")
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT and "name is empty" in empty.details()
    missing = rpc_error(get, ops, "operations/nope")
    assert missing.code() == grpc.StatusCode.NOT_FOUND and "operations/nope" in missing.details()


def test_video_operations_carry_the_gemini_apis_empty_metadata(ops: Any, genai: Any) -> None:
    running = get(ops, video(genai, "a cat [duration:30]").name)
    assert not running.done and running.name.startswith("models/veo-2.0/operations/")
    assert running.metadata.type_url.endswith("/google.ai.generativelanguage.v1beta.PredictLongRunningMetadata")
    assert running.metadata.value == b""


def test_cancel_running_ends_cancelled(ops: Any, genai: Any, stores: Any) -> None:
    op = video(genai, LONG)
    ops.CancelOperation(pb.CancelOperationRequest(name=op.name))
    after = get(ops, op.name)
    assert after.done and after.error.code == grpc.StatusCode.CANCELLED.value[0]
    assert not after.HasField("response")
    request = service_pb2.ImportFileRequest(file_search_store_name="fileSearchStores/s", source={"file_name": LONG})
    imported = stores.ImportFile(request)
    ops.CancelOperation(pb.CancelOperationRequest(name=imported.name))
    assert metadata(get(ops, imported.name)).cancel_requested


def test_cancel_finished_changes_nothing(ops: Any, genai: Any) -> None:
    op = video(genai)
    before = get(ops, op.name)
    ops.CancelOperation(pb.CancelOperationRequest(name=op.name))
    assert get(ops, op.name) == before and before.HasField("response")


def test_cancel_and_delete_errors(ops: Any) -> None:
    for call, request in [
        (ops.CancelOperation, pb.CancelOperationRequest),
        (ops.DeleteOperation, pb.DeleteOperationRequest),
    ]:
        assert rpc_error(call, request(name="")).code() == grpc.StatusCode.INVALID_ARGUMENT
        assert rpc_error(call, request(name="x/operations/1")).code() == grpc.StatusCode.NOT_FOUND


def test_delete_then_get_not_found(ops: Any, genai: Any) -> None:
    for op in (video(genai), video(genai, LONG)):
        get(ops, op.name)  # cached once finished: deletion must drop it too
        ops.DeleteOperation(pb.DeleteOperationRequest(name=op.name))
        assert rpc_error(get, ops, op.name).code() == grpc.StatusCode.NOT_FOUND


def wait(ops: Any, name: str, timeout_s: float | None = None, **kwargs: Any) -> Any:
    request = pb.WaitOperationRequest(name=name)
    if timeout_s is not None:
        request.timeout.FromNanoseconds(int(timeout_s * 1e9))
    return ops.WaitOperation(request, **kwargs)


def test_wait_returns_when_done(ops: Any, genai: Any) -> None:
    op = video(genai, "a cat [duration:0.3]")
    started = time.monotonic()
    done = wait(ops, op.name, timeout_s=5)
    assert done.done and 0.2 < time.monotonic() - started < 2


def test_wait_returns_at_timeout_without_burning_cpu(ops: Any, genai: Any) -> None:
    op = video(genai, LONG)
    wall, cpu = time.monotonic(), time.process_time()  # the server runs in this process
    still = wait(ops, op.name, timeout_s=0.5)
    assert not still.done and 0.45 < time.monotonic() - wall < 2
    assert time.process_time() - cpu < 0.2


def test_wait_answers_before_the_callers_deadline(ops: Any, genai: Any) -> None:
    op = video(genai, LONG)
    assert not wait(ops, op.name, timeout=0.5).done  # no timeout field: the deadline bounds it


def test_wait_wakes_on_cancel(server: LocalServer, ops: Any, genai: Any) -> None:
    op = video(genai, LONG)
    future = ops.WaitOperation.future(pb.WaitOperationRequest(name=op.name))
    time.sleep(0.2)
    ops.CancelOperation(pb.CancelOperationRequest(name=op.name))
    assert future.result(timeout=2).error.code == grpc.StatusCode.CANCELLED.value[0]


def test_wait_errors(ops: Any, genai: Any) -> None:
    assert rpc_error(wait, ops, "").code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rpc_error(wait, ops, "operations/none").code() == grpc.StatusCode.NOT_FOUND
    request = pb.WaitOperationRequest(name=video(genai).name)
    request.timeout.seconds = -1
    error = rpc_error(ops.WaitOperation, request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "negative" in error.details()


def names(ops: Any, **request: Any) -> list[str]:
    return [op.name for op in ops.ListOperations(pb.ListOperationsRequest(**request)).operations]


def all_names(ops: Any, **request: Any) -> list[str]:
    """Every page: the package's server holds what earlier tests started (over 1000 after test_start)."""
    found, token = [], ""
    while True:
        page = ops.ListOperations(pb.ListOperationsRequest(page_size=1000, page_token=token, **request))
        found += [op.name for op in page.operations]
        token = page.next_page_token
        if not token:
            return found


def test_list_by_parent_and_done(ops: Any, stores: Any) -> None:
    store = "fileSearchStores/list-test"
    imported = stores.ImportFile(
        service_pb2.ImportFileRequest(file_search_store_name=store, source={"gcs_uri": "gs://b/doc.pdf"})
    )
    uploaded = stores.UploadToFileSearchStore(
        service_pb2.UploadToFileSearchStoreRequest(file_search_store_name=store, data=b"hi")
    )
    slow = stores.ImportFile(
        service_pb2.ImportFileRequest(file_search_store_name=store, source={"file_name": "x [duration:30]"})
    )
    stores.ImportFile(
        service_pb2.ImportFileRequest(file_search_store_name=store + "2", source={"gcs_uri": "gs://b/other"})
    )
    assert names(ops, name=store, page_size=1000) == [imported.name, uploaded.name, slow.name]
    assert names(ops, name=store, filter="done=true") == [imported.name, uploaded.name]
    assert names(ops, name=store, filter=" done = false ") == [slow.name]
    everything = all_names(ops, name="operations")
    assert set(everything) >= {imported.name, uploaded.name, slow.name}
    assert all_names(ops, name="") == everything


def test_list_errors(ops: Any) -> None:
    cases = [
        ({"filter": "name=x"}, "filter 'name=x'"),
        ({"page_size": -5}, "page_size -5"),
        ({"page_token": "garbage!"}, "page_token"),
        ({"name": "a//b"}, "empty path"),
    ]
    for request, words in cases:
        error = rpc_error(ops.ListOperations, pb.ListOperationsRequest(**request))
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and words in error.details()
    assert names(ops, name="models/none-such") == []  # the server is still serving


def test_wait_on_an_operation_deleted_meanwhile(ops: Any, genai: Any) -> None:
    op = video(genai, LONG)
    future = ops.WaitOperation.future(pb.WaitOperationRequest(name=op.name))
    time.sleep(0.2)
    ops.DeleteOperation(pb.DeleteOperationRequest(name=op.name))
    error = future.exception(timeout=2)
    assert error is not None and error.code() == grpc.StatusCode.NOT_FOUND
