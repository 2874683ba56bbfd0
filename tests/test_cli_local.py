"""wait, list, cancel, delete and serve as real processes against the bundled local server,
and wait's progress bar read back through a pseudo-terminal."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from genai_grpc import Client, server
from tests.test_cli import ROOT, assert_one_line_error, cli, environment


@pytest.fixture(scope="module")
def local() -> Iterator[Any]:
    with server.LocalServer(duration_s=0.0) as running:
        yield running


@pytest.fixture
def env(local: Any) -> dict[str, str]:
    return environment(GENAI_GRPC_EMULATOR_HOST=local.address)


def start(local: Any, prompt: str = "a cat", duration: float = 0.0, **config: Any) -> str:
    """Start a video generation on `local`; returns its name."""
    with Client(endpoint=local.address) as client:
        op = client.models.generate_videos(
            model="veo-2.0-generate-001",
            prompt=f"{prompt} [duration:{duration}]",
            config={"video_size_bytes": 20_000, **config},
        )
    return op.name


def start_import(local: Any, duration: float) -> str:
    """Start a file import on `local` (it reports progress; video operations, like the
    Gemini API's, carry empty metadata); returns its name."""
    with Client(endpoint=local.address) as client:
        source = {"file_name": f"files/doc [duration:{duration}]"}
        return client.file_search_stores.import_file(store="fileSearchStores/cli", source=source).name


# -- wait ------------------------------------------------------------------------------------


def test_wait_prints_only_the_result_when_stderr_is_not_a_terminal(local: Any, env: dict[str, str]) -> None:
    name = start_import(local, duration=1.0)
    out = cli("wait", name, "--timeout", "20", "--poll", "0.2", env=env)
    assert out.returncode == 0 and out.stderr == ""
    assert "state     SUCCEEDED" in out.stdout and "progress  100%" in out.stdout


def test_wait_json_and_output_dir(local: Any, env: dict[str, str], tmp_path: Path) -> None:
    name = start(local, number_of_videos=2)
    out = cli("wait", name, "--json", "--timeout", "20", "--output-dir", str(tmp_path), env=env)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["state"] == "SUCCEEDED" and doc["files"] == [str(tmp_path / f"video_{i}.mp4") for i in (0, 1)]
    assert [v["video"]["dataSize"] for v in doc["response"]["generatedVideos"]] == [20_000, 20_000]
    assert (tmp_path / "video_1.mp4").stat().st_size == 20_000


def test_wait_for_a_failed_operation_exits_1(local: Any, env: dict[str, str]) -> None:
    out = cli("wait", start(local, prompt="[fail:safety]"), "--timeout", "20", env=env)
    assert out.returncode == 1
    assert "error     3 INVALID_ARGUMENT" in out.stdout and "reasons   SAFETY_BLOCKED" in out.stdout


def test_wait_for_filtered_videos_says_so(local: Any, env: dict[str, str]) -> None:
    out = cli("wait", start(local, prompt="[filter:1]"), "--timeout", "20", env=env)
    assert out.returncode == 0 and "videos    none" in out.stdout and "filtered  1 by safety filters" in out.stdout


def test_wait_timeout_exits_4_with_the_last_snapshot(local: Any, env: dict[str, str]) -> None:
    name = start(local, duration=60)
    out = cli("wait", name, "--timeout", "0.5", "--json", env=env)
    assert_one_line_error(out, 4, "timed out after 0.5s", name)
    if out.stdout:  # the last snapshot, when the library kept one
        assert json.loads(out.stdout)["state"] == "RUNNING"


def test_wait_for_a_missing_operation_exits_3(env: dict[str, str]) -> None:
    assert_one_line_error(cli("wait", "operations/none", "--timeout", "5", env=env), 3, "NOT_FOUND")


def read_until_exit(child: subprocess.Popen[bytes], master: int, limit: float) -> bytes:
    """Everything the child draws on the terminal until it exits (bounded by `limit` seconds)."""
    drawn, deadline = b"", time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            drawn += chunk
        elif child.poll() is not None:
            break
    return drawn


def run_on_terminal(args: list[str], env: dict[str, str], limit: float = 20) -> tuple[int, str, bytes]:
    """Run the CLI with stderr on a pseudo-terminal; returns (exit code, stdout, what it drew)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # 24 rows, 100 columns
    child = subprocess.Popen(
        [sys.executable, "-m", "genai_grpc", *args], stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT
    )
    os.close(slave)
    try:
        drawn = read_until_exit(child, master, limit)
        stdout, _ = child.communicate(timeout=limit)
    finally:
        child.kill()
        child.wait(timeout=5)
        os.close(master)
    return child.returncode, stdout.decode(), drawn


def test_wait_draws_a_progress_bar_on_a_terminal(local: Any, env: dict[str, str]) -> None:
    name = start_import(local, duration=2.0)
    code, stdout, drawn = run_on_terminal(["wait", name, "--timeout", "20", "--poll", "0.2"], env)
    assert code == 0 and "state     SUCCEEDED" in stdout
    frames = [f for f in drawn.decode().split("\r\x1b[K") if f]
    assert len(frames) >= 2, drawn
    assert all(f.startswith("[") and name[-10:] in f for f in frames)
    percents = [int(f.split("]")[1].split("%")[0]) for f in frames]
    assert percents == sorted(percents) and 0 < max(percents) <= 100
    assert drawn.endswith(b"\r\x1b[K")  # the bar is erased: only the result stays


def test_ctrl_c_during_wait_exits_130_and_erases_the_bar(local: Any, env: dict[str, str]) -> None:
    master, slave = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "genai_grpc", "wait", start(local, duration=60)],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
        cwd=ROOT,
    )
    os.close(slave)
    try:
        drawn = b""
        while b"%" not in drawn:  # the bar is up: the wait is under way
            ready, _, _ = select.select([master], [], [], 10)
            assert ready, "no progress bar within 10 s"
            drawn += os.read(master, 65536)
        child.send_signal(signal.SIGINT)
        drawn += read_until_exit(child, master, 10)
        child.wait(timeout=10)
    finally:
        child.kill()
        child.wait(timeout=5)
        os.close(master)
    assert child.returncode == 130
    assert drawn.endswith(b"\r\x1b[Kgenai-grpc: error: interrupted\r\n")


# -- list ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed(local: Any) -> dict[str, str]:
    """Three operations under their own model, so other tests' operations stay out of the way."""
    with Client(endpoint=local.address) as client:
        names = {
            prompt: client.models.generate_videos(model="list-test", prompt=f"{prompt}{marker}").name
            for prompt, marker in (("ok", ""), ("failed", " [fail:internal]"), ("running", " [duration:60]"))
        }
    return names


def test_list_prints_a_table_one_operation_a_line(listed: dict[str, str], env: dict[str, str]) -> None:
    out = cli("list", "models/list-test", "--page-size", "1", env=env)
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split() == ["STATE", "PROG", "AGE", "KIND", "NAME"]
    by_name = {row.split()[4]: row for row in rows}
    assert set(by_name) == set(listed.values())
    assert by_name[listed["ok"]].startswith("SUCCEEDED")
    assert by_name[listed["failed"]].startswith("FAILED") and "INTERNAL" in by_name[listed["failed"]]
    assert by_name[listed["running"]].startswith("RUNNING")


def test_list_json_lines_filter_and_limit(listed: dict[str, str], env: dict[str, str]) -> None:
    out = cli("list", "models/list-test", "--json", env=env)
    docs = [json.loads(line) for line in out.stdout.splitlines()]
    assert out.returncode == 0 and {d["name"] for d in docs} == set(listed.values())
    running = cli("list", "models/list-test", "--filter", "done=false", "--json", env=env)
    assert [json.loads(line)["name"] for line in running.stdout.splitlines()] == [listed["running"]]
    limited = cli("list", "models/list-test", "--limit", "2", "--page-size", "1", env=env)
    assert len(limited.stdout.splitlines()) == 3  # header and two rows


def test_list_of_nothing_says_so(env: dict[str, str]) -> None:
    out = cli("list", "models/nothing-here", env=env)
    assert out.returncode == 0 and out.stderr == "genai-grpc: no operations\n"


def test_list_with_a_bad_filter_exits_2(env: dict[str, str]) -> None:
    assert_one_line_error(cli("list", "--filter", "name=x", env=env), 2, "INVALID_ARGUMENT")


# -- cancel, delete --------------------------------------------------------------------------


def test_cancel_then_get_shows_the_cancelled_operation(local: Any, env: dict[str, str]) -> None:
    name = start(local, duration=60)
    out = cli("cancel", name, env=env)
    assert out.returncode == 0 and out.stdout == f"cancellation requested: {name}\n"
    shown = cli("get", name, "--json", env=env)
    assert shown.returncode == 1 and json.loads(shown.stdout)["error"]["status"] == "CANCELLED"
    assert json.loads(cli("cancel", name, "--json", env=env).stdout) == {"name": name, "cancelled": True}


def test_delete_then_get_exits_3(local: Any, env: dict[str, str]) -> None:
    name = start(local)
    assert json.loads(cli("delete", name, "--json", env=env).stdout) == {"name": name, "deleted": True}
    assert_one_line_error(cli("get", name, env=env), 3, "NOT_FOUND")
    assert_one_line_error(cli("delete", name, env=env), 3, "NOT_FOUND")


# -- serve -----------------------------------------------------------------------------------


def test_serve_runs_the_local_server_until_interrupted() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "genai_grpc", "serve", "--port", "0", "--duration", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment(),
        cwd=ROOT,
    )
    try:
        ready, _, _ = select.select([child.stdout], [], [], 20)
        assert ready, "serve printed no address within 20 s"
        address = child.stdout.readline().strip()  # type: ignore[union-attr]
        env = environment(GENAI_GRPC_EMULATOR_HOST=address)
        assert_one_line_error(cli("get", "operations/none", env=env), 3, "NOT_FOUND")
        assert cli("list", env=env).returncode == 0
        child.send_signal(signal.SIGINT)
        assert child.wait(timeout=15) == 0
    finally:
        child.kill()
        child.wait(timeout=5)
        for stream in (child.stdout, child.stderr):
            stream.close()  # type: ignore[union-attr]


def test_serve_is_a_subcommand_like_the_others() -> None:
    out = cli("serve", "--help")
    assert out.returncode == 0 and out.stdout.startswith("usage: genai-grpc serve") and "--port" in out.stdout
    assert_one_line_error(cli("serve", "--fail-code", "NOPE"), 2, "NOPE")


# What dataclasses do while a module is imported lazily: run methods made by exec() of a string.
INTERRUPTED_IN_EXEC = """
import sys
from genai_grpc import _config  # what the error path imports, so nothing runs exec() after the interrupt
from genai_grpc.cli import _main

def interrupted_in_exec(args):
    exec("import os, signal\\nos.kill(os.getpid(), signal.SIGINT)\\nwhile True: pass")

_main._COMMANDS["get"] = interrupted_in_exec
sys.exit(_main.main(["get", "operations/x"]))
"""


def test_ctrl_c_inside_code_run_by_exec_still_exits_130(tmp_path: Path) -> None:
    """CPython remembers a KeyboardInterrupt that left exec()'d code, and `python -m` then
    kills itself with SIGINT at exit even though the CLI caught it (-2, not 130)."""
    (tmp_path / "interrupted_in_exec.py").write_text(INTERRUPTED_IN_EXEC)
    env = environment(PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run(
        [sys.executable, "-m", "interrupted_in_exec"],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert_one_line_error(out, 130, "interrupted")
