"""The CLI as people run it: `python -m genai_grpc ...` in a real process against a real server
on 127.0.0.1, checking stdout, stderr and the exit code."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from genai_grpc._generated.genai_grpc.v1 import types_pb2
from genai_grpc._generated.google.longrunning import operations_pb2
from tests.scripted import ScriptedServer

ROOT = Path(__file__).resolve().parent.parent
CONFIG_VARS = (
    "GENAI_GRPC_EMULATOR_HOST", "GOOGLE_API_KEY", "GEMINI_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI",
    "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_LOCATION", "COLUMNS",
)  # fmt: skip
VIDEO = "models/veo-2.0-generate-001/operations/v1"
VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 100_000


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    env.update(extra)
    return env


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion; bounded by `timeout`."""
    return subprocess.run(
        [sys.executable, "-m", "genai_grpc", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        env=env if env is not None else environment(),
        cwd=ROOT,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert out.returncode == code, (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("genai-grpc: error: "), out.stderr
    assert "Traceback" not in out.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def env(scripted: ScriptedServer) -> dict[str, str]:
    return environment(GENAI_GRPC_EMULATOR_HOST=scripted.address)


def put_video(server: ScriptedServer, name: str = VIDEO) -> None:
    op = operations_pb2.Operation(name=name, done=True)
    op.response.Pack(
        types_pb2.GenerateVideosResponse(
            generated_videos=[
                types_pb2.GeneratedVideo(
                    video=types_pb2.Video(data=VIDEO_BYTES, mime_type="video/mp4"), generation_seed=3
                ),
                types_pb2.GeneratedVideo(video=types_pb2.Video(uri="gs://b/v.mp4", mime_type="video/mp4")),
            ],
            rai_media_filtered_count=1,
            rai_media_filtered_reasons=["unsafe"],
        )
    )
    metadata = types_pb2.OperationMetadata(progress_percent=100, verb="generateVideos")
    metadata.create_time.FromSeconds(int(time.time()) - 90)
    op.metadata.Pack(metadata)
    server.put(op)


def put_failed(server: ScriptedServer, name: str = "operations/failed") -> None:
    op = operations_pb2.Operation(name=name, done=True)
    op.error.code, op.error.message = 8, "quota exhausted"
    op.error.details.add().Pack(error_details_pb2.ErrorInfo(reason="RATE_LIMIT_EXCEEDED", domain="g.com"))
    server.put(op)


# -- get -------------------------------------------------------------------------------------


def test_get_prints_a_readable_summary(scripted: ScriptedServer, env: dict[str, str]) -> None:
    put_video(scripted)
    out = cli("get", VIDEO, env=env)
    assert out.returncode == 0 and out.stderr == ""
    assert "state     SUCCEEDED" in out.stdout and "progress  100%" in out.stdout
    assert "age       1m3" in out.stdout  # 90 s, give or take a slow start
    assert "97.7 KiB inline, seed 3" in out.stdout and "gs://b/v.mp4" in out.stdout
    assert "filtered  1 by safety filters: unsafe" in out.stdout
    assert "ftyp" not in out.stdout and len(out.stdout) < 1000


def test_get_json_is_one_document_without_bytes(scripted: ScriptedServer, env: dict[str, str]) -> None:
    put_video(scripted)
    out = cli("get", VIDEO, "--json", env=env)
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 1
    doc = json.loads(out.stdout)
    assert (doc["name"], doc["kind"], doc["done"], doc["state"]) == (
        VIDEO,
        "GenerateVideosOperation",
        True,
        "SUCCEEDED",
    )
    assert doc["response"]["generatedVideos"][0]["video"] == {"dataSize": len(VIDEO_BYTES), "mimeType": "video/mp4"}
    assert doc["metadata"]["progressPercent"] == 100
    with_bytes = json.loads(cli("get", VIDEO, "--json", "--include-bytes", env=env).stdout)
    assert with_bytes["response"]["generatedVideos"][0]["video"]["data"].startswith("AAAAGGZ0eXBtcDQy")


def test_get_failed_operation_exits_1_with_the_error(scripted: ScriptedServer, env: dict[str, str]) -> None:
    put_failed(scripted)
    out = cli("get", "operations/failed", env=env)
    assert out.returncode == 1 and out.stderr == ""
    assert "error     8 RESOURCE_EXHAUSTED: quota exhausted" in out.stdout
    assert "reasons   RATE_LIMIT_EXCEEDED" in out.stdout
    doc = json.loads(cli("get", "operations/failed", "--json", env=env).stdout)
    assert doc["state"] == "FAILED" and doc["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert doc["error"]["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"


def test_get_running_operation_exits_0(scripted: ScriptedServer, env: dict[str, str]) -> None:
    op = operations_pb2.Operation(name="operations/r")
    op.metadata.Pack(types_pb2.OperationMetadata(progress_percent=45))
    scripted.put(op)
    out = cli("get", "operations/r", env=env)
    assert out.returncode == 0 and "state     RUNNING" in out.stdout and "progress  45%" in out.stdout


def test_not_found_exits_3(env: dict[str, str]) -> None:
    assert_one_line_error(cli("get", "operations/missing", env=env), 3, "404 NOT_FOUND", "operations/missing")


@pytest.mark.parametrize("code,exit_code", [
    (grpc.StatusCode.PERMISSION_DENIED, 2),
    (grpc.StatusCode.INVALID_ARGUMENT, 2),
    (grpc.StatusCode.DEADLINE_EXCEEDED, 4),
    (grpc.StatusCode.UNAVAILABLE, 5),
    (grpc.StatusCode.INTERNAL, 5),
])  # fmt: skip
def test_failed_calls_map_to_exit_codes(
    scripted: ScriptedServer, env: dict[str, str], code: grpc.StatusCode, exit_code: int
) -> None:
    status = status_pb2.Status(code=code.value[0], message="nope")
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="WHY", domain="g.com"))
    scripted.fail_next(code, "nope", status)
    assert_one_line_error(cli("get", "operations/x", env=env), exit_code, code.name, "nope", "reasons: WHY")


def test_api_keys_never_reach_the_output(scripted: ScriptedServer) -> None:
    key = "AIzaSy-not-a-real-key-0123456789"
    scripted.fail_next(grpc.StatusCode.UNAUTHENTICATED, f"API key {key} not valid")
    env = environment(GENAI_GRPC_EMULATOR_HOST=scripted.address, GOOGLE_API_KEY=key)
    out = cli("get", "operations/x", env=env)
    assert_one_line_error(out, 2, "UNAUTHENTICATED", "API key *** not valid")
    assert key not in out.stdout + out.stderr


@pytest.mark.parametrize("command", ["get", "wait"])
def test_unreachable_server_exits_5_at_once(command: str) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    out = cli(command, "operations/x", "--endpoint", f"127.0.0.1:{port}", "--timeout", "20")
    assert_one_line_error(out, 5, "503 UNAVAILABLE")
    assert time.monotonic() - started < 10  # not retried until the timeout


@pytest.mark.parametrize("command,message", [("get", "504 DEADLINE_EXCEEDED"), ("wait", "timed out after 0.5s")])
def test_timeout_of_a_silent_server_exits_4(command: str, message: str) -> None:
    with socket.socket() as s:  # accepts connections, never answers
        s.bind(("127.0.0.1", 0))
        s.listen()
        out = cli(command, "operations/x", "--endpoint", f"127.0.0.1:{s.getsockname()[1]}", "--timeout", "0.5")
    assert_one_line_error(out, 4, message)


def test_ctrl_c_exits_130_without_a_traceback() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        env = environment(GENAI_GRPC_EMULATOR_HOST=f"127.0.0.1:{s.getsockname()[1]}")
        child = subprocess.Popen(
            [sys.executable, "-m", "genai_grpc", "get", "operations/x", "--timeout", "30"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_for_connection(s)
            child.send_signal(signal.SIGINT)
            _, err = child.communicate(timeout=15)
        finally:
            child.kill()
            child.wait(timeout=5)
    assert child.returncode == 130 and err == "genai-grpc: error: interrupted\n"


def _wait_for_connection(listener: socket.socket) -> None:
    listener.settimeout(15)
    conn, _ = listener.accept()
    conn.close()


# -- configuration and usage -----------------------------------------------------------------


def test_no_server_configured_exits_2_and_says_what_to_set() -> None:
    assert_one_line_error(cli("get", "operations/x"), 2, "GENAI_GRPC_EMULATOR_HOST")


def test_configuration_errors_name_flags_not_python_arguments() -> None:
    assert_one_line_error(cli("get", "operations/x", "--project", "p"), 2, "pass --vertexai")
    out = cli("get", "operations/x")
    assert "--endpoint HOST:PORT" in out.stderr and "api_key=" not in out.stderr


def test_missing_google_credentials_exit_2(tmp_path: Path) -> None:
    env = environment(
        GOOGLE_APPLICATION_CREDENTIALS=str(tmp_path / "none.json"),
        HOME=str(tmp_path),
        CLOUDSDK_CONFIG=str(tmp_path),
        GCE_METADATA_HOST="127.0.0.1:1",
        GCE_METADATA_IP="127.0.0.1:1",
    )
    out = cli(
        "get",
        "projects/p/locations/us-central1/operations/1",
        "--vertexai",
        "--project",
        "p",
        "--location",
        "us-central1",
        "--timeout",
        "10",
        env=env,
    )
    assert_one_line_error(out, 2, "Google credentials")


@pytest.mark.parametrize("args", [["get", "x", "--endpoint", "nohost"], ["get", " x"]])
def test_bad_configuration_or_name_exits_2(env: dict[str, str], args: list[str]) -> None:
    assert_one_line_error(cli(*args, env=env), 2)


@pytest.mark.parametrize("args", [[], ["nope"], ["get"], ["get", "x", "--timeout", "-1"], ["list", "--limit", "0"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    out = cli(*args)
    assert out.returncode == 2 and "usage: genai-grpc" in out.stderr and "Traceback" not in out.stderr


def test_help_documents_environment_exit_codes_and_examples() -> None:
    top = cli("--help")
    assert top.returncode == 0
    for text in ("GENAI_GRPC_EMULATOR_HOST", "GOOGLE_API_KEY", "no --api-key flag", "130", "get", "serve"):
        assert text in top.stdout
    for command in ("get", "wait", "list", "cancel", "delete"):
        out = cli(command, "--help")
        assert out.returncode == 0 and f"genai-grpc {command}" in out.stdout and "exit codes:" in out.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "genai-grpc"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30, check=False)
    assert out.returncode == 0 and out.stdout.startswith("genai-grpc ")


# -- --output-dir ----------------------------------------------------------------------------


def test_output_dir_saves_videos_and_refuses_to_overwrite(
    scripted: ScriptedServer, env: dict[str, str], tmp_path: Path
) -> None:
    put_video(scripted)
    out_dir = tmp_path / "out"
    out = cli("get", VIDEO, "--output-dir", str(out_dir), env=env)
    assert out.returncode == 0
    assert (out_dir / "video_0.mp4").read_bytes() == VIDEO_BYTES
    assert f"saved     {out_dir / 'video_0.mp4'}" in out.stdout
    assert "video_1.mp4 not saved: gs://b/v.mp4 is read through Cloud Storage with Google credentials" in out.stderr
    again = cli("get", VIDEO, "--output-dir", str(out_dir), env=env)
    assert again.returncode == 2 and "exists; pass --force" in again.stderr and again.stdout == ""
    (out_dir / "video_0.mp4").write_bytes(b"old")
    forced = cli("get", VIDEO, "--output-dir", str(out_dir), "--force", "--json", env=env)
    assert forced.returncode == 0 and json.loads(forced.stdout)["files"] == [str(out_dir / "video_0.mp4")]
    assert (out_dir / "video_0.mp4").read_bytes() == VIDEO_BYTES


def test_output_dir_that_cannot_be_written_exits_2(
    scripted: ScriptedServer, env: dict[str, str], tmp_path: Path
) -> None:
    put_video(scripted)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert_one_line_error(cli("get", VIDEO, "--output-dir", str(blocker / "sub"), env=env), 2)
