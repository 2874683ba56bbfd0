"""SQLite storage of operations.

A row keeps what an operation was asked to do and when, never its progress: progress and the
result are derived from the row at read time (see _progress and _build), so a server restarted
on the same file carries every operation on without timers, loss or duplication.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass

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


class Store:
    """Operations in one SQLite database, safe to call from any thread."""

    def __init__(self, path: str = ":memory:") -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if path != ":memory:":
            # WAL plus NORMAL sync keeps every committed row across a killed process.
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)

    def close(self) -> None:
        """Close the database; the store cannot be used afterwards."""
        with self._lock:
            self._db.close()

    def insert(self, operations: Iterable[NewOperation]) -> int:
        """Store operations in one transaction; returns how many were stored."""
        rows = [
            (o.name, o.kind, o.request, o.seed, o.size_bytes, o.create_ns, o.duration_ns)
            for o in operations
        ]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(_INSERT, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return len(rows)

    def get(self, name: str) -> Record | None:
        """The operation called `name`, or None."""
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM operations WHERE name = ?", (name,)
            ).fetchone()
        return None if row is None else _record(row)

    def cancel(self, name: str, now_ns: int) -> Record | None:
        """Mark `name` cancelled at `now_ns` unless it has already finished; None if unknown."""
        with self._lock:
            self._db.execute(
                "UPDATE operations SET cancel_ns = ? WHERE name = ? AND cancel_ns IS NULL"
                " AND create_ns + duration_ns > ?",
                (now_ns, name, now_ns),
            )
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM operations WHERE name = ?", (name,)
            ).fetchone()
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


def _record(row: tuple[int, str, str, bytes, int, int, int, int, int | None]) -> Record:
    seq, name, kind, request, seed, size_bytes, create_ns, duration_ns, cancel_ns = row
    return Record(
        seq, name, kind, bytes(request), seed, size_bytes, Timing(create_ns, duration_ns, cancel_ns)
    )
