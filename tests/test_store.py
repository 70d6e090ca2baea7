"""The store, on SQLite and on a real PostgreSQL server: what it keeps, that it survives a restart, that two
processes can share it, and that a platform event is seen first by one worker only."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from bot.library.schema import MIGRATIONS
from bot.library.store import Store
from bot.reading.editorial import make_editorial

from .rigs.support import SEED


def test_an_editorial_survives_a_restart_with_its_sentences(database: str) -> None:
    store = Store(database)
    saved = store.save(make_editorial(SEED.read_text(), "seed"))
    store.close()
    reopened = Store(database)
    again = reopened.get(saved.id)
    assert again is not None
    assert again.sentences == saved.sentences and again.title == "Security stocktaking"
    assert again.published == saved.published and again.stored_at == saved.stored_at
    assert reopened.schema_version == len(MIGRATIONS)


def test_a_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    Store(tmp_path / "n.db").close()
    with sqlite3.connect(tmp_path / "n.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_from_an_older_release_is_migrated_with_its_editorials(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # a library written by the release with three migrations
        for script in MIGRATIONS[:3]:
            db.executescript(script)
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO editorials (id, sha256, title, source, stored_at) VALUES ('abc', 'abc1', 'Old', 's', "
                   "'2026-01-01T00:00:00+00:00')")
    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    old = store.get("abc")
    assert old is not None and old.title == "Old"


def test_the_same_text_twice_is_one_editorial(database: str) -> None:
    store = Store(database)
    first = store.save(make_editorial(SEED.read_text(), "seed"))
    second = store.save(make_editorial(SEED.read_text().replace("\n\n", "\n\n\n"), "pasted text"))
    assert second.id == first.id and second.source == "seed" and store.count() == 1


def test_short_id_prefixes_find_an_editorial_and_ambiguous_ones_do_not(database: str) -> None:
    store = Store(database)
    saved = store.save(make_editorial("The council must act now.", "a"))
    store.save(make_editorial("The mayor should resign today.", "b"))
    found = store.get(saved.id[:5])
    assert found is not None and found.id == saved.id
    assert store.get("") is None and store.get("zzzz") is None


def test_vectors_summaries_conversations_and_audit_round_trip(database: str) -> None:
    store = Store(database)
    saved = store.save(make_editorial("The council must act now. Residents are waiting.", "a"))
    store.save_vectors(saved.id, "mini", np.zeros((2, 3), dtype=np.float32))
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    store.save_vectors(saved.id, "mini", vectors)  # replaces the first
    stored_vectors = store.vectors(saved.id, "mini")
    assert stored_vectors is not None and np.array_equal(stored_vectors, vectors)
    assert store.vectors(saved.id, "other-model") is None
    store.cache_summary(saved.sha256, "extractive", "v1|medium", {"tldr": {"text": "old", "sentence": 2}})
    store.cache_summary(saved.sha256, "extractive", "v1|medium", {"tldr": {"text": "x", "sentence": 1}})
    assert store.cached_summary(saved.sha256, "extractive", "v1|medium") == {"tldr": {"text": "x", "sentence": 1}}
    assert store.cached_summary(saved.sha256, "extractive", "v1|long") is None
    other = store.save(make_editorial("The mayor should resign today.", "b"))
    store.remember("slack:C1:", other.id)
    store.remember("slack:C1:", saved.id)  # the conversation moved on to another editorial
    recalled = store.recall("slack:C1:")
    assert recalled is not None and recalled.id == saved.id and store.recall("slack:C2:") is None
    store.audit(kind="answer", engine="extractive", model="mini", version="v1", sha256=saved.sha256,
                platform="slack", question="Who?", abstained=True)
    record = store.audit_log()[0]
    assert (record["kind"], record["model"], record["sha256"], record["abstained"]) == ("answer", "mini",
                                                                                          saved.sha256, 1)


def test_two_processes_write_to_one_store_at_once(database: str) -> None:
    Store(database).close()
    writer = textwrap.dedent(f"""
        import sys
        from bot.reading.editorial import make_editorial
        from bot.library.store import Store
        store = Store({database!r})
        for n in range(40):
            store.save(make_editorial(f"Writer {{sys.argv[1]}} files editorial number {{n}}.", "w"))
            store.save(make_editorial(f"Both writers file editorial number {{n}}.", "w"))
    """)
    processes = [subprocess.Popen([sys.executable, "-c", writer, name]) for name in ("one", "two")]
    assert [p.wait(timeout=60) for p in processes] == [0, 0]
    assert Store(database).count() == 120  # 40 each, and the 40 they both filed once


def test_an_event_is_seen_first_once_across_workers_until_it_expires(database: str) -> None:
    now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    workers = [Store(database, clock=lambda: now) for _ in range(3)]
    firsts: list[bool] = []
    barrier = threading.Barrier(3)

    def deliver(store: Store) -> None:
        barrier.wait()
        firsts.extend(store.first_sighting(f"event:Ev{n}") for n in range(30))

    threads = [threading.Thread(target=deliver, args=(store,)) for store in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(firsts).count(True) == 30 and len(firsts) == 90  # each event first on exactly one worker
    later = Store(database, clock=lambda: now + timedelta(days=1, minutes=1))
    assert later.first_sighting("event:Ev1") and not later.first_sighting("event:Ev1")  # expired, then seen again


def test_an_editorial_killed_mid_add_is_never_stored_without_its_vectors(tmp_path: Path) -> None:
    """`newsdesk add` killed with SIGKILL between editorials: each one stored is stored whole, vectors included."""
    body = SEED.read_text()
    sources = []
    for n in range(40):
        source = tmp_path / f"editorial-{n}.txt"
        source.write_text(body.replace("Karachi", f"Karachi-{n}"))
        sources.append(str(source))
    database = tmp_path / "killed.db"
    environment = {**os.environ, "NEWSDESK_DB": str(database)}
    for trial in range(3):
        adding = subprocess.Popen([sys.executable, "-m", "bot", "add", *sources], env=environment,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and adding.poll() is None:
            if database.exists() and _count(database) >= 2 * trial + 2:
                break
            time.sleep(0.01)
        adding.kill()
        adding.wait()
        with sqlite3.connect(database) as db:
            unindexed = db.execute("SELECT COUNT(*) FROM editorials WHERE id NOT IN "
                                   "(SELECT editorial_id FROM embeddings)").fetchone()[0]
        assert _count(database) >= 1 and unindexed == 0


def _count(database: Path) -> int:
    try:
        with sqlite3.connect(database, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM editorials").fetchone()[0])
    except sqlite3.OperationalError:  # the schema is not there yet
        return 0
