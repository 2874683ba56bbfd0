"""The registry of operation kinds (genai_grpc._kinds): one entry is all a kind needs.

A made-up fourth kind (tests/poem_kind.py: its classes, proto, JSON shape, summary and one
registry entry) gets typed `get`, `to_dict`/`from_dict` and a CLI summary, through a real
server and a real CLI process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import json_format, struct_pb2

from genai_grpc import Client, _kinds, types
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.cli import _human
from tests import poem_kind
from tests.poem_kind import PoemOperation, PoemResponse
from tests.scripted import ScriptedServer

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def poems() -> Iterator[None]:
    poem_kind.register()
    try:
        yield
    finally:
        _kinds.unregister(poem_kind.KIND)


def wire_poem(name: str = poem_kind.NAME) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=name, done=True)
    op.response.Pack(poem_kind.PoemMessage(text="an old pond / a frog / splash", lines=3))
    op.metadata.Pack(poem_kind.PoemMetadataMessage(lines_done=3))
    return op


def json_poem(name: str) -> operations_pb2.Operation:
    op = operations_pb2.Operation(name=name, done=True)
    op.response.Pack(json_format.ParseDict({"poem": "line one / line two"}, struct_pb2.Struct()))
    return op


def test_a_fourth_kind_gets_typed_snapshots_from_a_real_server(poems: None, scripted: ScriptedServer) -> None:
    scripted.put(wire_poem())  # its proto, by name
    scripted.put(wire_poem("operations/anonymous"))  # its proto, any name
    scripted.put(json_poem("poems/free/operations/2"))  # its JSON shape, by name
    with Client(endpoint=scripted.address) as client:
        by_name, by_type, by_shape = (
            client.operations.get(n) for n in (poem_kind.NAME, "operations/anonymous", "poems/free/operations/2")
        )
        assert client.operations.get(PoemOperation(name=poem_kind.NAME)) == by_name
    assert type(by_name) is PoemOperation and type(by_type) is PoemOperation and type(by_shape) is PoemOperation
    assert by_name.response == PoemResponse(text="an old pond / a frog / splash", lines=3)
    assert by_shape.response == PoemResponse(text="line one / line two", lines=2)
    assert by_name.raw_response is None and by_shape.raw_response is None
    assert by_name.metadata == {"@type": "type.googleapis.com/acme.v1.PoemMetadata", "linesDone": 3}


def test_a_fourth_kind_round_trips_through_to_dict(poems: None) -> None:
    op = PoemOperation(name=poem_kind.NAME, done=True, response=PoemResponse(text="t", lines=1))
    stored = json.loads(json.dumps(op.to_dict()))
    assert stored["kind"] == "PoemOperation" and stored["response"]["kind"] == "PoemResponse"
    assert types.Operation.from_dict(stored) == op and PoemOperation.from_dict(stored) == op
    with pytest.raises(ValueError, match="PoemOperation, not a GenerateVideosOperation"):
        types.GenerateVideosOperation.from_dict(stored)


def test_a_fourth_kind_is_summarised_by_the_cli(poems: None) -> None:
    op = PoemOperation(name=poem_kind.NAME, done=True, response=PoemResponse(text="a\x1b[2Jb", lines=1))
    lines = _human.summary(op, time.time())
    assert "kind      PoemOperation" in lines and "poem      a\\x1b[2Jb" in lines and "lines     1" in lines
    assert " poem " in _human.table_row(op, time.time())


def test_a_fourth_kind_in_a_real_cli_process(scripted: ScriptedServer) -> None:
    scripted.put(wire_poem())
    code = "import sys; from tests import poem_kind; poem_kind.register(); from genai_grpc.cli import main; sys.exit(main())"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE", "GEMINI", "GENAI_GRPC"))}
    env["GENAI_GRPC_EMULATOR_HOST"] = scripted.address
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
        for args in (["get", poem_kind.NAME], ["get", poem_kind.NAME, "--json"])
    ]
    human, machine = runs
    assert human.returncode == 0 and machine.returncode == 0, (human.stderr, machine.stderr)
    assert "kind      PoemOperation" in human.stdout and "poem      an old pond / a frog / splash" in human.stdout
    doc = json.loads(machine.stdout)
    assert doc["kind"] == "PoemOperation" and doc["response"] == {"text": "an old pond / a frog / splash", "lines": 3}


def test_without_its_entry_the_kind_is_unknown() -> None:
    pb = wire_poem()
    from genai_grpc import _convert

    op = _convert.to_operation(pb)
    assert type(op) is types.Operation and op.raw_response is not None  # kept, byte for byte
    assert op.raw_metadata is not None
    stored = PoemOperation(name=poem_kind.NAME).to_dict()
    with pytest.raises(ValueError, match="unknown operation kind 'PoemOperation'"):
        types.Operation.from_dict(stored)


@pytest.mark.parametrize("change", [
    {"tag": "GenerateVideosOperation"}, {"tag": "Operation"}, {"operation": types.ImportFileOperation},
    {"wire": {"genai_grpc.v1.GenerateVideosResponse": poem_kind.decode}}, {"response": types.ImportFileResponse},
    {"metadata": {"google.ai.generativelanguage.v1beta.PredictLongRunningMetadata": poem_kind.decode_metadata}},
])  # fmt: skip
def test_a_kind_may_not_take_another_kinds_tag_class_or_message(change: dict[str, object]) -> None:
    import dataclasses

    before = _kinds.kinds()
    with pytest.raises(ValueError, match="clashes"):
        _kinds.register(dataclasses.replace(poem_kind.KIND, **change))  # type: ignore[arg-type]
    assert _kinds.kinds() == before


def test_googles_video_messages_are_the_video_kinds() -> None:
    videos = _kinds.of_class(types.GenerateVideosOperation)
    assert videos is not None and set(videos.wire) == {
        "genai_grpc.v1.GenerateVideosResponse",
        "google.ai.generativelanguage.v1beta.PredictLongRunningResponse",
        "google.cloud.aiplatform.v1.GenerateVideoResponse",
    }
    assert set(videos.metadata) == {"google.ai.generativelanguage.v1beta.PredictLongRunningMetadata"}
    assert (
        _kinds.class_for("operations/x", "google.cloud.aiplatform.v1.GenerateVideoResponse")
        is types.GenerateVideosOperation
    )


def test_the_library_kinds_answer_as_before() -> None:
    assert [k.tag for k in _kinds.kinds()] == [
        "GenerateVideosOperation",
        "ImportFileOperation",
        "UploadToFileSearchStoreOperation",
    ]
    assert types.GenerateVideosOperation.response_type == "genai_grpc.v1.GenerateVideosResponse"
    assert types.UploadToFileSearchStoreOperation.response_type == "genai_grpc.v1.UploadToFileSearchStoreResponse"
    assert types.Operation.response_type is None


def test_the_registry_and_from_dict_do_not_import_protobuf() -> None:
    # The CLI imports the registry at startup, before it needs grpc or protobuf.
    code = (
        "import sys; from genai_grpc import _kinds, types; types.Operation.from_dict("
        "types.GenerateVideosOperation(name='models/m/operations/1').to_dict()); "
        "print(sorted(m for m in sys.modules if m.startswith(('google.protobuf', 'grpc'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
