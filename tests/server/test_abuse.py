"""The local server under abuse: huge names, forged page tokens, bad flags, a shared or broken
database. Each answer is a clear status or a one-line error, never a stall or a traceback."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import grpc
import pytest
from genai_grpc._generated.genai_grpc.v1 import service_pb2_grpc
from genai_grpc._generated.google.longrunning import operations_pb2_grpc

from genai_grpc import Client, errors
from genai_grpc.server import LocalServer
from genai_grpc.server._echo import echo
from tests.local import CLI, spawned

from .conftest import get, video


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
    assert long.startswith("'yyy") and long.endswith("…' (17000 characters, cut)") and len(long) < 200


# -- two servers, one database ---------------------------------------------------------------


def serve(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`serve ARGS` to completion: for starts that must fail (bounded by `timeout`)."""
    return subprocess.run([sys.executable, "-c", CLI, "serve", "--port", "0", *args],
                          capture_output=True, text=True, timeout=timeout, check=False)


def assert_one_line_error(out: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert out.returncode != 0 and out.stdout == "", (out.returncode, out.stdout, out.stderr)
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in out.stderr, out.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_a_second_server_on_a_database_in_use_refuses_to_start(tmp_path: Path) -> None:
    db = str(tmp_path / "ops.db")
    with spawned("--db", db, "--duration", "0") as (_, address):
        second = serve("--db", db, timeout=20)  # before: it started, and the two disagreed
        assert_one_line_error(second, db, "in use")
        with grpc.insecure_channel(address) as channel:  # the first one serves on
            name = video(service_pb2_grpc.GenAIStub(channel)).name
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
