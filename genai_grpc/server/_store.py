"""SQLite storage of operations.

A row keeps what an operation was asked to do and when, never its progress: progress and the
result are derived from the row at read time (see _progress and _build), so a server restarted
on the same file carries every operation on without timers, loss or duplication.
"""

from __future__ import annotations

import fcntl
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

from genai_grpc.server._paging import ListQuery
from genai_grpc.server._progress import Timing

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    request BLOB NOT NULL,
    seed INTEGER NOT NULL,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    create_ns INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL,
    cancel_ns INTEGER
)
"""
_VERSION = 1  # PRAGMA user_version of the schema above
_COLUMNS = "seq, name, kind, request, seed, size_bytes, create_ns, duration_ns, cancel_ns"
_INSERT = (
    "INSERT INTO operations (name, kind, request, seed, size_bytes, create_ns, duration_ns)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
_DONE = "(cancel_ns IS NOT NULL OR create_ns + duration_ns <= ?)"


@dataclass(frozen=True, slots=True)
class NewOperation:
    """An operation about to be stored. `request` is the serialized start request."""

    name: str
    kind: str
    request: bytes
    seed: int
    create_ns: int
    duration_ns: int
    size_bytes: int = 0


@dataclass(frozen=True, slots=True)
class Record:
    """A stored operation."""

    seq: int
    name: str
    kind: str
    request: bytes
    seed: int
    size_bytes: int
    timing: Timing


class DatabaseError(OSError):
    """The database cannot be used: in use by another server, unreadable, or someone else's."""


class Store:
    """Operations in one SQLite database, safe to call from any thread.

    A file database is held for the store's lifetime (an flock on PATH.lock): two servers
    caching the same rows would contradict each other, so a second one is refused.
    """

    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._held = None if path == ":memory:" else _hold(path)
        try:
            self._db = _open(path)
        except BaseException:
            if self._held is not None:
                self._held.close()
            raise

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()
            if self._held is not None:
                self._held.close()  # releases the flock

    def insert(self, operations: Iterable[NewOperation]) -> int:
        """Store operations in one transaction; returns how many were stored."""
        rows = [(o.name, o.kind, o.request, o.seed, o.size_bytes, o.create_ns, o.duration_ns) for o in operations]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(_INSERT, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return len(rows)

    def add(self, operation: NewOperation) -> Record:
        """Store one operation; returns it as stored."""
        self.insert([operation])
        record = self.get(operation.name)
        if record is None:
            raise sqlite3.IntegrityError(f"operation {operation.name} vanished as it was stored")
        return record

    def get(self, name: str) -> Record | None:
        """The operation called `name`, or None."""
        with self._lock:
            row = self._db.execute(f"SELECT {_COLUMNS} FROM operations WHERE name = ?", (name,)).fetchone()
        return None if row is None else _record(row)

    def cancel(self, name: str, now_ns: int) -> Record | None:
        """Mark `name` cancelled at `now_ns` unless it has already finished; None if unknown."""
        with self._lock:
            self._db.execute(
                "UPDATE operations SET cancel_ns = ? WHERE name = ? AND cancel_ns IS NULL"
                " AND create_ns + duration_ns > ?",
                (now_ns, name, now_ns),
            )
            row = self._db.execute(f"SELECT {_COLUMNS} FROM operations WHERE name = ?", (name,)).fetchone()
        return None if row is None else _record(row)

    def delete(self, name: str) -> bool:
        """Remove `name`; False if there was no such operation."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM operations WHERE name = ?", (name,))
        return cursor.rowcount > 0

    def page(self, query: ListQuery, now_ns: int) -> list[Record]:
        """Up to query.size + 1 operations after query.after, in creation order.

        The extra row tells the caller whether another page exists.
        """
        low, high = query.name_range
        sql = f"SELECT {_COLUMNS} FROM operations WHERE seq > ? AND name >= ? AND name < ?"
        params: list[object] = [query.after, low, high]
        if query.done is not None:
            sql += f" AND {'' if query.done else 'NOT '}{_DONE}"
            params.append(now_ns)
        sql += " ORDER BY seq LIMIT ?"
        params.append(query.size + 1)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_record(row) for row in rows]

    def count(self) -> int:
        """How many operations are stored."""
        with self._lock:
            (total,) = self._db.execute("SELECT COUNT(*) FROM operations").fetchone()
        return int(total)


def _hold(path: str) -> IO[bytes]:
    """PATH.lock, opened and flocked; DatabaseError if another process holds it."""
    lock_path = path + ".lock"
    try:
        handle = open(lock_path, "ab")  # noqa: SIM115 - held open until close()
    except OSError as error:
        raise DatabaseError(f"cannot open database {path}: {error.strerror or error}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise DatabaseError(
            f"database {path} is in use by another server (it holds {lock_path}); stop that one or use another database"
        ) from None
    return handle


def _open(path: str) -> sqlite3.Connection:
    """The connection, with the schema in place; DatabaseError in one line if it cannot be."""
    try:
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except sqlite3.Error as error:
        raise DatabaseError(f"cannot open database {path}: {error}") from None
    try:
        _check_schema(db, path)  # before anything is written to it
        if path != ":memory:":
            # WAL plus NORMAL sync keeps every committed row across a killed process.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
        db.execute(_SCHEMA)
        # Stamps the schema version, and fails at once on a database it cannot write.
        db.execute(f"PRAGMA user_version = {_VERSION}")
    except sqlite3.Error as error:
        db.close()
        raise DatabaseError(f"cannot use database {path}: {error}") from None
    except DatabaseError:
        db.close()
        raise
    return db


def _check_schema(db: sqlite3.Connection, path: str) -> None:
    """DatabaseError unless the file is empty or holds this server's table, as this version
    writes it: another application's database is never written to."""
    (version,) = db.execute("PRAGMA user_version").fetchone()
    if version not in (0, _VERSION):
        raise DatabaseError(f"database {path} has schema version {version}, not {_VERSION}; use another database")
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    foreign = sorted(tables - {"operations", "sqlite_sequence"})
    if foreign:
        raise DatabaseError(f"database {path} is not a genai_grpc database: it has table(s) {', '.join(foreign)}")
    if "operations" in tables:
        columns = [row[1] for row in db.execute("PRAGMA table_info(operations)")]
        if columns != _COLUMNS.split(", "):
            raise DatabaseError(
                f"database {path} holds an operations table of another schema "
                f"(columns {', '.join(columns)}); use another database"
            )


def _record(row: tuple[int, str, str, bytes, int, int, int, int, int | None]) -> Record:
    seq, name, kind, request, seed, size_bytes, create_ns, duration_ns, cancel_ns = row
    return Record(seq, name, kind, bytes(request), seed, size_bytes, Timing(create_ns, duration_ns, cancel_ns))
