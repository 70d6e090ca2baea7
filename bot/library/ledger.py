"""The digest ledger: feeds, which entries became which editorials, subscriptions, and digest runs.

It shares the store's database. Runs are what make digests exactly-once: a run is claimed (recorded) by one worker
before a digest is sent, each of its messages is recorded as it is delivered, and the run is marked sent after.
A claim is a lease: its worker renews it before each message, and a run whose worker died (its lease lapsed) is
taken over by the next worker that finds it due, which resumes after the last delivered message; no day is sent twice.
A worker's default name is the same after a restart, so a machine that was killed resumes its own claims at once.
"""

from __future__ import annotations

import hashlib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.library.store import Store
from bot.reading.fetcher import without_credentials

__all__ = ["EntryVersion", "Feed", "Ledger", "Run", "Subscription", "this_worker"]

RunStatus = Literal["claimed", "sent", "empty"]


@dataclass(frozen=True)
class Feed:
    url: str
    title: str | None
    polled_at: datetime | None
    error: str | None


@dataclass(frozen=True)
class EntryVersion:
    """The last stored version of a feed entry: its editorial, text hash and the feed's own change marker."""

    editorial_id: str
    sha256: str
    fingerprint: str


@dataclass(frozen=True)
class Subscription:
    """A channel's standing order: a digest every day at `at` (HH:MM) in `timezone`, optionally one feed only."""

    conversation: str
    platform: str
    channel: str
    thread: str | None
    at: str
    timezone: str
    feed_url: str | None
    created_at: datetime
    covered_until: datetime | None
    workspace: str | None = None  # the Slack workspace whose token posts it, when there are several


@dataclass(frozen=True)
class Run:
    """One channel's digest for one day. `resumed`: claimed before and never finished (newsdesk stopped mid-way),
    so some of its messages may already be in the channel."""

    conversation: str
    day: str
    status: RunStatus
    since: datetime
    until: datetime
    resumed: bool = False
    claimed_at: datetime | None = None  # when this worker claimed it, on the round's clock

    @property
    def key(self) -> str:
        """A short, stable name for this run, which the platforms carry on its messages to spot a repeat."""
        return hashlib.sha256(f"{self.conversation}|{self.day}".encode()).hexdigest()[:16]


def this_worker(library: str) -> str:
    """This worker's default name in claims and logs: the host and a short hash of the library's address (a file's
    path, a server's URL without its password). It stays the same across restarts, so a machine killed mid-digest
    resumes its own claim at once instead of waiting out the lease; several workers on one library each set
    NEWSDESK_WORKER.

    Example:
        this_worker("/var/lib/newsdesk/newsdesk.db")  ->  "web-1:3f2a9c1e"
    """
    return f"{socket.gethostname()}:{hashlib.sha256(library.encode()).hexdigest()[:8]}"


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class Ledger:
    """Digest bookkeeping on top of a `Store`.

    Example:
        ledger = Ledger(desk.store, worker="web-2", lease=timedelta(minutes=10))
        ledger.subscribe(Subscription(...))
        run = ledger.claim("slack:C1:", "2026-11-25", since, now)   # None when sent, or another worker has it
    """

    def __init__(self, store: Store, worker: str | None = None, lease: timedelta = timedelta(minutes=10)) -> None:
        self.store = store
        self.worker = worker or this_worker(store.database.address)
        self.lease = lease

    def add_feed(self, url: str) -> bool:
        """Add a feed (never its user name or password); False when it was already there."""
        url = without_credentials(url)
        with self.store.transaction() as db:
            added = db.execute("INSERT INTO feeds (url, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                               (url, self.store.clock().isoformat()))
            return added.rowcount == 1

    def remove_feed(self, url: str) -> bool:
        url = without_credentials(url)
        with self.store.transaction() as db:
            return db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 1

    def feeds(self) -> list[Feed]:
        rows = self.store.read("SELECT * FROM feeds ORDER BY added_at, url")
        return [Feed(r["url"], r["title"], _time(r["polled_at"]), r["error"]) for r in rows]

    def polled(self, url: str, title: str | None, error: str | None) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE feeds SET polled_at = ?, title = COALESCE(?, title), error = ? WHERE url = ?",
                       (self.store.clock().isoformat(), title, error, url))

    def latest_version(self, feed_url: str, entry: str) -> EntryVersion | None:
        """The newest stored version of a feed entry, if it was seen before."""
        rows = self.store.read(
            "SELECT e.id, e.sha256, f.fingerprint FROM feed_entries f JOIN editorials e ON e.id = f.editorial_id "
            "WHERE f.feed_url = ? AND f.entry = ? ORDER BY f.revision DESC, f.seen_at DESC LIMIT 1", (feed_url, entry))
        return EntryVersion(rows[0]["id"], rows[0]["sha256"], rows[0]["fingerprint"]) if rows else None

    def record_entry(self, feed_url: str, entry: str, editorial_id: str, fingerprint: str) -> None:
        with self.store.transaction() as db:
            db.execute("INSERT INTO feed_entries (feed_url, entry, editorial_id, fingerprint, seen_at, revision) "
                       "VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(revision), 0) + 1 FROM feed_entries "
                       "WHERE feed_url = ? AND entry = ?)) ON CONFLICT (feed_url, entry, editorial_id) DO UPDATE SET "
                       "fingerprint = excluded.fingerprint, seen_at = excluded.seen_at, revision = excluded.revision",
                       (feed_url, entry, editorial_id, fingerprint, self.store.clock().isoformat(), feed_url, entry))

    def from_feed(self, feed_url: str) -> set[str]:
        """Ids of the editorials that came from one feed."""
        return {r["editorial_id"] for r in self.store.read(
            "SELECT editorial_id FROM feed_entries WHERE feed_url = ?", (feed_url,))}

    def subscribe(self, subscription: Subscription) -> None:
        with self.store.transaction() as db:
            db.execute(  # a changed order keeps what earlier digests covered
                "INSERT INTO subscriptions (conversation, platform, channel, thread, at, timezone, feed_url, "
                "created_at, workspace) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation) DO UPDATE SET "
                "platform = excluded.platform, channel = excluded.channel, thread = excluded.thread, at = excluded.at, "
                "timezone = excluded.timezone, feed_url = excluded.feed_url, created_at = excluded.created_at, "
                "workspace = excluded.workspace",
                (subscription.conversation, subscription.platform, subscription.channel, subscription.thread,
                 subscription.at, subscription.timezone, subscription.feed_url, subscription.created_at.isoformat(),
                 subscription.workspace),
            )

    def unsubscribe(self, conversation: str) -> bool:
        with self.store.transaction() as db:
            return db.execute("DELETE FROM subscriptions WHERE conversation = ?", (conversation,)).rowcount == 1

    def unsubscribe_workspace(self, platform: str, workspace: str) -> int:
        """End every subscription of a workspace the bot was removed from; how many there were."""
        with self.store.transaction() as db:
            return int(db.execute("DELETE FROM subscriptions WHERE platform = ? AND workspace = ?",
                                  (platform, workspace)).rowcount)

    def subscriptions(self) -> list[Subscription]:
        rows = self.store.read("SELECT * FROM subscriptions ORDER BY conversation")
        return [Subscription(r["conversation"], r["platform"], r["channel"], r["thread"], r["at"], r["timezone"],
                             r["feed_url"], datetime.fromisoformat(r["created_at"]), _time(r["covered_until"]),
                             r["workspace"])
                for r in rows]

    def subscription(self, conversation: str) -> Subscription | None:
        return next((s for s in self.subscriptions() if s.conversation == conversation), None)

    def claim(self, conversation: str, day: str, since: datetime, now: datetime) -> Run | None:
        """Claim the day's digest for this worker until `now` + the lease. A run claimed before and never finished
        is taken over (resumed) when it was this worker's (before a restart), its lease has lapsed (its worker died)
        or its retry time has come (it was released after a failure). None when the day's digest was sent or found
        empty, another live worker is sending it, or its retry is not due yet."""
        lease_until = (now + self.lease).isoformat()
        with self.store.transaction() as db:
            added = db.execute(
                "INSERT INTO digest_runs (conversation, day, status, since, until, claimed_at, worker, lease_until) "
                "VALUES (?, ?, 'claimed', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (conversation, day, since.isoformat(), now.isoformat(), now.isoformat(), self.worker, lease_until))
            if added.rowcount == 1:
                return Run(conversation, day, "claimed", since, now, claimed_at=now)
            taken = db.execute(  # a released run has no worker, and may wait until its lease_until (a retry)
                "UPDATE digest_runs SET worker = ?, lease_until = ? WHERE conversation = ? AND day = ? "
                "AND status = 'claimed' AND (worker = ? OR lease_until IS NULL OR lease_until <= ?)",
                (self.worker, lease_until, conversation, day, self.worker, now.isoformat()))
            if taken.rowcount != 1:
                return None
            row = db.execute("SELECT since, until FROM digest_runs WHERE conversation = ? AND day = ?",
                             (conversation, day)).fetchone()
        return Run(conversation, day, "claimed", datetime.fromisoformat(row["since"]),
                   datetime.fromisoformat(row["until"]), resumed=True, claimed_at=now)

    def hold(self, run: Run, now: datetime) -> bool:
        """Renew this worker's claim on a run before its next message; False when the claim was lost (this worker
        stalled past its lease and another took the run over), and nothing more may be sent."""
        with self.store.transaction() as db:
            renewed = db.execute(
                "UPDATE digest_runs SET lease_until = ? WHERE conversation = ? AND day = ? AND worker = ? "
                "AND status = 'claimed'", ((now + self.lease).isoformat(), run.conversation, run.day, self.worker))
            return renewed.rowcount == 1

    def release(self, run: Run, retry_at: datetime | None = None) -> None:
        """Let any worker resume a run this one could not finish: at once, or from `retry_at` (after a failure, so a
        broken channel is not tried every round by every worker)."""
        with self.store.transaction() as db:
            db.execute("UPDATE digest_runs SET worker = NULL, lease_until = ? WHERE conversation = ? AND day = ? "
                       "AND worker = ? AND status = 'claimed'",
                       (retry_at.isoformat() if retry_at else None, run.conversation, run.day, self.worker))

    def delivered(self, run: Run) -> set[int]:
        """The positions of the run's messages known to have reached the channel."""
        return {r["position"] for r in self.store.read(
            "SELECT position FROM digest_messages WHERE conversation = ? AND day = ?", (run.conversation, run.day))}

    def deliver(self, run: Run, position: int) -> None:
        """Record that the run's message at `position` reached the channel, as soon as it did."""
        with self.store.transaction() as db:
            db.execute("INSERT INTO digest_messages (conversation, day, position, delivered_at) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       (run.conversation, run.day, position, self.store.clock().isoformat()))

    def finish(self, run: Run, editorial_ids: list[str]) -> None:
        """Mark a claimed run sent (or empty), and remember what it carried so no digest repeats it."""
        status = "sent" if editorial_ids else "empty"
        with self.store.transaction() as db:
            db.execute("UPDATE digest_runs SET status = ?, finished_at = ? WHERE conversation = ? AND day = ?",
                       (status, self.store.clock().isoformat(), run.conversation, run.day))
            db.executemany("INSERT INTO digest_items (conversation, editorial_id, day) "
                           "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           [(run.conversation, e, run.day) for e in editorial_ids])
            db.execute("UPDATE subscriptions SET covered_until = ? WHERE conversation = ?",
                       (run.until.isoformat(), run.conversation))

    def runs(self, conversation: str, limit: int = 5) -> list[Run]:
        rows = self.store.read("SELECT * FROM digest_runs WHERE conversation = ? ORDER BY day DESC LIMIT ?",
                               (conversation, limit))
        return [Run(r["conversation"], r["day"], r["status"], datetime.fromisoformat(r["since"]),
                    datetime.fromisoformat(r["until"])) for r in rows]

    def already_sent(self, conversation: str) -> set[str]:
        return {r["editorial_id"] for r in self.store.read(
            "SELECT editorial_id FROM digest_items WHERE conversation = ?", (conversation,))}
