"""The SQL database under the store and the ledger: a SQLite file (one machine, the default) or PostgreSQL (several
workers sharing one truth). Both run the same statements and the same numbered migrations (`bot/library/schema.py`).

Statements use `?` placeholders and the SQL both engines share (`INSERT ... ON CONFLICT`, no `rowid`, no
`INSERT OR REPLACE`); the few words where the schemas differ are translated here, once.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from bot.errors import LibraryBusy, SettingsError
from bot.library.schema import MIGRATIONS
from bot.reading.fetcher import without_credentials

__all__ = ["Cursor", "Database", "Row", "is_database_url", "open_database"]

Row = Mapping[str, Any]
_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)
_MIGRATION_LOCK = 7_221_001  # PostgreSQL advisory lock: one worker migrates while the others wait


def is_database_url(address: str) -> bool:
    """Whether NEWSDESK_DB names a PostgreSQL server rather than a SQLite file."""
    return bool(_URL.match(address))


class Cursor(Protocol):
    """What a statement returns inside a transaction (sqlite3's and psycopg's cursors both fit)."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Database(Protocol):
    """One connection, shared by the process's threads under a lock; writes go through `transaction()`."""

    kind: str
    address: str  # for logs: a file path, or the server's URL without its password

    def read(self, sql: str, parameters: Sequence[object] = ()) -> list[Row]: ...

    def transaction(self) -> Any: ...  # a context manager yielding a `Transaction`

    @property
    def schema_version(self) -> int: ...

    def close(self) -> None: ...


class Transaction(Protocol):
    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Cursor: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None: ...


def open_database(address: Path | str, busy_timeout: float = 10.0) -> Database:
    """The database at `address`, migrated to the newest schema: a `postgresql://` URL or a SQLite file's path
    (whose write lock, when another program holds it, is waited for up to `busy_timeout` seconds).

    Example:
        database = open_database("postgresql://newsdesk@db.internal/newsdesk")
        database.read("SELECT COUNT(*) AS n FROM editorials")[0]["n"]
    """
    if isinstance(address, str) and is_database_url(address):
        return PostgresDatabase(address)
    return SQLiteDatabase(Path(address), busy_timeout)


class SQLiteDatabase:
    """A SQLite file in WAL mode; `PRAGMA user_version` records how far its schema has come.

    Another program holding the file's write lock is waited for up to `busy_timeout` seconds, then `LibraryBusy`
    says so (nothing is written). Readers never wait for a writer (WAL), so listing the library works meanwhile.
    """

    kind = "sqlite"

    def __init__(self, path: Path, busy_timeout: float = 10.0) -> None:
        self.path = path
        self.address = str(path)
        self.busy_timeout = busy_timeout
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=busy_timeout)
        self._db.row_factory = sqlite3.Row
        with self._busy():
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        if self.schema_version < len(MIGRATIONS):  # only a schema to bring up to date needs the write lock
            self._migrate()

    def _migrate(self) -> None:
        with self.transaction() as db:
            # read again under the lock: another process may have migrated since
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        with self._lock, self._busy():
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def read(self, sql: str, parameters: Sequence[object] = ()) -> list[Row]:
        with self._lock, self._busy():
            return self._db.execute(sql, tuple(parameters)).fetchall()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: the write lock is taken at the start, so a read-then-write is never stale."""
        with self._lock, self._busy():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _busy(self) -> Iterator[None]:
        """SQLite's "database is locked" (another program kept the lock past the busy timeout) as `LibraryBusy`."""
        try:
            yield
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            raise LibraryBusy(self.busy_timeout) from error


class PostgresDatabase:
    """A PostgreSQL server (psycopg 3). The schema's version lives in `newsdesk_schema`; a worker that finds the
    connection broken (the server restarted) connects again on its next statement."""

    kind = "postgresql"

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise SettingsError("NEWSDESK_DB names a PostgreSQL server, which needs psycopg: "
                                "pip install 'newsdesk[postgres]'.") from None
        self._psycopg = psycopg
        self._url = url
        self.address = without_credentials(url)
        self._lock = threading.RLock()
        self._db: Any = None
        with self.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            db.execute("CREATE TABLE IF NOT EXISTS newsdesk_schema (version INTEGER NOT NULL)")
            row = db.execute("SELECT version FROM newsdesk_schema").fetchone()
            version = 0 if row is None else int(row["version"])
            for script in MIGRATIONS[version:]:
                for statement in _statements(script):
                    db.execute(_postgres(statement))
            if row is None:
                db.execute("INSERT INTO newsdesk_schema (version) VALUES (?)", (len(MIGRATIONS),))
            else:
                db.execute("UPDATE newsdesk_schema SET version = ?", (max(version, len(MIGRATIONS)),))

    @property
    def schema_version(self) -> int:
        return int(self.read("SELECT version FROM newsdesk_schema")[0]["version"])

    def read(self, sql: str, parameters: Sequence[object] = ()) -> list[Row]:
        with self._lock:
            return list(self._connection().execute(_placeholders(sql), tuple(parameters)).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[_PostgresTransaction]:
        with self._lock:
            connection = self._connection()
            with connection.transaction():
                yield _PostgresTransaction(connection)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()

    def _connection(self) -> Any:
        if self._db is None or self._db.closed or self._db.broken:
            from psycopg.rows import dict_row

            try:
                self._db = self._psycopg.connect(self._url, autocommit=True, row_factory=dict_row, connect_timeout=10)
            except self._psycopg.OperationalError as error:
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise SettingsError(f"Could not reach the PostgreSQL server in NEWSDESK_DB ({self.address}): "
                                    f"{reason.replace(self._url, self.address)}") from None
        return self._db


class _PostgresTransaction:
    """psycopg's connection, taking the `?` placeholders the store writes."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[object] = ()) -> Cursor:
        cursor: Cursor = self._connection.execute(_placeholders(sql), tuple(parameters))
        return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[object]]) -> None:
        with self._connection.cursor() as cursor:
            cursor.executemany(_placeholders(sql), [tuple(row) for row in rows])


def _statements(script: str) -> list[str]:
    return [statement for statement in script.split(";") if statement.strip()]


def _placeholders(sql: str) -> str:
    """sqlite3's `?` as psycopg's `%s` (the store's SQL has no `?` or `%` of its own)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _postgres(statement: str) -> str:
    """The two words of the migrations that PostgreSQL spells otherwise."""
    statement = statement.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGINT GENERATED BY DEFAULT AS IDENTITY "
                                                                        "PRIMARY KEY")
    return re.sub(r"\bBLOB\b", "BYTEA", statement)
