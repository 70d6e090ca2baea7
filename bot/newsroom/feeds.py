"""Bring editorials in on their own: RSS and Atom feeds of opinion sections, and a watched inbox folder.

Every entry's article is fetched through the one fetcher (the SSRF guard applies), stored once, and an entry whose text
changed since it was stored is kept as a new version that says which one it corrects. A feed's entries are fetched a
few at once (at most `poll_per_host` from one site) within one time budget for the whole round; what is not fetched
within it is left for the next round. Storing stays in the polling thread. A feed that is down, slow, not XML or too
large, and an entry or inbox file that cannot be read (whatever the reason), is logged and skipped; the others go on.
"""

from __future__ import annotations

import calendar
import logging
import os
import stat
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser

from bot.errors import BadInput
from bot.library.ledger import Ledger
from bot.messages import Attachment
from bot.newsroom.desk import Newsdesk
from bot.newsroom.fetch_round import FetchRound, Late
from bot.reading.cleaning import printable

__all__ = ["FEED_TYPES", "FetchRound", "PollReport", "poll_all", "poll_feed", "poll_inbox"]

log = logging.getLogger(__name__)

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")
_MAX_ENTRIES = 50
_INBOX_TYPES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class PollReport:
    """What one poll of one source brought in; `left`: entries not fetched within the round's time budget."""

    source: str
    added: int = 0
    corrected: int = 0
    failed: int = 0
    error: str | None = None
    left: int = 0


def poll_all(desk: Newsdesk, progress: Callable[[list[str]], Iterable[str]] = list,
             round_at: datetime | None = None, stop: threading.Event | None = None) -> list[PollReport]:
    """Poll every feed (those in settings and those added since) and the inbox folder, once each. Given `round_at`
    (serve's rounds), a feed is fetched by the first worker to reach it in each polling interval: workers sharing
    a store do not all fetch every feed. Nothing one feed or file does stops the others."""
    for url in desk.settings.feeds:
        desk.ledger.add_feed(url)
    urls = [f.url for f in desk.ledger.feeds()]
    if round_at is not None:
        interval = timedelta(minutes=desk.settings.poll_minutes)
        window = int(round_at.timestamp() // interval.total_seconds())
        urls = [url for url in urls if desk.store.first_sighting(f"feeds:{window}:{url}", keep=2 * interval)]
    settings = desk.settings
    reports = []
    with _fetch_round(desk, stop) as fetching:
        for url in progress(urls):
            if fetching.left() <= 0:
                log.warning("feed %s left for the next round: this round's %g s for fetching ran out", url,
                            settings.poll_budget_seconds)
                reports.append(PollReport(url, error="left for the next round (the round's time ran out)"))
                continue
            try:
                reports.append(poll_feed(desk, desk.ledger, url, fetching))
            except Exception as error:
                log.exception("feed %s skipped: it could not be polled", url)
                reports.append(PollReport(url, error=f"it could not be polled ({type(error).__name__})"))
    if desk.settings.inbox is not None:
        try:
            reports.append(poll_inbox(desk, desk.settings.inbox, stop))
        except Exception as error:
            log.exception("the inbox folder %s could not be read", desk.settings.inbox)
            reports.append(PollReport(str(desk.settings.inbox), error=f"it could not be read ({error})"))
    return reports


def poll_feed(desk: Newsdesk, ledger: Ledger, url: str, fetching: FetchRound | None = None) -> PollReport:
    """Fetch a feed and store its new and changed entries; a broken feed gives a report with an error. Its entries
    are fetched through `fetching` (a round of its own when none is given)."""
    if fetching is None:
        with _fetch_round(desk) as own:
            return poll_feed(desk, ledger, url, own)
    try:
        page = desk.reader.fetcher.fetch(url, accept=FEED_TYPES)
    except BadInput as error:
        return _failed(ledger, url, str(error))
    parsed = feedparser.parse(page.data)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        return _failed(ledger, url, f"{url} is not an RSS or Atom feed.")
    wanted = []
    added = corrected = failed = left = 0
    for entry in parsed.entries[:_MAX_ENTRIES]:
        try:
            link, key = entry.get("link"), entry.get("id") or entry.get("link")
            if not link or not key:
                continue
            fingerprint = str(entry.get("updated") or entry.get("published") or entry.get("title") or "")
            previous = ledger.latest_version(url, key)
        except Exception as error:
            failed += 1
            log.warning("feed %s: an entry was skipped: %s: %s", url, type(error).__name__, error, exc_info=True)
            continue
        if previous is None or previous.fingerprint != fingerprint:
            wanted.append((entry, link, key, fingerprint, previous, fetching.fetch(link, desk.reader.from_link)))
    for entry, link, key, fingerprint, previous, future in wanted:
        try:
            editorial = fetching.result(future)
            if editorial.published is None:
                editorial = replace(editorial, published=_entry_date(entry))
            if previous is not None and previous.sha256 == editorial.sha256:
                ledger.record_entry(url, key, previous.editorial_id, fingerprint)
                continue
            if previous is not None:
                editorial = replace(editorial, corrects=previous.editorial_id)
            stored = desk.add(editorial)
            ledger.record_entry(url, key, stored.id, fingerprint)
        except Late:
            left += 1  # not recorded: the next round fetches it
            log.debug("feed %s: entry %s left for the next round", url, link)
            continue
        except BadInput as error:
            failed += 1
            log.warning("feed %s: entry %s skipped: %s", url, link, error)
            continue
        except Exception as error:  # a hostile or broken entry is one entry lost, never the round
            failed += 1
            log.warning("feed %s: entry %s skipped: %s: %s", url, link, type(error).__name__, error, exc_info=True)
            continue
        corrected += previous is not None
        added += previous is None
    if left:
        log.warning("feed %s: %d entries left for the next round: this round's time for fetching ran out", url, left)
    title = printable(str(parsed.feed.get("title") or "")).strip()  # no terminal escapes in `newsdesk feeds list`
    ledger.polled(url, title or None, None)
    log.info("feed %s: %d new, %d corrected, %d failed, %d left", url, added, corrected, failed, left)
    return PollReport(url, added=added, corrected=corrected, failed=failed, left=left)


def poll_inbox(desk: Newsdesk, folder: Path, stop: threading.Event | None = None) -> PollReport:
    """Store every readable file in the inbox folder (each text once, however often it is dropped there), until
    `stop`. Only regular files really in the folder are read: a symbolic link, a device, a pipe or a file with other
    names (hard links) elsewhere is skipped and named in the log, and so is a file that cannot be read at all."""
    try:
        directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        return PollReport(str(folder), error=f"The inbox folder {folder} does not exist.")
    except OSError as error:
        return PollReport(str(folder), error=f"The inbox folder {folder} cannot be read: {error.strerror}.")
    before = desk.store.count()
    failed = 0
    try:
        for name in sorted(os.listdir(directory)):
            if stop is not None and stop.is_set():
                break
            try:
                data = _inbox_file(directory, name, desk.reader.max_bytes)
                if data is not None:
                    desk.add(desk.reader.from_attachment(Attachment(name=str(folder / name), data=data)))
            except BadInput as error:
                failed += 1
                log.warning("inbox file %s skipped: %s", _shown(name), error)
            except Exception as error:
                failed += 1
                log.warning("inbox file %s skipped: %s: %s", _shown(name), type(error).__name__, error, exc_info=True)
    finally:
        os.close(directory)
    return PollReport(str(folder), added=desk.store.count() - before, failed=failed)


def _inbox_file(directory: int, name: str, max_bytes: int) -> bytes | None:
    """The bytes of one inbox entry, or None for an entry that is not an editorial's file (a subfolder, a photo).
    The entry is opened without following links and checked again once open, so it cannot be swapped in between."""
    found = os.stat(name, dir_fd=directory, follow_symlinks=False)
    if stat.S_ISDIR(found.st_mode):
        return None
    if not stat.S_ISREG(found.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(found.st_mode) else "not a regular file (a device or a pipe)"
        raise BadInput(f"it is {kind}: the inbox reads only files in its own folder.")
    if Path(name).suffix.lower() not in _INBOX_TYPES:
        log.debug("inbox file %s skipped: not a type newsdesk reads", _shown(name))
        return None
    descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY, dir_fd=directory)
    with os.fdopen(descriptor, "rb") as file:
        opened = os.fstat(file.fileno())
        if (opened.st_dev, opened.st_ino) != (found.st_dev, found.st_ino) or not stat.S_ISREG(opened.st_mode):
            raise BadInput("it changed while it was being opened.")
        if opened.st_nlink != 1:
            raise BadInput("it has other names (hard links) outside the inbox: copy the file in instead.")
        return file.read(max_bytes + 1)  # one byte over is enough for the reader to refuse it as too large


def _fetch_round(desk: Newsdesk, stop: threading.Event | None = None) -> FetchRound:
    settings = desk.settings
    return FetchRound(threads=settings.poll_threads, per_host=settings.poll_per_host,
                      budget=settings.poll_budget_seconds, stop=stop)


def _shown(name: str) -> str:
    """A file name as the log shows it: no terminal escapes, nothing undecodable."""
    return repr(printable(name))


def _failed(ledger: Ledger, url: str, error: str) -> PollReport:
    log.warning("feed %s skipped: %s", url, error)
    ledger.polled(url, None, error)
    return PollReport(url, error=error)


def _entry_date(entry: Any) -> date | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(stamp), UTC).date() if stamp else None
