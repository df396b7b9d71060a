"""Opening the shared SQLite database: WAL, timeouts, migrations, change detection.

Every process (the ingest daemon, each screen, the CLI) opens the same file.
WAL lets readers run beside the one writer; ``busy_timeout`` makes writers wait
for each other instead of failing with "database is locked"; writes start with
``BEGIN IMMEDIATE`` so a reader never has to upgrade its lock mid-transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from studio_console.store.schema import MIGRATIONS, SCHEMA_VERSION

__all__ = ["BUSY_TIMEOUT_MS", "ChangeWatcher", "StoreError", "migrate", "open_database",
           "transaction"]

BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """The database cannot be used (wrong file, newer schema, disk problem)."""


def _statements(script: str) -> Iterator[str]:
    """Split a SQL script into complete statements (triggers keep their inner semicolons)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statement = buffer.strip()
            buffer = ""
            if statement:
                yield statement
    if buffer.strip():
        yield buffer


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the database up to ``target``; returns the version it had before.

    Each migration runs in its own ``BEGIN IMMEDIATE`` transaction and re-reads
    the version inside it, so two processes opening a new file at once are safe.
    """
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > SCHEMA_VERSION:
        raise StoreError(f"the database has schema version {before}, newer than this program's "
                         f"{SCHEMA_VERSION}: upgrade studio-console")
    while True:
        with transaction(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version >= target:
                return before
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on error)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_database(path: str | Path, *, durable: bool = False, migrate_to: int | None = None,
                  readonly: bool = False) -> sqlite_utils.Database:
    """Open (and create or migrate) the console's database.

    Args:
        path: the database file; its folder is created when missing.
        durable: ``synchronous=FULL`` — every commit is on disk before it returns
            (the ingest service uses this: the SIM copy is deleted right after).
        migrate_to: stop migrating at this version (tests of old versions).
        readonly: open without creating or migrating (fails on a missing file).

    Returns:
        A ``sqlite_utils.Database``; its ``conn`` is in autocommit mode, so use
        :func:`transaction` for writes.
    """
    path = Path(path)
    if readonly:
        if not path.exists():
            raise StoreError(f"{path}: no such database")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None,
                               check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                               timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            mode = _enable_wal(conn)
            if mode.lower() != "wal":
                raise StoreError(f"{path}: cannot use WAL mode (got {mode}); is it on a network "
                                 "file system?")
        conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        conn.execute("PRAGMA foreign_keys = ON")
        if not readonly:
            migrate(conn, SCHEMA_VERSION if migrate_to is None else migrate_to)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: {exc}") from None
    return sqlite_utils.Database(conn)


def _enable_wal(conn: sqlite3.Connection) -> str:
    """``PRAGMA journal_mode = WAL``; returns the mode. Switching a brand-new file needs an
    exclusive lock and SQLite answers "database is locked" at once, without its busy
    handler, when another connection opens the file at that moment: try again briefly."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class ChangeWatcher:
    """Notices writes by other connections cheaply, with ``PRAGMA data_version``.

    ``changed()`` costs one pragma and never reads a table; call it a few times
    a second from a screen's timer.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._version = self._read()

    def _read(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    def changed(self) -> bool:
        """True when another connection committed since the last call."""
        version = self._read()
        if version != self._version:
            self._version = version
            return True
        return False
