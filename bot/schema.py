"""The store's schema, as numbered migrations; `PRAGMA user_version` records how far a file has come."""

from __future__ import annotations

__all__ = ["MIGRATIONS"]

# Append only: a released migration never changes, a new one goes at the end.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE editorials (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        source TEXT NOT NULL,
        published TEXT,
        byline TEXT,
        stored_at TEXT NOT NULL
    );
    CREATE INDEX editorials_stored_at ON editorials (stored_at);
    CREATE TABLE sentences (
        editorial_id TEXT NOT NULL REFERENCES editorials (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        text TEXT NOT NULL,
        PRIMARY KEY (editorial_id, number)
    );
    CREATE TABLE embeddings (
        editorial_id TEXT NOT NULL REFERENCES editorials (id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        dimensions INTEGER NOT NULL,
        vectors BLOB NOT NULL,
        PRIMARY KEY (editorial_id, model)
    );
    CREATE TABLE summaries (
        sha256 TEXT NOT NULL,
        engine TEXT NOT NULL,
        settings TEXT NOT NULL,
        summary TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (sha256, engine, settings)
    );
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        engine TEXT NOT NULL,
        model TEXT NOT NULL,
        version TEXT NOT NULL,
        sha256 TEXT,
        platform TEXT,
        question TEXT,
        abstained INTEGER
    );
    CREATE TABLE conversations (
        key TEXT PRIMARY KEY,
        editorial_id TEXT NOT NULL REFERENCES editorials (id) ON DELETE CASCADE,
        updated_at TEXT NOT NULL
    );
    """,
)
