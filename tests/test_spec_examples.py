"""The spec's four usage examples run as written (imports aside) against real servers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from google.rpc import error_details_pb2

from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.server import LocalServer
from tests.scripted import ScriptedServer

EXAMPLES = Path(__file__).parent / "spec_examples"
SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "operations.md"
IMPORTS = {
    "from google.genai import Client": "from genai_grpc import Client",
    "from google.genai.types import": "from genai_grpc.types import",
}


def run_example(name: str, address: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GENAI_GRPC_EMULATOR_HOST": address}
    for var in ("GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI"):
        env.pop(var, None)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py")], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_copies_match_the_spec() -> None:
    if not SPEC.exists():
        pytest.skip(f"no spec at {SPEC}")
    spec = SPEC.read_text()
    for path in EXAMPLES.glob("*.py"):
        if path.name == "__init__.py":
            continue
        text = path.read_text()
        for theirs, ours in IMPORTS.items():
            text = text.replace(ours, theirs)
        assert text.strip() in spec, f"{path.name} differs from the spec beyond its imports"


# The three against the local server use genai_grpc's own pytest plugin (genai_grpc.testing):
# a fresh server per test, as a user's suite would get it.
pytestmark = pytest.mark.genai_server(duration_s=0)


def test_video_generation(genai_server: LocalServer, tmp_path: Path) -> None:
    out = run_example("video_generation", genai_server.address, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Operation succeeded!" in out.stdout and "Saved video_0.mp4" in out.stdout
    assert (tmp_path / "video_0.mp4").read_bytes()[4:8] == b"ftyp"


def test_file_import(genai_server: LocalServer, tmp_path: Path) -> None:
    out = run_example("file_import", genai_server.address, tmp_path)
    assert out.returncode == 0, out.stderr
    assert re.search(r"Import operation: fileSearchStores/abc123/operations/\S+", out.stdout)
    assert "Import completed successfully" in out.stdout


def test_async_polling(genai_server: LocalServer, tmp_path: Path) -> None:
    out = run_example("async_polling", genai_server.address, tmp_path)
    assert out.returncode == 0, out.stderr
    assert re.search(r"Success! Generated [1-9]\d* video\(s\)", out.stdout)


def test_operation_metadata(tmp_path: Path) -> None:
    with ScriptedServer() as server:
        op = operations_pb2.Operation(name="operations/abc123", done=True)
        op.metadata.Pack(types_pb2.OperationMetadata(progress_percent=100))
        op.error.code, op.error.message = 3, "prompt blocked"
        op.error.details.add().Pack(error_details_pb2.ErrorInfo(reason="SAFETY_BLOCKED"))
        server.put(op)
        out = run_example("operation_metadata", server.address, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Operation: operations/abc123" in out.stdout
    assert "'progressPercent': 100" in out.stdout
    assert "Error code: 3" in out.stdout and "Error message: prompt blocked" in out.stdout
    assert "SAFETY_BLOCKED" in out.stdout
