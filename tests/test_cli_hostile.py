"""The CLI against a hostile server: what it sends must not drive the terminal, leak the
caller's key, or make `--force` write through a link. Real processes, a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import struct_pb2

from genai_grpc._generated.google.longrunning import operations_pb2
from genai_grpc.cli import _human
from genai_grpc.types import Operation, OperationError
from tests.scripted import ScriptedServer
from tests.test_cli import VIDEO, VIDEO_BYTES, cli, environment, put_video

EVIL = "key\x1b[2J\x1b[31mPWNED\x1b[0m\r\x07\u202e"
CONTROL = ("\x1b", "\r", "\x07", "\u202e")


def _struct(value: dict[str, object]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def _hostile() -> dict[str, object]:
    """Control characters in keys and values, at the top and deeper down."""
    return {EVIL: EVIL, "a": {EVIL: [EVIL, {EVIL: 1}]}, "list": [{EVIL: EVIL}]}


def _assert_clean(text: str) -> None:
    for char in CONTROL:
        assert char not in text, repr(text)


def test_summary_escapes_keys_and_values_at_any_depth() -> None:
    op = Operation(
        name="o",
        done=True,
        response=_hostile(),
        metadata=_hostile(),
        error=OperationError(code=2, message="m", details=({"@type": EVIL, EVIL: _hostile()},)),
    )
    lines = _human.summary(op, 0.0)
    for line in lines:
        _assert_clean(line)
    assert any("key\\x1b[2J" in line for line in lines)
    _assert_clean(_human.table_row(Operation(name=EVIL, metadata=_hostile()), 0.0))


def test_render_escapes_lines_built_anywhere() -> None:
    """The boundary the shell prints through: a line some other module built raw still
    reaches the terminal escaped, and escaping twice changes nothing."""
    text = _human.render(["response  " + EVIL, "x\ny"])
    _assert_clean(text)
    assert text.split("\n") == ["response  key\\x1b[2J\\x1b[31mPWNED\\x1b[0m\\r\\x07\\u202e", "x\\ny"]
    assert _human.render(text.split("\n")) == text


@pytest.mark.parametrize("command", ["get", "wait"])
def test_get_and_wait_print_no_control_characters(scripted: ScriptedServer, command: str) -> None:
    op = operations_pb2.Operation(name="operations/evil", done=True)
    op.response.Pack(_struct(_hostile()))
    op.metadata.Pack(_struct(_hostile()))
    scripted.put(op)
    out = cli(command, "operations/evil", env=environment(GENAI_GRPC_EMULATOR_HOST=scripted.address))
    assert out.returncode == 0, out.stderr
    _assert_clean(out.stdout + out.stderr)
    assert "PWNED" in out.stdout and "key\\x1b[2J" in out.stdout


@pytest.mark.parametrize("target_exists", [True, False])
def test_force_replaces_a_symlink_and_never_writes_through_it(
    scripted: ScriptedServer, tmp_path: Path, target_exists: bool
) -> None:
    put_video(scripted)
    victim = tmp_path / "victim"
    if target_exists:
        victim.write_bytes(b"precious")
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "video_0.mp4").symlink_to(victim)
    env = environment(GENAI_GRPC_EMULATOR_HOST=scripted.address)
    refused = cli("get", VIDEO, "--output-dir", str(out_dir), env=env)
    assert refused.returncode == 2 and "exists" in refused.stderr
    out = cli("get", VIDEO, "--output-dir", str(out_dir), "--force", env=env)
    assert out.returncode == 0, out.stderr
    saved = out_dir / "video_0.mp4"
    assert not saved.is_symlink() and saved.read_bytes() == VIDEO_BYTES
    # Before: the video was written into the link's target.
    assert (victim.read_bytes() if victim.exists() else None) == (b"precious" if target_exists else None)
