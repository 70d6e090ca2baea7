"""The daily digest: the day's editorials, summarised, for each channel that subscribed, exactly once."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.ledger import Ledger, Run, Subscription
from bot.messages import Reply
from bot.newsdesk import Newsdesk
from bot.render import summary_text
from bot.schedule import due_day
from bot.summary import Summary

__all__ = ["Digest", "DigestDesk", "Poster"]

log = logging.getLogger(__name__)

class Poster(Protocol):
    """Posts one digest message to the channel that subscribed. `key` names it (stable across restarts) so the
    platform can tell whether it went out already; `check` asks it to look first, as it must for the first message
    after a restart: the last one may have reached the channel just before newsdesk stopped."""

    def __call__(self, subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None: ...


@dataclass(frozen=True)
class Digest:
    """The editorials of one window, each summarised; `updated` holds the ids of corrected versions."""

    since: datetime
    until: datetime
    summaries: tuple[Summary, ...]

    def to_json(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(),
                "editorials": [s.to_json() | {"updated": s.editorial.corrects is not None} for s in self.summaries]}

    def replies(self) -> list[Reply]:
        """One header, then one message per editorial: platforms split long digests this way, never cut."""
        if not self.summaries:
            return [Reply(text="No new editorials since the last digest.")]
        count = len(self.summaries)
        header = Reply(text=f"Today's editorials: {count} new since {self.since:%d %b %H:%M} UTC.")
        items = []
        for summary in self.summaries:
            flag = "Updated: a corrected version of an editorial in an earlier digest.\n" \
                if summary.editorial.corrects else ""
            link = f"\n{summary.editorial.source}" if summary.editorial.source.startswith("http") else ""
            items.append(Reply(text=flag + summary_text(summary) + link, summary=summary))
        return [header, *items]


class DigestDesk:
    """Build digests and deliver the due ones through whatever posts to the platforms.

    Example:
        digests = DigestDesk(desk, Ledger(desk.store), catch_up=timedelta(hours=6))
        digests.deliver_due(now=datetime.now(UTC), post=console_poster)
    """

    def __init__(self, desk: Newsdesk, ledger: Ledger, catch_up: timedelta) -> None:
        self.desk = desk
        self.ledger = ledger
        self.catch_up = catch_up

    def compose(self, since: datetime, until: datetime, conversation: str | None = None,
                feed_url: str | None = None) -> Digest:
        """The editorials stored in [since, until) (published no earlier than the day before `since`), not yet
        sent to this conversation, optionally only one feed's."""
        sent = self.ledger.already_sent(conversation) if conversation else set()
        from_feed = self.ledger.from_feed(feed_url) if feed_url else None
        earliest = (since - timedelta(days=1)).date()
        chosen = [e for e in self.desk.store.stored_between(since, until)
                  if e.id not in sent and (from_feed is None or e.id in from_feed)
                  and (e.published is None or e.published >= earliest)]
        return Digest(since, until, tuple(self.desk.summarize(e, "short", platform="digest") for e in chosen))

    def window_start(self, subscription: Subscription) -> datetime:
        return subscription.covered_until or subscription.created_at - timedelta(days=1)

    def deliver_due(self, now: datetime, post: Poster) -> int:
        """Send every digest due at `now`, each channel once a day; return how many were posted."""
        posted = 0
        for subscription in self.ledger.subscriptions():
            day = due_day(subscription.at, subscription.timezone, now, self.catch_up)
            if day is None:
                continue
            run = self.ledger.claim(subscription.conversation, day, self.window_start(subscription), now)
            if run is not None:
                posted += self._send(subscription, run, post)
        return posted

    def _send(self, subscription: Subscription, run: Run, post: Poster) -> int:
        """Post the run's messages in order, each recorded as delivered; a resumed run starts after the last one.
        The claim is renewed before each message: a worker that lost it stops, and one that fails lets it go."""
        started = time.monotonic()
        digest = self.compose(run.since, run.until, subscription.conversation, subscription.feed_url)
        if digest.summaries:
            delivered = self.ledger.delivered(run) if run.resumed else set()
            check = run.resumed
            try:
                for position, reply in enumerate(digest.replies()):
                    if position in delivered:
                        continue
                    # on the claim's own timeline: the round's `now`, moved on by the time spent since
                    moment = (run.claimed_at or run.until) + timedelta(seconds=time.monotonic() - started)
                    if not self.ledger.hold(run, moment):
                        log.warning("digest for %s on %s was taken over by another worker; this one stops",
                                    subscription.conversation, run.day)
                        return 0
                    post(subscription, reply, key=f"{run.key}.{position}", check=check)
                    self.ledger.deliver(run, position)
                    check = False
            except BaseException:
                self.ledger.release(run)
                raise
        self.ledger.finish(run, [s.editorial.id for s in digest.summaries])
        log.info("digest for %s on %s: %d editorials", subscription.conversation, run.day, len(digest.summaries))
        return 1 if digest.summaries else 0
