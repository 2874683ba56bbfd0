"""`wait` and `watch` over many names, as real processes against the bundled local server:
JSON lines read as they arrive, exit codes of mixed outcomes, a closed pipe, Ctrl-C."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pytest

from genai_grpc import Client, server
from tests.test_cli import ROOT, cli, environment
from tests.test_cli_local import start

MISSING = "models/veo-2.0-generate-001/operations/no-such-operation"


@pytest.fixture(scope="module")
def local() -> Iterator[Any]:
    with server.LocalServer(duration_s=0.0) as running:
        yield running


@pytest.fixture
def env(local: Any) -> dict[str, str]:
    return environment(GENAI_GRPC_EMULATOR_HOST=local.address)


@contextmanager
def spawn(args: list[str], env: dict[str, str], stdin: str = "") -> Iterator[subprocess.Popen[bytes]]:
    """The CLI in a subprocess, `stdin` written to it; killed and its pipes closed at the end."""
    child = subprocess.Popen(
        [sys.executable, "-m", "genai_grpc", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert child.stdin is not None and child.stdout is not None and child.stderr is not None
    try:
        child.stdin.write(stdin.encode())
        child.stdin.close()
        yield child
    finally:
        child.kill()
        child.wait(5)
        child.stdout.close()
        child.stderr.close()


class Lines:
    """A pipe's lines as they arrive, read straight from its descriptor: a buffered reader
    could hold a second line in its buffer while select() sees an empty pipe."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._fd, self._buffer = stream.fileno(), b""

    def next(self, within: float = 30) -> str:
        while b"\n" not in self._buffer:
            ready, _, _ = select.select([self._fd], [], [], within)
            assert ready, f"no line within {within} s"
            chunk = os.read(self._fd, 65536)
            assert chunk, "the pipe closed before a whole line"
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def rest(self) -> list[str]:
        while chunk := os.read(self._fd, 65536):
            self._buffer += chunk
        lines, self._buffer = self._buffer.decode().splitlines(), b""
        return lines


def cancel(local: Any, name: str) -> None:
    with Client(endpoint=local.address) as client:
        client.operations.cancel(name)


def test_json_lines_come_as_each_operation_finishes(local: Any, env: dict[str, str]) -> None:
    fast, held = start(local), start(local, duration=3600)
    with spawn(["wait", "-", "--json", "--poll", "0.2"], env, stdin=f"{fast}\n\n{held}\n") as child:
        assert child.stdout is not None
        out = Lines(child.stdout)
        first = json.loads(out.next())
        assert child.poll() is None  # still waiting for `held`: the line came as `fast` finished
        assert (first["event"], first["name"], first["state"]) == ("done", fast, "SUCCEEDED")
        cancel(local, held)  # only now can `held` finish
        second = json.loads(out.next())
        assert (second["event"], second["name"], second["state"]) == ("done", held, "FAILED")
        assert second["error"]["status"] == "CANCELLED"
        assert child.wait(30) == 1  # one operation failed
        assert out.rest() == []
        assert child.stderr is not None and "2 operations: 1 failed, 1 succeeded" in child.stderr.read().decode()


@pytest.mark.parametrize(("outcomes", "code"), [
    (("ok", "ok"), 0), (("ok", "fail"), 1), (("ok", "fail", "missing"), 3), (("ok", "missing", "slow"), 4),
])  # fmt: skip
def test_the_exit_code_is_the_worst_outcome(local: Any, env: dict[str, str], outcomes: tuple[str, ...],
                                            code: int) -> None:  # fmt: skip
    make = {"ok": lambda: start(local), "fail": lambda: start(local, prompt="[fail:safety]"),
            "missing": lambda: MISSING, "slow": lambda: start(local, duration=3600)}  # fmt: skip
    names = [make[what]() for what in outcomes]
    out = cli("wait", *names, "--json", "--timeout", "3", "--poll", "0.2", env=env)
    assert out.returncode == code, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert sorted(line["name"] for line in lines) == sorted(names)  # every name accounted for
    by_name = {line["name"]: line for line in lines}
    for what, name in zip(outcomes, names, strict=True):
        expected = {"ok": ("done", "SUCCEEDED"), "fail": ("done", "FAILED"),
                    "missing": ("error", "NOT_FOUND"), "slow": ("timeout", "RUNNING")}[what]  # fmt: skip
        assert (by_name[name]["event"], by_name[name]["state"]) == expected
    if "missing" in outcomes:
        assert by_name[MISSING]["callError"]["grpcCode"] == 5
    assert "Traceback" not in out.stderr


def test_human_lines_say_what_happened_to_each(local: Any, env: dict[str, str]) -> None:
    ok, failed = start(local), start(local, prompt="[fail:safety]")
    out = cli("wait", ok, failed, MISSING, "--timeout", "20", env=env)
    assert out.returncode == 3
    lines = sorted(out.stdout.splitlines())
    assert lines[0].startswith("FAILED") and failed in lines[0] and "INVALID_ARGUMENT" in lines[0]
    assert lines[1].startswith("NOT_FOUND") and MISSING in lines[1] and "404 NOT_FOUND" in lines[1]
    assert lines[2].startswith("SUCCEEDED") and ok in lines[2]
    assert "3 operations: 1 failed, 1 not found, 1 succeeded" in out.stderr


def test_watch_prints_each_change_then_the_end(local: Any, env: dict[str, str]) -> None:
    held = start(local, duration=3600)
    with spawn(["watch", held, start(local), "--json", "--poll", "0.2"], env) as child:
        assert child.stdout is not None
        out = Lines(child.stdout)
        seen = [json.loads(out.next()) for _ in range(2)]
        progress = [e for e in seen if e["event"] == "progress"]
        assert progress and progress[0]["name"] == held and progress[0]["state"] == "RUNNING"
        cancel(local, held)
        rest = [json.loads(line) for line in out.rest()]
        assert child.wait(30) == 1
        ends = [e for e in seen + rest if e["event"] == "done"]
        assert sorted(e["state"] for e in ends) == ["FAILED", "SUCCEEDED"]


def test_a_closed_pipe_ends_it_quietly(local: Any, env: dict[str, str]) -> None:
    fast, held = start(local), start(local, duration=3600)
    with spawn(["wait", fast, held, "--json", "--poll", "0.2"], env) as child:
        assert child.stdout is not None and child.stderr is not None
        assert json.loads(Lines(child.stdout).next())["name"] == fast
        child.stdout.close()  # the reader leaves (like `| head -1`)
        cancel(local, held)  # the next line then has nowhere to go
        assert child.wait(30) == 0
        assert "Traceback" not in child.stderr.read().decode()


def test_ctrl_c_cancels_the_fleet_and_exits_130(local: Any, env: dict[str, str]) -> None:
    fast, held = start(local), start(local, duration=3600)
    with spawn(["wait", fast, held, "--json", "--poll", "0.2"], env) as child:
        assert child.stdout is not None and child.stderr is not None
        assert json.loads(Lines(child.stdout).next())["name"] == fast
        child.send_signal(signal.SIGINT)
        assert child.wait(30) == 130
        err = child.stderr.read().decode()
        assert err.rstrip().endswith("genai-grpc: error: interrupted") and "Traceback" not in err
        assert "2 operations: 1 succeeded, 1 running" in err


def test_names_from_stdin_that_is_empty_is_a_usage_error(env: dict[str, str]) -> None:
    with spawn(["wait", "-"], env, stdin="\n") as child:
        assert child.wait(30) == 2
        assert child.stderr is not None and "no operation names given" in child.stderr.read().decode()


def test_output_dir_takes_one_name(env: dict[str, str]) -> None:
    out = cli("wait", "operations/a", "operations/b", "--output-dir", "/tmp/x", env=env)
    assert out.returncode == 2 and "--output-dir takes one operation name" in out.stderr


def test_a_counts_bar_on_a_terminal(local: Any, env: dict[str, str]) -> None:
    from tests.test_cli_local import run_on_terminal

    names = [start(local), start(local, duration=1.0), start(local, prompt="[fail:safety]")]
    code, stdout, drawn = run_on_terminal(["wait", *names, "--timeout", "20", "--poll", "0.2"], env)
    assert code == 1 and len(stdout.splitlines()) == 3
    frames = [f for f in drawn.decode().split("\r\x1b[K") if f.startswith("[")]
    assert frames and all("/3  done " in f and "  failed " in f and "  running " in f for f in frames)
    assert "3/3  done 2  failed 1  running 0" in drawn.decode()
    assert drawn.decode().rstrip().endswith("3 operations: 1 failed, 2 succeeded")
