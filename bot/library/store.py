"""The one store, on a SQLite file or a PostgreSQL server (`bot/library/database.py`), shared safely by threads and by
several processes or workers.

It keeps editorials and their sentences, sentence vectors, cached summaries, which editorial each
conversation is about, the platform events already answered, and an audit record of every summary and answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from bot.library.database import Database, Row, open_database
from bot.reading.editorial import Editorial

__all__ = ["AuditRecord", "Store", "utc_now"]

Clock = Callable[[], datetime]
AuditRecord = dict[str, Any]


def utc_now() -> datetime:
    """The real clock; tests pass their own."""
    return datetime.now(UTC)


class Store:
    """The newsroom's library of editorials, on disk.

    Example:
        store = Store(Path("newsdesk.db"))         # or Store("postgresql://newsdesk@db/newsdesk")
        editorial = store.save(editorial)          # the same text twice is stored once
        store.get(editorial.id).title
    """

    def __init__(self, database: Database | Path | str, clock: Clock = utc_now) -> None:
        self.database = open_database(database) if isinstance(database, Path | str) else database
        self.clock = clock
        self._sightings = 0

    @property
    def schema_version(self) -> int:
        return self.database.schema_version

    def close(self) -> None:
        self.database.close()

    def save(self, editorial: Editorial, vectors: tuple[str, np.ndarray] | None = None) -> Editorial:
        """Store an editorial unless its text is already there, with its sentence vectors (model name, matrix) in
        the same transaction, so no editorial is ever stored without them; return the stored one."""
        stored_at = self.clock()
        with self.transaction() as db:
            added = db.execute(  # two workers adding one text at once: the second waits, then adds nothing
                "INSERT INTO editorials (id, sha256, title, source, published, byline, stored_at, corrects) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (editorial.id, editorial.sha256, editorial.title, editorial.source,
                 editorial.published.isoformat() if editorial.published else None,
                 editorial.byline, stored_at.isoformat(), editorial.corrects),
            )
            if added.rowcount == 1:
                db.executemany(
                    "INSERT INTO sentences (editorial_id, number, text) VALUES (?, ?, ?)",
                    [(editorial.id, n, text) for n, text in enumerate(editorial.sentences, start=1)],
                )
                if vectors is not None:
                    self._write_vectors(db, editorial.id, *vectors)
                return replace(editorial, stored_at=stored_at)
        rows = self.read("SELECT * FROM editorials WHERE sha256 = ?", (editorial.sha256,))
        return self._editorial(rows[0])

    def get(self, editorial_id: str) -> Editorial | None:
        """The editorial with this id, or with this unique id prefix (users type short ids)."""
        rows = self.read("SELECT * FROM editorials WHERE id LIKE ? ORDER BY id LIMIT 2", (editorial_id.lower() + "%",))
        if len(rows) != 1 or not editorial_id:
            return None
        return self._editorial(rows[0])

    def latest(self, limit: int = 10) -> list[Editorial]:
        """The most recently stored editorials, newest first."""
        rows = self.read("SELECT * FROM editorials ORDER BY stored_at DESC, id LIMIT ?", (limit,))
        return [self._editorial(row) for row in rows]

    def count(self) -> int:
        return int(self.read("SELECT COUNT(*) AS n FROM editorials")[0]["n"])

    def vectors(self, editorial_id: str, model: str) -> np.ndarray | None:
        """The sentence vectors stored for an editorial under a model's name, if any."""
        rows = self.read("SELECT dimensions, vectors FROM embeddings WHERE editorial_id = ? AND model = ?",
                         (editorial_id, model))
        if not rows:
            return None
        return np.frombuffer(bytes(rows[0]["vectors"]), dtype=np.float32).reshape(-1, rows[0]["dimensions"])

    def save_vectors(self, editorial_id: str, model: str, vectors: np.ndarray) -> None:
        with self.transaction() as db:
            self._write_vectors(db, editorial_id, model, vectors)

    @staticmethod
    def _write_vectors(db: Any, editorial_id: str, model: str, vectors: np.ndarray) -> None:
        db.execute(
            "INSERT INTO embeddings (editorial_id, model, dimensions, vectors) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (editorial_id, model) DO UPDATE SET dimensions = excluded.dimensions, "
            "vectors = excluded.vectors",
            (editorial_id, model, vectors.shape[1], np.ascontiguousarray(vectors, dtype=np.float32).tobytes()),
        )

    def cached_summary(self, sha256: str, engine: str, settings: str) -> dict[str, Any] | None:
        rows = self.read("SELECT summary FROM summaries WHERE sha256 = ? AND engine = ? AND settings = ?",
                         (sha256, engine, settings))
        return dict(json.loads(rows[0]["summary"])) if rows else None

    def cache_summary(self, sha256: str, engine: str, settings: str, summary: dict[str, Any]) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO summaries (sha256, engine, settings, summary, created_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (sha256, engine, settings) DO UPDATE SET summary = excluded.summary, "
                "created_at = excluded.created_at",
                (sha256, engine, settings, json.dumps(summary), self.clock().isoformat()),
            )

    def remember(self, conversation: str, editorial_id: str) -> None:
        """Make `editorial_id` what follow-up questions in this conversation are about."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO conversations (key, editorial_id, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) "
                "DO UPDATE SET editorial_id = excluded.editorial_id, updated_at = excluded.updated_at",
                (conversation, editorial_id, self.clock().isoformat()),
            )

    def recall(self, conversation: str) -> Editorial | None:
        """The editorial this conversation is about, if one was summarised or asked about in it."""
        rows = self.read("SELECT editorial_id FROM conversations WHERE key = ?", (conversation,))
        return self.get(rows[0]["editorial_id"]) if rows else None

    def audit(self, *, kind: str, engine: str, model: str, version: str, sha256: str | None,
              platform: str | None = None, question: str | None = None, abstained: bool | None = None) -> None:
        """Record who produced a summary or an answer, from which text, and when."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO audit (at, kind, engine, model, version, sha256, platform, question, abstained) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.clock().isoformat(), kind, engine, model, version, sha256, platform, question,
                 None if abstained is None else int(abstained)),
            )

    def audit_log(self, limit: int = 100) -> list[AuditRecord]:
        """The latest audit records, newest first."""
        return [dict(row) for row in self.read("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))]

    def stored_between(self, since: datetime, until: datetime) -> list[Editorial]:
        """Editorials stored in [since, until), oldest first."""
        rows = self.read("SELECT * FROM editorials WHERE stored_at >= ? AND stored_at < ? ORDER BY stored_at, id",
                         (since.isoformat(), until.isoformat()))
        return [self._editorial(row) for row in rows]

    def first_sighting(self, key: str, keep: timedelta = timedelta(days=1)) -> bool:
        """Record a platform event (a Slack event id, a message); True for the one worker that sees it first, False
        for every retry or duplicate delivery within `keep`, on whichever worker it lands."""
        now = self.clock()
        with self.transaction() as db:
            self._sightings += 1
            if self._sightings % 500 == 1:  # keep the table to about a day's events
                db.execute("DELETE FROM sightings WHERE expires_at < ?", (now.isoformat(),))
            fresh = db.execute(
                "INSERT INTO sightings (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
                "expires_at = excluded.expires_at WHERE sightings.expires_at < ?",
                (key, (now + keep).isoformat(), now.isoformat()))
            return fresh.rowcount == 1

    def take_sighting(self, key: str) -> bool:
        """Remove a recorded sighting that has not expired (a one-time token such as an OAuth state); True when
        this caller was the one to take it."""
        with self.transaction() as db:
            return db.execute("DELETE FROM sightings WHERE key = ? AND expires_at >= ?",
                              (key, self.clock().isoformat())).rowcount == 1

    def read(self, sql: str, parameters: Sequence[object] = ()) -> list[Row]:
        """Rows of one query (for the ledgers that share this database)."""
        return self.database.read(sql, parameters)

    def transaction(self) -> AbstractContextManager[Any]:
        """A write transaction, for the ledgers that share this database."""
        return self.database.transaction()

    def _editorial(self, row: Row) -> Editorial:
        sentences = self.read("SELECT text FROM sentences WHERE editorial_id = ? ORDER BY number", (row["id"],))
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
