"""Several workers on one store (a SQLite file, and a real PostgreSQL server): each digest goes out once however many
workers find it due, a dead worker's digest is taken over once its claim lapses, and a Slack event retried or
repeated on another worker is answered once, with the thread's editorial known to every worker."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import Newsdesk, Reply, Request, build_newsdesk
from bot.library.ledger import Subscription
from bot.models.embedder import Embedder
from bot.newsroom.feeds import poll_all

from .rigs.fake_slack import FakeSlack
from .rigs.slack_rig import mention, slack_worker
from .rigs.support import SEED, Loopback, settings_on

SUBSCRIBED = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 24, 2, 31, tzinfo=UTC)  # 07:31 in Karachi: the 07:30 digests are due
FERRY = ("The ferry operator has raised fares by forty per cent in two years while cutting the winter timetable.\n"
         "The regulator should cap fares on lifeline routes before the islands empty.")
WATER = ("The city council has ignored the failing water mains for a decade, and residents pay the price.\n"
         "The council must publish a repair schedule this year and fund it from the capital budget.")


def worker(database: str, name: str, embedder: Embedder) -> Newsdesk:
    return build_newsdesk(settings_on(database, worker=name, allow_private_urls=True), clock=lambda: SUBSCRIBED,
                          embedder=embedder)


def newsroom(database: str, embedder: Embedder, channels: list[str]) -> Newsdesk:
    """The first worker, with the channels subscribed to 07:30 Karachi digests and two editorials in the library."""
    desk = worker(database, "web-1", embedder)
    for channel in channels:
        request = Request(text="/digest subscribe 07:30 Asia/Karachi", user="U1", channel=channel, platform="test",
                          received_at=SUBSCRIBED)
        assert desk.handle(request)[0].text.startswith("Subscribed")
    for text in (FERRY, WATER):
        desk.add(desk.reader.from_text(text))
    return desk


def test_three_workers_finding_the_same_digests_due_send_each_once(database: str, embedder: Embedder) -> None:
    channels = [f"C{n}" for n in range(6)]
    desks = [newsroom(database, embedder, channels)] + [worker(database, f"web-{n}", embedder) for n in (2, 3)]
    posted: list[tuple[str, str, str]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(desks))

    def rounds(desk: Newsdesk) -> None:
        def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
            with lock:
                posted.append((desk.ledger.worker, subscription.channel, key))

        barrier.wait()
        for minute in range(3):  # each worker's round comes by three times
            desk.digests.deliver_due(DUE + timedelta(minutes=minute), post)

    threads = [threading.Thread(target=rounds, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    keys = [key for _, _, key in posted]
    assert len(keys) == len(set(keys)) == 6 * 3  # a header and two editorials per channel, each once
    assert sorted({channel for _, channel, _ in posted}) == channels
    for desk in desks:
        desk.store.close()


def test_a_digest_whose_worker_was_killed_is_taken_over_once_its_claim_lapses(database: str, embedder: Embedder,
                                                                              tmp_path: Path) -> None:
    desk = newsroom(database, embedder, ["C1"])
    first_posts = tmp_path / "posts.jsonl"
    crash = textwrap.dedent(f"""
        import json, os
        from datetime import datetime, UTC
        from bot import build_newsdesk, load_settings
        desk = build_newsdesk(load_settings({{"NEWSDESK_DB": {database!r}, "NEWSDESK_WORKER": "web-9"}}, None))
        def post(subscription, reply, *, key, check):
            with open({str(first_posts)!r}, "a") as posts:
                posts.write(json.dumps(key) + "\\n")
            if key.endswith(".1"):
                os._exit(9)  # kill -9 while the digest's second message is going out
        desk.digests.deliver_due(datetime.fromisoformat({DUE.isoformat()!r}), post)
    """)
    assert subprocess.run([sys.executable, "-c", crash], timeout=120).returncode == 9
    posted: list[tuple[str, bool]] = []

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        posted.append((key, check))

    assert desk.digests.deliver_due(DUE + timedelta(minutes=5), post) == 0 and posted == []  # web-9's claim holds
    assert desk.digests.deliver_due(DUE + timedelta(minutes=11), post) == 1  # lapsed: web-1 takes it over
    before = [json.loads(line) for line in first_posts.read_text().splitlines()]
    assert [key[-2:] for key in before] == [".0", ".1"]
    # The message web-9 was sending when it died may have reached the channel: it is checked for, then the rest sent.
    assert [(key[-2:], check) for key, check in posted] == [(".1", True), (".2", False)]
    assert desk.digests.deliver_due(DUE + timedelta(minutes=30), post) == 0 and len(posted) == 2
    desk.store.close()


def test_serve_rounds_on_several_workers_fetch_each_feed_once_an_interval(database: str, embedder: Embedder) -> None:
    desks = [worker(database, f"web-{n}", embedder) for n in (1, 2, 3)]
    with Loopback() as web:
        web.route("/ferry", body=f"<html><body><article><p>{FERRY}</p></article></body></html>".encode(),
                  headers={"Content-Type": "text/html"})
        web.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Opinion</title><item><title>Ferry</title>'
            f'<link>{web.url("/ferry")}</link><guid>ferry</guid></item></channel></rss>').encode())
        desks[0].ledger.add_feed(web.url("/feed.xml"))
        for minute in (0, 1, 2, 31):  # four rounds each, in two 30-minute polling intervals
            for desk in desks:
                poll_all(desk, round_at=DUE + timedelta(minutes=minute))
        assert [path for path, _ in web.seen].count("/feed.xml") == 2  # once an interval, whichever worker
        assert poll_all(desks[1])[0].error is None  # a poll by hand (`newsdesk feeds poll`) always fetches
        assert [path for path, _ in web.seen].count("/feed.xml") == 3
    assert desks[2].store.count() == 1  # the feed's one entry, stored once
    for desk in desks:
        desk.store.close()


def test_a_slack_event_retried_or_repeated_on_other_workers_is_answered_once(database: str,
                                                                            embedder: Embedder) -> None:
    with FakeSlack() as fake, slack_worker(fake, database, embedder, "web-1") as one, \
            slack_worker(fake, database, embedder, "web-2") as two, \
            slack_worker(fake, database, embedder, "web-3") as three:
        one.desk.add(one.desk.reader.from_source(str(SEED)))
        event = mention("Who ended the siege?", "700.000001")
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert one.event(event, "Ev70")[0] == 200
        assert two.event(event, "Ev70", headers=retry)[0] == 200  # Slack's retry lands on another worker
        assert three.event({**event, "type": "message"}, "Ev71")[0] == 200  # the same message as a `message`
        answer = fake.wait("chat.postMessage")[0]
        assert answer.args["thread_ts"] == "700.000001" and "Sindh police officers" in answer.text()

        three.event(mention("summarize " + SEED.read_text()[:4000], "701.000001"), "Ev72")
        fake.wait("chat.update")
        follow_up = {"type": "message", "user": "U2", "text": "What does it call for?", "ts": "701.000002",
                     "thread_ts": "701.000001", "channel": "C1", "client_msg_id": "msg-701-2"}
        one.event(follow_up, "Ev73")  # a follow-up in the thread, on a worker that did not summarise
        replies = fake.wait("chat.postMessage", 3)
        time.sleep(0.5)
        assert len(fake.of("chat.postMessage")) == 3
        assert replies[2].args["thread_ts"] == "701.000001" and "confidence" in replies[2].text()
