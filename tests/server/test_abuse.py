"""The local server under abuse: huge names, forged page tokens, bad flags, a shared or broken
database. Each answer is a clear status or a one-line error, never a stall or a traceback."""

from __future__ import annotations

import base64
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai_grpc import Client, _video_request, errors
from genai_grpc._generated.google.ai.generativelanguage.v1beta import (
    prediction_service_pb2_grpc,
)
from genai_grpc._generated.google.longrunning import operations_pb2 as pb
from genai_grpc._generated.google.longrunning import operations_pb2_grpc
from genai_grpc.server import Faults, LocalServer
from genai_grpc.server._echo import echo
from genai_grpc.server._paging import RequestError, _scope, decode_token
from tests.local import CLI, spawned

from .conftest import get, rpc_error, video


@pytest.mark.parametrize("size", [9_000, 12_000, 17_000, 200_000])
def test_a_long_name_is_404_with_the_name_cut(server: LocalServer, size: int) -> None:
    name = "operations/" + "x" * size
    with Client(endpoint=server.address) as client:
        for call in (client.operations.get, lambda n: client.operations.wait(n, timeout=20)):
            with pytest.raises(errors.ClientError) as caught:
                call(name)
            assert caught.value.code == 404, caught.value
            assert f"({len(name)} characters, cut)" in caught.value.message
            assert len(caught.value.message) < 500


def test_echo_cuts_and_says_so() -> None:
    assert echo("models/a") == "'models/a'"
    long = echo("y" * 17_000)
    assert long.startswith("'yyy") and long.endswith("y… (17000 characters, cut)") and len(long) < 200
    numbers = list(range(10_000))
    assert echo([1, "x"]) == "[1, 'x']" and echo(numbers).endswith(f"({len(repr(numbers))} characters, cut)")


# -- two servers, one database ---------------------------------------------------------------


def serve(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`serve ARGS` to completion: for starts that must fail (bounded by `timeout`)."""
    return subprocess.run(
        [sys.executable, "-c", CLI, "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_one_line_error(out: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert out.returncode != 0 and out.stdout == "", (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("genai-grpc: error: ") and "Traceback" not in out.stderr, out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_a_second_server_on_a_database_in_use_refuses_to_start(tmp_path: Path) -> None:
    db = str(tmp_path / "ops.db")
    with spawned("--db", db, "--duration", "0") as (_, address):
        second = serve("--db", db, timeout=20)  # before: it started, and the two disagreed
        assert_one_line_error(second, db, "in use")
        with grpc.insecure_channel(address) as channel:  # the first one serves on
            name = video(prediction_service_pb2_grpc.PredictionServiceStub(channel)).name
            assert get(operations_pb2_grpc.OperationsStub(channel), name).done
    with spawned("--db", db) as (_, address), grpc.insecure_channel(address) as channel:
        assert get(operations_pb2_grpc.OperationsStub(channel), name).done  # free once it stopped


def test_local_server_refuses_a_database_in_use(tmp_path: Path) -> None:
    db = str(tmp_path / "ops.db")
    with LocalServer(db=db), pytest.raises(OSError, match="in use"):
        LocalServer(db=db).start()
    with LocalServer(db=db):
        pass  # released by stop()


# -- databases it cannot use -----------------------------------------------------------------


def _corrupt(db: Path) -> str:
    db.write_bytes(b"this is not a database at all " * 200)
    return "not a database"


def _other_application(db: Path) -> str:
    with closing(sqlite3.connect(db)) as other:
        other.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)")
        other.commit()
    return "table(s) users"


def _other_schema(db: Path) -> str:
    with closing(sqlite3.connect(db)) as other:
        other.execute("CREATE TABLE operations (name TEXT, state TEXT)")
        other.commit()
    return "another schema"


def _missing_directory(db: Path) -> str:
    db.parent.rmdir()
    return "cannot open database"


@pytest.mark.parametrize("make", [_corrupt, _other_application, _other_schema, _missing_directory])
def test_an_unusable_database_is_a_one_line_error(tmp_path: Path, make: Callable[[Path], str]) -> None:
    db = tmp_path / "d" / "ops.db"
    db.parent.mkdir()
    fragment = make(db)
    before = db.read_bytes() if db.exists() else None
    assert_one_line_error(serve("--db", str(db)), str(db), fragment)
    with pytest.raises(OSError, match=re.escape(fragment)):
        LocalServer(db=str(db)).start()
    assert (db.read_bytes() if db.exists() else None) == before  # nothing written to it


def test_a_read_only_database_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "ops.db"
    with LocalServer(db=str(db)):
        pass
    with read_only(db):
        assert_one_line_error(serve("--db", str(db)), str(db), "readonly")


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` unwritable, even for root (chattr +i) where that works."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], check=False).returncode:
        pytest.skip("running as root, and chattr +i does not work here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


# -- a database another process holds --------------------------------------------------------


def test_a_locked_database_fails_the_start_and_stalls_nothing_else(tmp_path: Path) -> None:
    db = str(tmp_path / "ops.db")
    with LocalServer(db=db, duration_s=0) as local, grpc.insecure_channel(local.address) as channel:
        ops, genai = (
            operations_pb2_grpc.OperationsStub(channel),
            prediction_service_pb2_grpc.PredictionServiceStub(channel),
        )
        done = get(ops, video(genai).name)  # finished, and now answered from the cache
        inserting = threading.Event()
        insert = local.store.insert

        def noted_insert(rows: Any) -> int:
            inserting.set()
            return insert(rows)

        local.store.insert = noted_insert  # type: ignore[method-assign]
        with closing(sqlite3.connect(db, isolation_level=None)) as other:
            other.execute("BEGIN EXCLUSIVE")  # another process's write lock, held
            request = _video_request.generate_videos("veo", "a cat", None, None, {}, vertex=False, local=True)
            start = genai.PredictLongRunning.future(request.request, timeout=60)
            assert inserting.wait(30), "the start call never reached the database"
            # Before: the blocked insert held the event loop, so this get waited for it.
            assert get(ops, done.name, timeout=30) == done
            assert not start.done(), "the cached get was answered only after the start call ended"
            error = start.exception(timeout=60)
            other.execute("ROLLBACK")
        assert error is not None and error.code() == grpc.StatusCode.UNAVAILABLE, error
        assert "database is locked" in error.details() and "Error" not in error.details()
        assert video(genai).name  # and once the lock is gone, starts work again


# -- what reaches a client -------------------------------------------------------------------


def _token(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


SCOPE = _scope("", None)
BAD_TOKENS = [
    _token(f"v1:{2**63}:{SCOPE}"), _token(f"v1:{2**64}:{SCOPE}"), _token(f"v1:{10**400}:{SCOPE}"),
    _token(f"v1:-1:{SCOPE}"), _token(f"v1:1_0:{SCOPE}"), _token(f"v1: 1:{SCOPE}"), _token(f"v1:+1:{SCOPE}"),
    _token(f"v1::{SCOPE}"), _token(f"v2:1:{SCOPE}"), _token("v1:1"), _token(f"v1:1:{SCOPE}:x"),
    _token(f"v1:1:{'0' * 12}"), "%%%", "é", "A", "", "=", base64.urlsafe_b64encode(b"\xff\xfe").decode(),
]  # fmt: skip


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_every_malformed_page_token_is_invalid_argument(ops: Any, token: str) -> None:
    if not token:
        return  # an empty token is the first page
    error = rpc_error(ops.ListOperations, pb.ListOperationsRequest(page_token=token), timeout=30)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details())
    assert "page_token" in error.details() and "Error" not in error.details()


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.builds(_token, st.text()),
        st.builds(lambda n, scope: _token(f"v1:{n}:{scope}"), st.integers(), st.sampled_from([SCOPE, "x"])),
    )
)
def test_decode_token_raises_only_request_error(token: str) -> None:
    try:
        after = decode_token(token, SCOPE)
    except RequestError:
        return
    assert 0 <= after < 2**63


def test_no_python_exception_name_reaches_a_client(server: LocalServer, ops: Any) -> None:
    page = server.store.page

    def broken(*args: Any) -> Any:
        raise ZeroDivisionError("a bug in the server")

    server.store.page = broken  # type: ignore[method-assign]
    try:
        error = rpc_error(ops.ListOperations, pb.ListOperationsRequest(), timeout=30)
    finally:
        server.store.page = page  # type: ignore[method-assign]
    assert error.code() == grpc.StatusCode.INTERNAL, (error.code(), error.details())
    assert "ZeroDivision" not in error.details() and "Error" not in error.details()


# -- flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize("flag,value", [
    ("--port", "70000"), ("--port", "-1"), ("--port", "65536"), ("--files-port", "70000"),
    *[(flag, value) for flag in ("--duration", "--retry-delay", "--latency", "--max-wait")
      for value in ("nan", "inf", "-inf", "1e300", "-1")],
])  # fmt: skip
def test_out_of_range_flags_are_usage_errors(flag: str, value: str) -> None:
    out = serve(f"{flag}={value}", timeout=20)  # before: served, on another port or failing every call
    assert out.returncode == 2 and out.stdout == "", (out.returncode, out.stdout, out.stderr)
    assert flag in out.stderr and "Traceback" not in out.stderr


def test_local_server_on_a_public_address_warns() -> None:
    with pytest.warns(UserWarning, match="reachable beyond this machine"):
        LocalServer(host="0.0.0.0")  # not started: tests bind loopback only
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LocalServer(host="::1")


@pytest.mark.parametrize("value", [math.nan, math.inf, 1e300, -1.0])
def test_local_server_refuses_odd_durations(value: float) -> None:
    with pytest.raises(ValueError, match="duration_s"):
        LocalServer(duration_s=value)
    with pytest.raises(ValueError, match="retry_delay_s"):
        Faults(retry_delay_s=value)


def test_the_required_api_key_can_come_from_the_environment() -> None:
    key = "server-side-secret-1234"
    env = {"GENAI_GRPC_SERVER_API_KEY": key, "GOOGLE_API_KEY": "", "GEMINI_API_KEY": ""}
    with spawned("--require-api-key", "--duration", "0", env=env) as (proc, address):
        if Path("/proc").exists():
            assert key not in Path(f"/proc/{proc.pid}/cmdline").read_text()
        with grpc.insecure_channel(address) as channel:
            ops = operations_pb2_grpc.OperationsStub(channel)
            assert rpc_error(get, ops, "operations/x").code() == grpc.StatusCode.UNAUTHENTICATED
            keyed = rpc_error(get, ops, "operations/x", metadata=[("x-goog-api-key", key)])
            assert keyed.code() == grpc.StatusCode.NOT_FOUND
