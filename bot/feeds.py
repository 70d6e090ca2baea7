"""Bring editorials in on their own: RSS and Atom feeds of opinion sections, and a watched inbox folder.

Every entry's article is fetched through the one fetcher (the SSRF guard applies), stored once, and an
entry whose text changed since it was stored is kept as a new version that says which one it corrects.
A feed that is down, slow, not XML or too large is logged and skipped; the others go on.
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser

from bot.errors import BadInput
from bot.ledger import Ledger
from bot.newsdesk import Newsdesk

__all__ = ["FEED_TYPES", "PollReport", "poll_all", "poll_feed", "poll_inbox"]

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
_MAX_ENTRIES = 50
_INBOX_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class PollReport:
    """What one poll of one source brought in."""

    source: str
    added: int = 0
    corrected: int = 0
    failed: int = 0
    error: str | None = None


def poll_all(desk: Newsdesk, progress: Callable[[list[str]], Iterable[str]] = list,
             round_at: datetime | None = None) -> list[PollReport]:
    """Poll every feed (those in settings and those added since) and the inbox folder, once each. Given `round_at`
    (serve's rounds), a feed is fetched by the first worker to reach it in each polling interval: workers sharing
    a store do not all fetch every feed."""
    for url in desk.settings.feeds:
        desk.ledger.add_feed(url)
    urls = [f.url for f in desk.ledger.feeds()]
    if round_at is not None:
        interval = timedelta(minutes=desk.settings.poll_minutes)
        window = int(round_at.timestamp() // interval.total_seconds())
        urls = [url for url in urls if desk.store.first_sighting(f"feeds:{window}:{url}", keep=2 * interval)]
    reports = [poll_feed(desk, desk.ledger, url) for url in progress(urls)]
    if desk.settings.inbox is not None:
        reports.append(poll_inbox(desk, desk.settings.inbox))
    return reports


def poll_feed(desk: Newsdesk, ledger: Ledger, url: str) -> PollReport:
    """Fetch a feed and store its new and changed entries; a broken feed gives a report with an error."""
    try:
        page = desk.reader.fetcher.fetch(url, accept=FEED_TYPES)
    except BadInput as error:
        return _failed(ledger, url, str(error))
    parsed = feedparser.parse(page.data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        return _failed(ledger, url, f"{url} is not an RSS or Atom feed.")
    added = corrected = failed = 0
    for entry in parsed.entries[:_MAX_ENTRIES]:
        link = entry.get("link")
        key = entry.get("id") or link
        if not link or not key:
            continue
        fingerprint = str(entry.get("updated") or entry.get("published") or entry.get("title") or "")
        previous = ledger.latest_version(url, key)
        if previous is not None and previous.fingerprint == fingerprint:
            continue
        try:
            editorial = desk.reader.from_link(link)
        except BadInput as error:
            failed += 1
            log.warning("feed %s: entry %s skipped: %s", url, link, error)
            continue
        if editorial.published is None:
            editorial = replace(editorial, published=_entry_date(entry))
        if previous is not None and previous.sha256 == editorial.sha256:
            ledger.record_entry(url, key, previous.editorial_id, fingerprint)
            continue
        if previous is not None:
            editorial = replace(editorial, corrects=previous.editorial_id)
        stored = desk.add(editorial)
        ledger.record_entry(url, key, stored.id, fingerprint)
        corrected += previous is not None
        added += previous is None
    ledger.polled(url, parsed.feed.get("title"), None)
    log.info("feed %s: %d new, %d corrected, %d failed", url, added, corrected, failed)
    return PollReport(url, added=added, corrected=corrected, failed=failed)


def poll_inbox(desk: Newsdesk, folder: Path) -> PollReport:
    """Store every readable file in the inbox folder (each text once, however often it is dropped there)."""
    if not folder.is_dir():
        return PollReport(str(folder), error=f"The inbox folder {folder} does not exist.")
    before = desk.store.count()
    failed = 0
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in _INBOX_TYPES or not path.is_file():
            continue
        try:
            desk.add(desk.reader.from_source(str(path)))
        except BadInput as error:
            failed += 1
            log.warning("inbox file %s skipped: %s", path.name, error)
    return PollReport(str(folder), added=desk.store.count() - before, failed=failed)


def _failed(ledger: Ledger, url: str, error: str) -> PollReport:
    log.warning("feed %s skipped: %s", url, error)
    ledger.polled(url, None, error)
    return PollReport(url, error=error)


def _entry_date(entry: Any) -> date | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC).date() if stamp else None
