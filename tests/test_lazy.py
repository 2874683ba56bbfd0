"""Snapshots decode their payloads on first read: the results must be what an eager decode
gives, whatever is read first and however it is read (==, repr, to_dict, pickle), and a
malformed payload must never fail get() itself.

The eager reference below is to_operation as it was before decoding became lazy: every
payload decoded up front, the snapshot built by its constructor.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
import threading
from typing import Any

import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from hypothesis import assume, given
from hypothesis import strategies as st

from genai_grpc import _convert, _kinds, _payloads, types
from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from tests.conftest import Side
from tests.scripted import ScriptedServer
from tests.test_fuzz import FUZZ, operation_classes, operations

PAYLOAD_FIELDS = ("error", "response", "metadata", "raw_response", "raw_metadata")


def eager(pb: operations_pb2.Operation, cls: type[types.Operation] | None = None) -> types.Operation:
    which = pb.WhichOneof("result")
    type_url = pb.response.type_url if which == "response" else ""
    if cls is None:
        cls = _kinds.class_for(pb.name, _payloads.type_name(type_url) if type_url else "", pb.done)
    response = raw_response = metadata = raw_metadata = None
    if which == "response":
        response, raw_response = _convert._response(cls, type_url, pb.response.value)
    if pb.HasField("metadata"):
        url = pb.metadata.type_url
        metadata, raw_metadata = _convert._decode(
            _convert._METADATA.get(_payloads.type_name(url)), url, pb.metadata.value
        )
    error = _convert.operation_error(pb.error) if which == "error" else None
    return cls(name=pb.name, done=pb.done, error=error, response=response, metadata=metadata,
               raw_response=raw_response, raw_metadata=raw_metadata)  # fmt: skip


def to_dict_or_error(op: types.Operation) -> Any:
    try:
        return op.to_dict()
    except (TypeError, ValueError) as exc:
        return type(exc)


@FUZZ
@given(operations(), operation_classes, st.permutations(PAYLOAD_FIELDS))
def test_lazy_snapshots_equal_eager_ones_however_they_are_read(
    pb: operations_pb2.Operation, cls: type[types.Operation] | None, order: list[str]
) -> None:
    reference = eager(pb, cls)
    assume(reference == eager(pb, cls))  # a NaN in a payload is unequal to itself

    def lazy() -> types.Operation:  # a fresh, unread snapshot each time
        return _convert.to_operation(pb, cls)

    assert type(lazy()) is type(reference)
    assert lazy() == reference and reference == lazy()
    assert repr(lazy()) == repr(reference)
    assert to_dict_or_error(lazy()) == to_dict_or_error(reference)
    assert pickle.loads(pickle.dumps(lazy())) == reference
    assert copy.copy(lazy()) == reference and copy.deepcopy(lazy()) == reference
    assert dataclasses.replace(lazy()) == reference
    one = lazy()
    for field in order:  # any order of first reads gives the same values
        assert getattr(one, field) == getattr(reference, field)
    assert one == reference


def test_reading_name_and_done_decodes_nothing() -> None:
    op = operations_pb2.Operation(name="models/veo/operations/1", done=True)
    op.metadata.Pack(struct_pb2.Struct(fields={"state": struct_pb2.Value(string_value="DONE")}))
    op.response.Pack(types_pb2.GenerateVideosResponse(rai_media_filtered_count=1))
    snapshot = _convert.to_operation(op)
    assert (snapshot.name, snapshot.done) == ("models/veo/operations/1", True)
    assert all(name not in _slots(snapshot) for name in PAYLOAD_FIELDS)
    assert snapshot.metadata == {"state": "DONE"}
    assert "metadata" in _slots(snapshot) and "response" not in _slots(snapshot)
    assert snapshot.response == types.GenerateVideosResponse(rai_media_filtered_count=1)
    assert object.__getattribute__(snapshot, "_pending") is not None  # `error` is still to read
    assert snapshot.error is None
    assert object.__getattribute__(snapshot, "_pending") is None  # every group in: the answer is let go


def _slots(op: types.Operation) -> set[str]:
    out = set()
    for name in PAYLOAD_FIELDS:
        try:
            object.__getattribute__(op, name)
        except AttributeError:
            continue
        out.add(name)
    return out


def test_lazy_snapshots_stay_immutable_and_keep_their_attribute_errors() -> None:
    snapshot = _convert.to_operation(operations_pb2.Operation(name="operations/1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.metadata = {}  # type: ignore[misc]
    with pytest.raises(AttributeError, match="no attribute 'metdata'"):
        snapshot.metdata  # type: ignore[attr-defined]  # noqa: B018
    assert snapshot.metadata is None and snapshot.error is None
    made = types.Operation(name="operations/1")
    with pytest.raises(AttributeError, match="no attribute 'metdata'"):
        made.metdata  # type: ignore[attr-defined]  # noqa: B018


def test_threads_reading_at_once_see_equal_values() -> None:
    op = operations_pb2.Operation(name="operations/1")
    op.metadata.Pack(struct_pb2.Struct(fields={"n": struct_pb2.Value(number_value=3)}))
    for _ in range(20):
        snapshot = _convert.to_operation(op)
        seen: list[Any] = []

        def read(snapshot: types.Operation = snapshot, seen: list[Any] = seen) -> None:
            seen.append(snapshot.metadata)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert seen == [{"n": 3.0}] * 4


def put_malformed(server: ScriptedServer) -> None:
    broken = b"\x0a\xff\xff\xff\xff\x0f"  # a length far past the end
    running = operations_pb2.Operation(name="models/veo/operations/running")
    running.metadata.type_url, running.metadata.value = "type.googleapis.com/google.protobuf.Struct", broken
    server.put(running)
    done = operations_pb2.Operation(name="models/veo/operations/done", done=True)
    done.response.type_url = "type.googleapis.com/genai_grpc.v1.GenerateVideosResponse"
    done.response.value = broken
    server.put(done)
    failed = operations_pb2.Operation(name="models/veo/operations/failed", done=True)
    failed.error.code, failed.error.message = 3, "bad"
    failed.error.details.add().Pack(error_details_pb2.ErrorInfo(reason="R"))
    detail = failed.error.details.add()
    detail.type_url, detail.value = "type.googleapis.com/google.rpc.BadRequest", broken
    server.put(failed)


def test_malformed_payloads_never_fail_get_and_stay_raw_where_read(scripted: ScriptedServer, ops: Side) -> None:
    put_malformed(scripted)
    running = ops.get("models/veo/operations/running")
    done = ops.get("models/veo/operations/done")
    failed = ops.get("models/veo/operations/failed")
    assert not running.done and done.done and failed.done  # get() returned; nothing read yet
    assert running.metadata is None and running.raw_metadata is not None
    assert running.raw_metadata.value == b"\x0a\xff\xff\xff\xff\x0f"
    assert done.response is None and done.raw_response is not None
    assert done.raw_response.type_url.endswith("GenerateVideosResponse")
    assert failed.error is not None and failed.error.details[0]["reason"] == "R"
    assert set(failed.error.details[1]) == {"@type", "value"}  # kept as base64
    for op in (running, done, failed):
        assert types.Operation.from_dict(op.to_dict()) == op


segments = st.sampled_from(
    ["models", "veo-3", "operations", "fileSearchStores", "s", "upload", "poems", "", "a\nb", " "]
)


@FUZZ
@given(st.one_of(st.lists(segments, max_size=7).map("/".join), st.text(max_size=30)))
def test_class_by_collection_is_class_by_full_name(name: str) -> None:
    assert _kinds.class_for(name) is _kinds._by_name(name)
    assert _kinds.class_for(name) is _kinds._by_name(name)  # again, from the collection cache
