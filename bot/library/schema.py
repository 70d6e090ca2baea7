"""The store's schema, as numbered migrations, for SQLite and PostgreSQL alike (`bot/library/database.py` translates the
two words they spell differently); `PRAGMA user_version` or the `newsdesk_schema` table records how far a database
has come."""

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
    """
    ALTER TABLE editorials ADD COLUMN corrects TEXT;
    CREATE TABLE feeds (
        url TEXT PRIMARY KEY,
        title TEXT,
        added_at TEXT NOT NULL,
        polled_at TEXT,
        error TEXT
    );
    CREATE TABLE feed_entries (
        feed_url TEXT NOT NULL,
        entry TEXT NOT NULL,
        editorial_id TEXT NOT NULL REFERENCES editorials (id) ON DELETE CASCADE,
        fingerprint TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (feed_url, entry, editorial_id)
    );
    CREATE TABLE subscriptions (
        conversation TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        channel TEXT NOT NULL,
        thread TEXT,
        at TEXT NOT NULL,
        timezone TEXT NOT NULL,
        feed_url TEXT,
        created_at TEXT NOT NULL,
        covered_until TEXT
    );
    CREATE TABLE digest_runs (
        conversation TEXT NOT NULL,
        day TEXT NOT NULL,
        status TEXT NOT NULL,
        since TEXT NOT NULL,
        until TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (conversation, day)
    );
    CREATE TABLE digest_items (
        conversation TEXT NOT NULL,
        editorial_id TEXT NOT NULL REFERENCES editorials (id) ON DELETE CASCADE,
        day TEXT NOT NULL,
        PRIMARY KEY (conversation, editorial_id)
    );
    """,
    """
    CREATE TABLE digest_messages (
        conversation TEXT NOT NULL,
        day TEXT NOT NULL,
        position INTEGER NOT NULL,
        delivered_at TEXT NOT NULL,
        PRIMARY KEY (conversation, day, position)
    );
    """,
    """
    CREATE TABLE sightings (
        key TEXT PRIMARY KEY,
        expires_at TEXT NOT NULL
    );
    CREATE INDEX sightings_expires_at ON sightings (expires_at);
    ALTER TABLE digest_runs ADD COLUMN worker TEXT;
    ALTER TABLE digest_runs ADD COLUMN lease_until TEXT;
    ALTER TABLE feed_entries ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
    """,
    """
    ALTER TABLE subscriptions ADD COLUMN workspace TEXT;
    CREATE TABLE installations (
        key TEXT PRIMARY KEY,
        bot TEXT NOT NULL,
        installer TEXT,
        installed_at TEXT NOT NULL
    );
    """,
)
