"""Building Operation messages from stored rows (no server)."""

from __future__ import annotations

from genai_grpc._generated.genai_grpc.v1 import service_pb2

from genai_grpc.server._build import IMPORT, VIDEOS, RunningOperation, build
from genai_grpc.server._progress import Timing, progress
from genai_grpc.server._store import Record


def test_running_fast_path_matches_a_full_build() -> None:
    request = service_pb2.GenerateVideosRequest(model="veo", prompt="cat").SerializeToString()
    record = Record(1, "models/veo/operations/x", VIDEOS, request, 5, 0, Timing(10**18, 10**10))
    running = RunningOperation(record)
    for now in (10**18, 10**18 + 1, 10**18 + 3_300_000_001, 10**18 + 10**10 - 1):
        assert (
            running.serialize(progress(record.timing, now))
            == build(record, now).SerializeToString()
        )


def test_running_fast_path_with_long_names() -> None:
    # Names and payloads over 127 bytes need multi-byte length varints.
    request = service_pb2.ImportFileRequest(
        file_search_store_name="fileSearchStores/" + "s" * 300, source={"gcs_uri": "gs://x"}
    ).SerializeToString()
    name = "fileSearchStores/" + "s" * 300 + "/operations/1"
    record = Record(1, name, IMPORT, request, 5, 0, Timing(10**18, 10**10))
    now = 10**18 + 5 * 10**9
    expected = build(record, now).SerializeToString()
    assert RunningOperation(record).serialize(progress(record.timing, now)) == expected
