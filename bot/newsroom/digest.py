"""The daily digest: the day's editorials, summarised, for each channel that subscribed, exactly once.

Each channel's digest succeeds or fails on its own: a channel that cannot be posted to is tried again later, less and
less often, while the others go out on time.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.library.ledger import Ledger, Run, Subscription
from bot.library.store import Store
from bot.messages import Reply
from bot.newsroom.render import summary_text
from bot.newsroom.schedule import due_day
from bot.reading.editorial import Editorial
from bot.settings import Settings
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


class Summarizer(Protocol):
    """Summarises one editorial for a digest (the desk's `summarize`: cached, audited)."""

    def __call__(self, editorial: Editorial, length: str = ..., platform: str | None = ...) -> Summary: ...


class DigestDesk:
    """Build digests and deliver the due ones through whatever posts to the platforms. Built by the desk from its
    parts (`desk.digests`), never the other way round.

    Example:
        digests = DigestDesk(desk.store, desk.ledger, desk.summarize, desk.settings)
        digests.deliver_due(now=datetime.now(UTC), post=console_poster)
    """

    def __init__(self, store: Store, ledger: Ledger, summarize: Summarizer, settings: Settings) -> None:
        self.store = store
        self.ledger = ledger
        self.summarize = summarize
        self.settings = settings
        self.catch_up = timedelta(hours=settings.catch_up_hours)
        self._failures: dict[str, int] = {}  # this worker's failed tries in a row, by conversation

    def compose(self, since: datetime, until: datetime, conversation: str | None = None,
                feed_url: str | None = None) -> Digest:
        """The editorials stored in [since, until) (published no earlier than the day before `since`), not yet
        sent to this conversation, optionally only one feed's."""
        chosen = self._chosen(since, until, conversation, feed_url)
        return Digest(since, until, tuple(self.summarize(e, "short", platform="digest") for e in chosen))

    def _chosen(self, since: datetime, until: datetime, conversation: str | None,
                feed_url: str | None) -> list[Editorial]:
        sent = self.ledger.already_sent(conversation) if conversation else set()
        from_feed = self.ledger.from_feed(feed_url) if feed_url else None
        earliest = (since - timedelta(days=1)).date()
        return [e for e in self.store.stored_between(since, until)
                if e.id not in sent and (from_feed is None or e.id in from_feed)
                and (e.published is None or e.published >= earliest)]

    def window_start(self, subscription: Subscription) -> datetime:
        return subscription.covered_until or subscription.created_at - timedelta(days=1)

    def deliver_due(self, now: datetime, post: Poster, *, settled: bool = True) -> int:
        """Send every digest due at `now`, each channel once a day; return how many were posted. A channel whose
        digest fails is logged (a warning the first time, a line when it recovers) and tried again after a backoff;
        the others are delivered all the same. `settled=False` (serve's first poll is still running): a digest with
        nothing in it yet waits for the next round rather than being recorded as empty."""
        posted = 0
        for subscription in self.ledger.subscriptions():
            try:
                posted += self._deliver(subscription, now, post, settled)
            except Exception as error:  # no one channel's failure stops the others
                self._failed(subscription, None, now, error)
        return posted

    def _deliver(self, subscription: Subscription, now: datetime, post: Poster, settled: bool) -> int:
        day = due_day(subscription.at, subscription.timezone, now, self.catch_up)
        if day is None:
            return 0
        since = self.window_start(subscription)
        if not settled and not self._chosen(since, now, subscription.conversation, subscription.feed_url):
            return 0
        run = self.ledger.claim(subscription.conversation, day, since, now)
        if run is None:
            return 0
        try:
            posted = self._send(subscription, run, post)
        except Exception as error:
            self._failed(subscription, run, now, error)
            return 0
        except BaseException:
            self.ledger.release(run)  # stopping: whoever runs next resumes it at once
            raise
        failures = self._failures.pop(subscription.conversation, 0)
        if failures:
            log.info("digest for %s on %s went out after %d failed %s", subscription.conversation, run.day, failures,
                     "try" if failures == 1 else "tries")
        return posted

    def _failed(self, subscription: Subscription, run: Run | None, now: datetime, error: Exception) -> None:
        """Let the run go until the backoff is over (1, 2, 4... minutes, capped) and say so once, not every round."""
        failures = self._failures[subscription.conversation] = self._failures.get(subscription.conversation, 0) + 1
        settings = self.settings
        wait = timedelta(minutes=min(settings.digest_retry_minutes * 2 ** min(failures - 1, 30),
                                     settings.digest_retry_max_minutes))
        try:
            if run is not None:
                self.ledger.release(run, retry_at=now + wait)
        except Exception:
            log.exception("digest for %s on %s could not be released", subscription.conversation, run and run.day)
        reason = _reason(error)
        if failures == 1:
            log.warning("digest for %s could not be posted (%s); it is tried again in %s, then less often until it "
                        "goes out, and the other channels are not held up", subscription.conversation, reason,
                        _minutes(wait))
        else:
            log.debug("digest for %s failed again (%d tries in a row: %s); next try in %s",
                      subscription.conversation, failures, reason, _minutes(wait))
        log.debug("digest for %s failed", subscription.conversation, exc_info=error)

    def _send(self, subscription: Subscription, run: Run, post: Poster) -> int:
        """Post the run's messages in order, each recorded as delivered; a resumed run starts after the last one.
        The claim is renewed before each message: a worker that lost it stops, and one that fails lets it go."""
        started = time.monotonic()
        digest = self.compose(run.since, run.until, subscription.conversation, subscription.feed_url)
        if digest.summaries:
            delivered = self.ledger.delivered(run) if run.resumed else set()
            check = run.resumed
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
        self.ledger.finish(run, [s.editorial.id for s in digest.summaries])
        log.info("digest for %s on %s: %d editorials", subscription.conversation, run.day, len(digest.summaries))
        return 1 if digest.summaries else 0


def _minutes(wait: timedelta) -> str:
    minutes = wait.total_seconds() / 60
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def _reason(error: Exception) -> str:
    """One line on why: the platform's own error code when it gave one (Slack's not_in_channel), else the message."""
    lookup = getattr(getattr(error, "response", None), "get", None)
    code = lookup("error") if callable(lookup) else None
    text = str(code) if code else (str(error).splitlines() or [""])[0][:300]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
