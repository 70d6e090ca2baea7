"""serve's polling rounds under strain: a slow site never holds up a digest, a feed's entries are fetched a few at once
within a time budget, and a hostile feed entry stops nothing. Feeds are loopback web servers. Digest delivery per
channel is in test_digest_delivery.py, SIGTERM in test_serve_signals.py."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from adapters.serve import newsroom_rounds
from bot import Newsdesk, Reply, Settings, build_newsdesk
from bot.library.ledger import Subscription
from bot.models.embedder import Embedder
from bot.newsroom.feeds import FetchRound, poll_feed

from .rigs.support import Loopback, send
from .test_digest import Clock, article
from .test_workers import DUE, FERRY, SUBSCRIBED, WATER


def rss(items: list[tuple[str, str]]) -> bytes:
    """A feed of (link, pubDate) items."""
    entries = "".join(f"<item><title>{link.rsplit('/', 1)[-1]}</title><link>{link}</link><guid>{link}</guid>"
                      f"<pubDate>{date}</pubDate></item>" for link, date in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Opinion</title>{entries}'
            f"</channel></rss>").encode()


def subscription(channel: str, platform: str = "test") -> Subscription:
    return Subscription(f"{platform}:{channel}:", platform, channel, None, "07:30", "Asia/Karachi", None, SUBSCRIBED,
                        None)


@pytest.fixture
def clock() -> Clock:
    return Clock(SUBSCRIBED)


def newsroom(tmp_path: Path, embedder: Embedder, clock: Clock, **fields: Any) -> Newsdesk:
    return build_newsdesk(Settings(db_path=tmp_path / "rounds.db", allow_private_urls=True, **fields), clock=clock,
                          embedder=embedder)


class Gate:
    """What loopback sites share: how many requests they hold at once (per Host header and in `all`), the highest
    counts seen, and `open`, which held pages wait for (at most `hold` seconds); it opens by itself once `open_at`
    requests are held at once."""

    def __init__(self, open_at: int | None = None, hold: float = 60.0) -> None:
        self.open_at = open_at
        self.hold = hold
        self.open = threading.Event()
        self.busy: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.arrived: dict[str, threading.Event] = {}

    def arrival(self, path: str) -> threading.Event:
        with self.lock:
            return self.arrived.setdefault(path, threading.Event())

    def enter(self, host: str, path: str) -> None:
        with self.lock:
            for key in (host, "all"):
                self.busy[key] += 1
                self.peak[key] = max(self.peak[key], self.busy[key])
            if self.open_at is not None and self.busy["all"] >= self.open_at:
                self.open.set()
        self.arrival(path).set()

    def leave(self, host: str) -> None:
        with self.lock:
            self.busy[host] -= 1
            self.busy["all"] -= 1


class Held:
    """A loopback site on `address` serving `pages`; those in `held` answer only once the gate is open."""

    def __init__(self, address: str = "127.0.0.1", gate: Gate | None = None) -> None:
        self.pages: dict[str, bytes] = {}
        self.held: set[str] = set()
        self.gate = gate or Gate()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host = self.headers.get("Host", "").split(":")[0]
                site.gate.enter(host, self.path)
                try:
                    if self.path in site.held:
                        site.gate.open.wait(site.gate.hold)
                    body = site.pages.get(self.path)
                    kind = "application/rss+xml" if self.path.endswith(".xml") else "text/html"
                    send(self, 200 if body else 404, body or b"not here", {"Content-Type": kind})
                finally:
                    site.gate.leave(host)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((address, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{address}:{self.server.server_address[1]}"

    def __enter__(self) -> Held:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.gate.open.set()
        self.server.shutdown()
        self.server.server_close()


# --- 7. A slow site never holds up a digest ------------------------------------------------------------------------

def test_a_slow_poll_never_holds_up_a_due_digest(tmp_path: Path, embedder: Embedder, clock: Clock) -> None:
    """The feed's one entry is held by its site until the digest is out: the digest goes while the poll waits."""
    with Held() as site:
        site.pages["/feed.xml"] = rss([(site.base + "/slow", "Tue, 24 Nov 2026 01:00:00 GMT")])
        site.pages["/slow"] = article("Slow", WATER)
        site.held = {"/slow"}
        desk = newsroom(tmp_path, embedder, clock, feeds=(site.base + "/feed.xml",), fetch_timeout=20.0)
        desk.ledger.subscribe(subscription("C1"))
        desk.add(desk.reader.from_text(FERRY))  # already in the library: the digest has something to say
        clock.now = DUE
        stop = threading.Event()
        seen: list[tuple[str, bool]] = []

        def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
            seen.append((reply.text, desk.ledger.feeds()[0].polled_at is not None))
            if len(seen) == 2:
                site.gate.open.set()  # the digest is out: the slow page may answer now
                stop.set()

        rounds = threading.Thread(target=newsroom_rounds, args=(desk, {"test": post}, stop, clock, 0.05))
        rounds.start()
        rounds.join(timeout=120)
        stop.set()
        assert not rounds.is_alive()
        assert len(seen) == 2 and "ferry operator" in seen[1][0]
        assert not any(polled for _, polled in seen)  # posted while the feed's poll was still waiting on its entry
        desk.store.close()


def test_a_feeds_entries_are_fetched_a_few_at_once_and_at_most_two_from_one_host(
        tmp_path: Path, embedder: Embedder, clock: Clock) -> None:
    """Six entries, three on each of two hosts; four threads, two a host. Every page waits until four requests are
    out at once (or 3 s), so a fetcher taking one at a time never gets there."""
    gate = Gate(open_at=4, hold=3.0)
    with Held("127.0.0.1", gate) as one, Held("127.0.0.2", gate) as two:
        links = []
        for n, word in enumerate(("ten", "twenty", "thirty", "fifty", "sixty", "ninety")):
            site = one if n < 3 else two
            site.pages[f"/a{n}"] = article(f"A{n}", FERRY.replace("forty", word))
            site.held.add(f"/a{n}")
            links.append((f"{site.base}/a{n}", "Mon, 23 Nov 2026 06:00:00 GMT"))
        one.pages["/feed.xml"] = rss(links)
        desk = newsroom(tmp_path, embedder, clock, poll_threads=4, poll_per_host=2, fetch_timeout=20.0)
        report = poll_feed(desk, desk.ledger, one.base + "/feed.xml")
        assert gate.peak["all"] == 4  # four at once
        assert gate.peak["127.0.0.1"] == gate.peak["127.0.0.2"] == 2  # never three from one host
        assert (report.added, report.failed, report.left) == (6, 0, 0)
        desk.store.close()


def test_entries_not_fetched_within_the_rounds_time_are_left_for_the_next_round(
        tmp_path: Path, embedder: Embedder, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    """One site, one fetch at a time, in the feed's order: the round's time runs out (on the round's own clock) once
    the last entry is being fetched, so the first three are stored and the last is left, not recorded as seen."""
    with Held() as site:
        links = []
        for n, text in enumerate((FERRY, WATER, FERRY.replace("ferry", "bus"), WATER.replace("water", "gas"))):
            site.pages[f"/e{n}"] = article(f"E{n}", text)
            links.append((f"{site.base}/e{n}", "Mon, 23 Nov 2026 06:00:00 GMT"))
        site.pages["/feed.xml"] = rss(links)
        site.held = {"/e3"}
        desk = newsroom(tmp_path, embedder, clock, fetch_timeout=20.0)
        desk.ledger.add_feed(site.base + "/feed.xml")
        caplog.set_level(logging.INFO)

        def round_clock() -> float:  # the budget is spent the moment the last entry reaches its site
            return 1_000.0 if site.gate.arrival("/e3").is_set() else 0.0

        with FetchRound(threads=2, per_host=1, budget=60.0, clock=round_clock) as fetching:
            first = poll_feed(desk, desk.ledger, site.base + "/feed.xml", fetching)
        assert (first.added, first.failed, first.left) == (3, 0, 1)
        assert desk.ledger.latest_version(site.base + "/feed.xml", site.base + "/e3") is None
        assert "1 entries left for the next round" in caplog.text
        site.gate.open.set()
        second = poll_feed(desk, desk.ledger, site.base + "/feed.xml")
        assert (second.added, second.left) == (1, 0)  # only the one left behind is fetched again
        assert desk.store.count() == 4
        desk.store.close()


# --- 3b. The rounds survive anything -------------------------------------------------------------------------------

def test_the_rounds_survive_a_feed_entry_that_breaks_the_reader_and_still_post_the_digest(
        tmp_path: Path, embedder: Embedder, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    """A date in the year 10000 (UTC) makes Python's dates raise ValueError; the good entry is stored and posted."""
    with Loopback() as web:
        web.route("/ferry", body=article("Ferry fares", FERRY), headers={"Content-Type": "text/html"})
        web.route("/far", body=article("Far", WATER), headers={"Content-Type": "text/html"})
        web.route("/feed.xml", headers={"Content-Type": "application/rss+xml"},
                  body=rss([(web.url("/far"), "9999-12-31T23:59:59-12:00"),
                            (web.url("/ferry"), "Tue, 24 Nov 2026 01:00:00 GMT")]))
        desk = newsroom(tmp_path, embedder, clock, feeds=(web.url("/feed.xml"),))
        desk.ledger.subscribe(subscription("C1"))
        clock.now = DUE
        stop = threading.Event()
        posted: list[Reply] = []

        def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
            posted.append(reply)
            if len(posted) == 2:
                stop.set()

        def ticking() -> datetime:  # time moves on a second at every look, as it does in a running bot
            clock.now += timedelta(seconds=1)
            return clock.now

        caplog.set_level(logging.INFO)
        rounds = threading.Thread(target=newsroom_rounds, args=(desk, {"test": post}, stop, ticking, 0.05))
        rounds.start()
        rounds.join(timeout=120)
        stop.set()
        assert not rounds.is_alive() and len(posted) == 2 and "ferry operator" in posted[1].text
        assert f"entry {web.url('/far')} skipped" in caplog.text
        desk.store.close()


# --- 11. One channel's failure stops no other ----------------------------------------------------------------------
