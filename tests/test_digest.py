"""Daily digests: feeds in through a loopback server, a fake clock across days and time zones, exactly once."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.console import run_console
from adapters.serve import console_poster
from bot import Newsdesk, Reply, Request, Settings, build_newsdesk
from bot.library.ledger import Subscription
from bot.models.embedder import Embedder
from bot.newsroom.feeds import poll_feed, poll_inbox

from .rigs.support import SEED, Loopback


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def article(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}"
            f"</article></body></html>").encode()


FERRY = ("The ferry operator has raised fares by forty per cent in two years while cutting the winter timetable.\n"
         "The regulator should cap fares on lifeline routes before the islands empty.")
WATER = ("The city council has ignored the failing water mains for a decade, and residents pay the price.\n"
         "The council must publish a repair schedule this year and fund it from the capital budget.")


def rss(base: str, items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f"<item><title>{t}</title><link>{base}{path}</link><guid>{path}</guid>"
                      f"<pubDate>{date}</pubDate></item>" for t, path, date in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Opinion</title>{entries}'
            f"</channel></rss>").encode()


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))


@pytest.fixture
def newsroom(tmp_path: Path, embedder: Embedder, clock: Clock) -> Iterator[Newsdesk]:
    desk = build_newsdesk(Settings(db_path=tmp_path / "digest.db", allow_private_urls=True, max_bytes=50_000),
                          clock=clock, embedder=embedder)
    yield desk
    desk.store.close()


@pytest.fixture
def web() -> Iterator[Loopback]:
    with Loopback() as server:
        yield server


def subscribe(desk: Newsdesk, clock: Clock, channel: str, at: str = "07:30", zone: str = "Asia/Karachi") -> None:
    request = Request(text=f"/digest subscribe {at} {zone}", user="U1", channel=channel, platform="test",
                      received_at=clock.now)
    assert desk.handle(request)[0].text.startswith("Subscribed")


def deliver(desk: Newsdesk, now: datetime) -> list[tuple[str, list[Reply]]]:
    """Each digest posted at `now`: its channel and its messages."""
    posts: dict[tuple[str, str], list[Reply]] = {}

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        posts.setdefault((subscription.channel, key.rsplit(".", 1)[0]), []).append(reply)

    desk.digests.deliver_due(now, post)
    return [(channel, replies) for (channel, _), replies in posts.items()]


# --- Feeds ------------------------------------------------------------------------------------------------

def test_a_feed_is_polled_once_per_entry_and_a_changed_entry_is_a_correction(newsroom: Newsdesk,
                                                                             web: Loopback) -> None:
    base = web.url("")
    web.route("/ferry", body=article("Ferry fares", FERRY), headers={"Content-Type": "text/html"})
    web.route("/water", body=article("Water mains", WATER), headers={"Content-Type": "text/html"})
    items = [("Ferry fares", "/ferry", "Mon, 23 Nov 2026 06:00:00 GMT"),
             ("Water mains", "/water", "Mon, 23 Nov 2026 07:00:00 GMT")]
    web.route("/feed.xml", body=rss(base, items), headers={"Content-Type": "application/rss+xml"})
    newsroom.ledger.add_feed(web.url("/feed.xml"))
    first = poll_feed(newsroom, newsroom.ledger, web.url("/feed.xml"))
    assert (first.added, first.corrected, first.error) == (2, 0, None)
    assert poll_feed(newsroom, newsroom.ledger, web.url("/feed.xml")).added == 0
    assert newsroom.ledger.feeds()[0].title == "Opinion"

    web.route("/water", body=article("Water mains", WATER + "\nThe mayor must answer for the delay."),
              headers={"Content-Type": "text/html"})
    items[1] = ("Water mains", "/water", "Tue, 24 Nov 2026 07:00:00 GMT")
    web.route("/feed.xml", body=rss(base, items), headers={"Content-Type": "application/rss+xml"})
    second = poll_feed(newsroom, newsroom.ledger, web.url("/feed.xml"))
    assert (second.added, second.corrected) == (0, 1)
    newest = newsroom.store.latest(1)[0]
    assert newest.corrects is not None and "mayor must answer" in newest.text


def test_an_atom_feed_works_too(newsroom: Newsdesk, web: Loopback) -> None:
    web.route("/ferry", body=article("Ferry fares", FERRY), headers={"Content-Type": "text/html"})
    atom = (f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Views</title>'
            f'<entry><title>Ferry fares</title><id>tag:ferry</id><link href="{web.url("/ferry")}"/>'
            f"<updated>2026-11-23T06:00:00Z</updated></entry></feed>").encode()
    web.route("/atom", body=atom, headers={"Content-Type": "application/atom+xml"})
    assert poll_feed(newsroom, newsroom.ledger, web.url("/atom")).added == 1


@pytest.mark.parametrize(("route", "kwargs", "message"), [
    ("/broken", {"body": b"<html>this is not a feed</html>", "headers": {"Content-Type": "text/xml"}},
     "not an RSS or Atom feed"),
    ("/missing", {}, "answered 404"),
    ("/huge", {"body": b"<rss>" + b"x" * 60_000, "headers": {"Content-Type": "application/rss+xml"}},
     "larger than newsdesk's limit"),
    ("/slow", {"body": b"<rss/>", "headers": {"Content-Type": "application/rss+xml"}, "delay": 1.5},
     "did not answer"),
])
def test_a_broken_feed_is_logged_and_skipped_and_the_others_still_poll(
        tmp_path: Path, embedder: Embedder, web: Loopback, route: str, kwargs: dict[str, object],
        message: str) -> None:
    desk = build_newsdesk(Settings(db_path=tmp_path / "d.db", allow_private_urls=True, max_bytes=50_000,
                                   fetch_timeout=0.4), embedder=embedder)
    if kwargs:
        web.route(route, **kwargs)
    web.route("/ferry", body=article("Ferry fares", FERRY), headers={"Content-Type": "text/html"})
    web.route("/good.xml", body=rss(web.url(""), [("Ferry", "/ferry", "Mon, 23 Nov 2026 06:00:00 GMT")]),
              headers={"Content-Type": "application/rss+xml"})
    broken = poll_feed(desk, desk.ledger, web.url(route))
    assert broken.error is not None and message in broken.error
    assert poll_feed(desk, desk.ledger, web.url("/good.xml")).added == 1


def test_a_feed_pointing_inside_the_network_is_refused_by_default(tmp_path: Path, embedder: Embedder) -> None:
    desk = build_newsdesk(Settings(db_path=tmp_path / "d.db"), embedder=embedder)
    report = poll_feed(desk, desk.ledger, "http://169.254.169.254/feed.xml")
    assert report.error is not None and "private or internal" in report.error


def test_the_inbox_folder_adds_each_file_once(newsroom: Newsdesk, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "seed.txt").write_bytes(SEED.read_bytes())
    (inbox / "photo.png").write_bytes(b"\x89PNG")
    (inbox / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    assert poll_inbox(newsroom, inbox).added == 1
    assert poll_inbox(newsroom, inbox).added == 0
    assert poll_inbox(newsroom, tmp_path / "nowhere").error is not None


# --- Digests, exactly once --------------------------------------------------------------------------------

def add_text(desk: Newsdesk, text: str) -> None:
    desk.add(desk.reader.from_text(text))


def test_each_channel_gets_each_days_digest_once(newsroom: Newsdesk, clock: Clock) -> None:
    subscribe(newsroom, clock, "C1")
    clock.now = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    add_text(newsroom, FERRY)
    morning = datetime(2026, 11, 24, 2, 31, tzinfo=UTC)  # 07:31 in Karachi
    posts = deliver(newsroom, morning)
    assert len(posts) == 1 and posts[0][0] == "C1"
    assert "1 new" in posts[0][1][0].text and "ferry operator" in posts[0][1][1].text
    assert deliver(newsroom, morning + timedelta(minutes=10)) == []

    clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    add_text(newsroom, WATER)
    next_morning = datetime(2026, 11, 25, 2, 35, tzinfo=UTC)
    posts = deliver(newsroom, next_morning)
    assert len(posts) == 1 and "water mains" in posts[0][1][1].text and "ferry" not in posts[0][1][1].text


def test_no_new_editorials_means_no_post_and_status_says_so(newsroom: Newsdesk, clock: Clock) -> None:
    subscribe(newsroom, clock, "C1")
    assert deliver(newsroom, datetime(2026, 11, 24, 2, 31, tzinfo=UTC)) == []
    status = newsroom.handle(Request(text="/digest status", user="U1", channel="C1", platform="test",
                                     received_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC)))[0].text
    assert "0 new editorials waiting; with none, no digest is posted." in status
    assert "2026-11-24: nothing new, not posted" in status


def test_a_bot_down_for_days_posts_once_when_back_within_the_window(newsroom: Newsdesk, clock: Clock) -> None:
    subscribe(newsroom, clock, "C1")
    clock.now = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    add_text(newsroom, FERRY)
    back = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # three mornings missed; back at 09:00 Karachi
    posts = deliver(newsroom, back)
    assert len(posts) == 1 and "ferry operator" in posts[0][1][1].text
    assert deliver(newsroom, back + timedelta(hours=1)) == []
    assert deliver(newsroom, datetime(2026, 11, 27, 12, 0, tzinfo=UTC)) == []


def test_channels_in_other_time_zones_get_their_own_morning(newsroom: Newsdesk, clock: Clock) -> None:
    subscribe(newsroom, clock, "karachi", zone="Asia/Karachi")
    subscribe(newsroom, clock, "london", zone="Europe/London")
    clock.now = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    add_text(newsroom, FERRY)
    assert [c for c, _ in deliver(newsroom, datetime(2026, 11, 24, 2, 31, tzinfo=UTC))] == ["karachi"]
    assert [c for c, _ in deliver(newsroom, datetime(2026, 11, 24, 7, 31, tzinfo=UTC))] == ["london"]


def test_digests_keep_local_time_across_a_daylight_saving_change(newsroom: Newsdesk, clock: Clock) -> None:
    clock.now = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)
    subscribe(newsroom, clock, "newyork", zone="America/New_York")
    for day, hour in ((7, 12), (8, 11), (9, 11)):  # 07:30 EST is 12:30 UTC; from 8 March, 07:30 EDT is 11:30
        clock.now = datetime(2026, 3, day, hour - 2, 0, tzinfo=UTC)
        add_text(newsroom, f"Editorial for the {day}th of March says the council must act on the harbour, "
                           f"now, in week {day}.")
        assert deliver(newsroom, datetime(2026, 3, day, hour, 29, tzinfo=UTC)) == []
        posts = deliver(newsroom, datetime(2026, 3, day, hour, 31, tzinfo=UTC))
        assert len(posts) == 1 and f"{day}th of March" in posts[0][1][1].text


def test_a_digest_killed_between_claim_and_send_is_sent_once_after_restart(tmp_path: Path, embedder: Embedder,
                                                                          clock: Clock) -> None:
    db = tmp_path / "killed.db"
    desk = build_newsdesk(Settings(db_path=db), clock=clock, embedder=embedder)
    subscribe(desk, clock, "C1")
    clock.now = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    add_text(desk, FERRY)
    desk.store.close()
    crash = textwrap.dedent(f"""
        import os
        from datetime import datetime, UTC
        from pathlib import Path
        from bot import Settings, build_newsdesk
        desk = build_newsdesk(Settings(db_path=Path({str(db)!r})))
        def die(subscription, reply, *, key, check):
            os._exit(9)  # killed after the claim, before anything was sent
        desk.digests.deliver_due(datetime(2026, 11, 24, 2, 31, tzinfo=UTC), die)
    """)
    assert subprocess.run([sys.executable, "-c", crash], timeout=120).returncode == 9
    restarted = build_newsdesk(Settings(db_path=db), clock=clock, embedder=embedder)
    assert restarted.ledger.runs("test:C1:")[0].status == "claimed"
    posts = deliver(restarted, datetime(2026, 11, 24, 2, 32, tzinfo=UTC))  # its own claim (same default name): at once
    assert len(posts) == 1 and "ferry operator" in posts[0][1][1].text
    again = build_newsdesk(Settings(db_path=db), clock=clock, embedder=embedder)
    assert deliver(again, datetime(2026, 11, 24, 2, 50, tzinfo=UTC)) == []


def test_a_corrected_editorial_is_flagged_as_updated(newsroom: Newsdesk, clock: Clock, web: Loopback) -> None:
    web.route("/water", body=article("Water mains", WATER), headers={"Content-Type": "text/html"})
    web.route("/feed.xml", body=rss(web.url(""), [("Water", "/water", "Mon, 23 Nov 2026 07:00:00 GMT")]),
              headers={"Content-Type": "application/rss+xml"})
    poll_feed(newsroom, newsroom.ledger, web.url("/feed.xml"))
    subscribe(newsroom, clock, "C1")
    assert len(deliver(newsroom, datetime(2026, 11, 24, 2, 31, tzinfo=UTC))) == 1
    clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    web.route("/water", body=article("Water mains", WATER + "\nThe mayor must answer for the delay."),
              headers={"Content-Type": "text/html"})
    web.route("/feed.xml", body=rss(web.url(""), [("Water", "/water", "Tue, 24 Nov 2026 09:00:00 GMT")]),
              headers={"Content-Type": "application/rss+xml"})
    poll_feed(newsroom, newsroom.ledger, web.url("/feed.xml"))
    posts = deliver(newsroom, datetime(2026, 11, 25, 2, 31, tzinfo=UTC))
    assert posts and posts[0][1][1].text.startswith("Updated: a corrected version")
    assert web.url("/water") in posts[0][1][1].text


# --- End to end: console and command line -----------------------------------------------------------------

def test_digest_commands_through_the_console(newsroom: Newsdesk, clock: Clock) -> None:
    add_text(newsroom, FERRY)
    clock.now += timedelta(minutes=5)  # the editor types after the editorial came in, on the desk's clock
    out = io.StringIO()
    lines = ["/digest status", "/digest subscribe 7:30 Asia/Karachi", "/digest subscribe 25:00 Asia/Karachi",
             "/digest subscribe 07:30 Mars/Olympus", "/digest now", "/digest status", "/digest unsubscribe"]
    run_console(newsroom.handle, max_bytes=10_000, stdin=io.StringIO("\n".join(lines)), stdout=out, user="ed",
                clock=clock)
    text = out.getvalue()
    assert "This channel has no digest" in text
    assert "Subscribed: the day's editorials here every day at 07:30 Asia/Karachi" in text
    assert "“25:00” is not a time of day" in text and "“Mars/Olympus” is not a time zone" in text
    assert "ferry operator" in text and "A digest every day at 07:30 Asia/Karachi" in text
    assert "Unsubscribed" in text


def test_scheduled_digests_reach_the_console(newsroom: Newsdesk, clock: Clock) -> None:
    newsroom.ledger.subscribe(Subscription("console:ed:", "console", "ed", None, "07:30", "Europe/London", None,
                                           clock.now, None))
    clock.now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    add_text(newsroom, WATER)
    out = io.StringIO()
    assert newsroom.digests.deliver_due(datetime(2026, 11, 24, 7, 45, tzinfo=UTC), console_poster(out)) == 1
    assert "Today's editorials: 1 new" in out.getvalue() and "water mains" in out.getvalue()


def test_cli_feeds_poll_and_digest(tmp_path: Path, web: Loopback, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "cli.db"))
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "true")
    web.route("/ferry", body=article("Ferry fares", FERRY), headers={"Content-Type": "text/html"})
    today = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    web.route("/feed.xml", body=rss(web.url(""), [("Ferry", "/ferry", today)]),
              headers={"Content-Type": "application/rss+xml"})
    assert main(["feeds", "add", web.url("/feed.xml")]) == 0
    assert main(["poll", "--json"]) == 0
    capsys.readouterr()
    assert main(["feeds", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["title"] == "Opinion"
    assert main(["digest", "--since", "2h", "--json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert [e["editorial"]["title"] for e in digest["editorials"]] == ["Ferry fares"]
    assert main(["digest", "--since", "soon"]) == 2
    assert main(["feeds", "add", "not-a-link"]) == 2


def test_serve_rounds_poll_the_feeds_and_post_what_falls_due(tmp_path: Path, embedder: Embedder,
                                                             web: Loopback) -> None:
    import threading

    from adapters.serve import newsroom_rounds

    web.route("/ferry", body=article("Ferry fares", FERRY), headers={"Content-Type": "text/html"})
    web.route("/feed.xml", body=rss(web.url(""), [("Ferry", "/ferry", "Tue, 24 Nov 2026 01:00:00 GMT")]),
              headers={"Content-Type": "application/rss+xml"})
    clock = Clock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
    desk = build_newsdesk(Settings(db_path=tmp_path / "serve.db", allow_private_urls=True,
                                   feeds=(web.url("/feed.xml"),)), clock=clock, embedder=embedder)
    subscribe(desk, clock, "C1")
    clock.now = datetime(2026, 11, 24, 2, 31, tzinfo=UTC)
    stop = threading.Event()
    posted: list[Reply] = []

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        posted.append(reply)
        stop.set()

    def ticking() -> datetime:  # time moves on a second at every look, as it does in a running bot
        clock.now += timedelta(seconds=1)
        return clock.now

    rounds = threading.Thread(target=newsroom_rounds, args=(desk, {"test": post}, stop, ticking, 0.05), daemon=True)
    rounds.start()
    rounds.join(timeout=60)
    stop.set()
    assert not rounds.is_alive() and len(posted) == 2  # the header, then the one editorial
    assert "ferry operator" in posted[1].text


def test_a_digest_stopped_by_a_platform_error_resumes_after_its_last_delivered_message(newsroom: Newsdesk,
                                                                                       clock: Clock) -> None:
    subscribe(newsroom, clock, "C1")
    clock.now = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)
    for n in range(3):
        add_text(newsroom, FERRY.replace("ferry operator", f"ferry operator {n}"))
    delivered: list[str] = []

    def flaky(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        if key.endswith(".2") and not check and len(delivered) == 2:
            raise RuntimeError("Slack said: service_unavailable")  # the third message fails, once
        delivered.append(key)

    assert newsroom.digests.deliver_due(datetime(2026, 11, 24, 2, 31, tzinfo=UTC), flaky) == 0  # logged, not raised
    newsroom.digests.deliver_due(datetime(2026, 11, 24, 2, 40, tzinfo=UTC), flaky)  # after the 1-minute backoff
    assert [key.rsplit(".", 1)[1] for key in delivered] == ["0", "1", "2", "3"]  # header, three editorials, once each
    assert newsroom.ledger.runs("test:C1:")[0].status == "sent"
    assert deliver(newsroom, datetime(2026, 11, 24, 2, 50, tzinfo=UTC)) == []
