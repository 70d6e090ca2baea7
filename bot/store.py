"""The one store: SQLite in WAL mode, shared safely by threads and by several processes.

It keeps editorials and their sentences, sentence vectors, cached summaries, which editorial each
conversation is about, and an audit record of every summary and answer.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bot.editorial import Editorial
from bot.schema import MIGRATIONS

__all__ = ["AuditRecord", "Store", "utc_now"]

Clock = Callable[[], datetime]
AuditRecord = dict[str, Any]


def utc_now() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


class Store:
    """The newsroom's library of editorials, on disk.

    Example:
        store = Store(Path("newsdesk.db"))
        editorial = store.save(editorial)          # the same text twice is stored once
        store.get(editorial.id).title
    """

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        self.path = path
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10.0)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._migrate()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def save(self, editorial: Editorial, vectors: tuple[str, np.ndarray] | None = None) -> Editorial:
        """Store an editorial unless its text is already there, with its sentence vectors (model name, matrix) in
        the same transaction, so no editorial is ever stored without them; return the stored one."""
        with self._transaction() as db:
            row = db.execute("SELECT id FROM editorials WHERE sha256 = ?", (editorial.sha256,)).fetchone()
            if row is None:
                stored_at = self.clock()
                db.execute(
                    "INSERT INTO editorials (id, sha256, title, source, published, byline, stored_at, corrects) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (editorial.id, editorial.sha256, editorial.title, editorial.source,
                     editorial.published.isoformat() if editorial.published else None,
                     editorial.byline, stored_at.isoformat(), editorial.corrects),
                )
                db.executemany(
                    "INSERT INTO sentences (editorial_id, number, text) VALUES (?, ?, ?)",
                    [(editorial.id, n, text) for n, text in enumerate(editorial.sentences, start=1)],
                )
                if vectors is not None:
                    self._write_vectors(db, editorial.id, *vectors)
                return replace(editorial, stored_at=stored_at)
        stored = self.get(row["id"])
        assert stored is not None
        return stored

    def get(self, editorial_id: str) -> Editorial | None:
        """The editorial with this id, or with this unique id prefix (users type short ids)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM editorials WHERE id LIKE ? ORDER BY id LIMIT 2", (editorial_id.lower() + "%",)
            ).fetchall()
            if len(rows) != 1 or not editorial_id:
                return None
            return self._editorial(rows[0])

    def latest(self, limit: int = 10) -> list[Editorial]:
        """The most recently stored editorials, newest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM editorials ORDER BY stored_at DESC, id LIMIT ?", (limit,)
            ).fetchall()
            return [self._editorial(row) for row in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM editorials").fetchone()[0])

    def vectors(self, editorial_id: str, model: str) -> np.ndarray | None:
        """The sentence vectors stored for an editorial under a model's name, if any."""
        with self._lock:
            row = self._db.execute(
                "SELECT dimensions, vectors FROM embeddings WHERE editorial_id = ? AND model = ?",
                (editorial_id, model),
            ).fetchone()
        if row is None:
            return None
        return np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, row["dimensions"])

    def save_vectors(self, editorial_id: str, model: str, vectors: np.ndarray) -> None:
        with self._transaction() as db:
            self._write_vectors(db, editorial_id, model, vectors)

    @staticmethod
    def _write_vectors(db: sqlite3.Connection, editorial_id: str, model: str, vectors: np.ndarray) -> None:
        db.execute(
            "INSERT OR REPLACE INTO embeddings (editorial_id, model, dimensions, vectors) VALUES (?, ?, ?, ?)",
            (editorial_id, model, vectors.shape[1], np.ascontiguousarray(vectors, dtype=np.float32).tobytes()),
        )

    def cached_summary(self, sha256: str, engine: str, settings: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT summary FROM summaries WHERE sha256 = ? AND engine = ? AND settings = ?",
                (sha256, engine, settings),
            ).fetchone()
        return None if row is None else dict(json.loads(row["summary"]))

    def cache_summary(self, sha256: str, engine: str, settings: str, summary: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO summaries (sha256, engine, settings, summary, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (sha256, engine, settings, json.dumps(summary), self.clock().isoformat()),
            )

    def remember(self, conversation: str, editorial_id: str) -> None:
        """Make `editorial_id` what follow-up questions in this conversation are about."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO conversations (key, editorial_id, updated_at) VALUES (?, ?, ?)",
                (conversation, editorial_id, self.clock().isoformat()),
            )

    def recall(self, conversation: str) -> Editorial | None:
        """The editorial this conversation is about, if one was summarised or asked about in it."""
        with self._lock:
            row = self._db.execute(
                "SELECT editorial_id FROM conversations WHERE key = ?", (conversation,)
            ).fetchone()
        return None if row is None else self.get(row["editorial_id"])

    def audit(self, *, kind: str, engine: str, model: str, version: str, sha256: str | None,
              platform: str | None = None, question: str | None = None, abstained: bool | None = None) -> None:
        """Record who produced a summary or an answer, from which text, and when."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO audit (at, kind, engine, model, version, sha256, platform, question, abstained) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.clock().isoformat(), kind, engine, model, version, sha256, platform, question,
                 None if abstained is None else int(abstained)),
            )

    def audit_log(self, limit: int = 100) -> list[AuditRecord]:
        """The latest audit records, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(row) for row in rows]

    def stored_between(self, since: datetime, until: datetime) -> list[Editorial]:
        """Editorials stored in [since, until), oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM editorials WHERE stored_at >= ? AND stored_at < ? ORDER BY stored_at, id",
                (since.isoformat(), until.isoformat()),
            ).fetchall()
            return [self._editorial(row) for row in rows]

    def read(self, sql: str, parameters: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        """Rows of one query, under the store's lock (for the ledgers that share this database)."""
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE), for the ledgers that share this database."""
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def _editorial(self, row: sqlite3.Row) -> Editorial:
        sentences = self._db.execute(
            "SELECT text FROM sentences WHERE editorial_id = ? ORDER BY number", (row["id"],)
        ).fetchall()
        return Editorial(
            id=row["id"],
            sha256=row["sha256"],
            title=row["title"],
            source=row["source"],
            sentences=tuple(s["text"] for s in sentences),
            published=date.fromisoformat(row["published"]) if row["published"] else None,
            byline=row["byline"],
            stored_at=datetime.fromisoformat(row["stored_at"]),
            corrects=row["corrects"],
        )
