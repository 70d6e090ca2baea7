"""Each channel's digest on its own: a channel the bot was removed from is retried with backoff and holds up no
other, and a restarted single machine resumes the digest it had claimed at once (its worker name is stable)."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from adapters.slack.app import slack_poster
from bot import Reply, Settings, build_newsdesk
from bot.library.ledger import Ledger, Subscription
from bot.models.embedder import Embedder

from .rigs.fake_slack import BOT_TOKEN, Call, FakeSlack
from .test_digest import Clock
from .test_rounds import newsroom, subscription
from .test_workers import DUE, FERRY, SUBSCRIBED

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> Clock:
    return Clock(SUBSCRIBED)


class GoneFrom(FakeSlack):
    """The loopback Slack, where the bot was removed from some channels: posting there answers not_in_channel (and
    the refused message is, as in Slack, nowhere in the channel's history)."""

    def __init__(self, channels: set[str]) -> None:
        super().__init__()
        self.gone = channels

    def record(self, call: Call) -> None:
        if call.method == "chat.postMessage" and call.args.get("channel") in self.gone:
            call = replace(call, method="chat.postMessage (refused)")
        super().record(call)

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage" and args.get("channel") in self.gone:
            return {"ok": False, "error": "not_in_channel"}
        return super().answer(method, args)

    def posts(self, channel: str) -> int:
        """Messages newsdesk tried to post there, refused or not."""
        return len([c for c in self.of("chat.postMessage", "chat.postMessage (refused)")
                    if c.args.get("channel") == channel])


def test_a_channel_the_bot_was_removed_from_holds_up_no_other_and_is_retried_with_backoff(
        tmp_path: Path, embedder: Embedder, clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    desk = newsroom(tmp_path, embedder, clock)
    for channel in ("CA", "CB"):  # CA comes first in every round
        desk.ledger.subscribe(subscription(channel, "slack"))
    clock.now = SUBSCRIBED + timedelta(hours=1)
    desk.add(desk.reader.from_text(FERRY))
    caplog.set_level(logging.DEBUG, logger="bot.newsroom.digest")
    with GoneFrom({"CA"}) as slack:
        post = slack_poster(WebClient(token=BOT_TOKEN, base_url=slack.url("/api/")))

        def round_at(minutes: float) -> int:
            return desk.digests.deliver_due(DUE + timedelta(minutes=minutes), post)

        assert round_at(0) == 1 and slack.posts("CB") == 2  # CB's header and editorial, in the round CA failed
        assert slack.posts("CA") == 1
        tries = {0.5: 1, 1.0: 2, 2.0: 2, 3.0: 3, 6.0: 3, 7.0: 4}  # tried again after 1, then 2, then 4 minutes
        for minutes, expected in tries.items():
            round_at(minutes)
            assert slack.posts("CA") == expected, minutes
        assert slack.posts("CB") == 2  # CB's digest went once
        warnings = [r.getMessage() for r in caplog.records
                    if r.name == "bot.newsroom.digest" and r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and "slack:CA:" in warnings[0] and "not_in_channel" in warnings[0]

        slack.gone.clear()  # the bot is invited back
        assert round_at(14.0) == 0 and slack.posts("CA") == 4  # still waiting out the 8 minutes
        assert round_at(15.0) == 1 and slack.posts("CA") == 6
    recovered = [r.getMessage() for r in caplog.records
                 if r.name == "bot.newsroom.digest" and "went out after" in r.getMessage()]
    assert recovered == ["digest for slack:CA: on 2026-11-24 went out after 4 failed tries"]
    assert [run.status for run in desk.ledger.runs("slack:CA:")] == ["sent"]
    desk.store.close()


def test_the_retries_of_a_failing_channel_back_off_up_to_the_most_set(tmp_path: Path, embedder: Embedder,
                                                                      clock: Clock) -> None:
    desk = newsroom(tmp_path, embedder, clock, digest_retry_minutes=1.0, digest_retry_max_minutes=3.0)
    desk.ledger.subscribe(subscription("CA"))
    clock.now = SUBSCRIBED + timedelta(hours=1)
    desk.add(desk.reader.from_text(FERRY))
    tried: list[int] = []
    minute = 0

    def refuse(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        tried.append(minute)
        raise RuntimeError("the platform is down")

    for minute in range(20):  # a round a minute
        assert desk.digests.deliver_due(DUE + timedelta(minutes=minute), refuse) == 0
    assert tried == [0, 1, 3, 6, 9, 12, 15, 18]  # after 1, 2, then never more than 3 minutes
    assert desk.ledger.runs("test:CA:")[0].status == "claimed"
    desk.store.close()


def test_a_restarted_single_machine_resumes_its_claimed_digest_at_once(tmp_path: Path, embedder: Embedder,
                                                                       clock: Clock) -> None:
    db = tmp_path / "restart.db"
    desk = build_newsdesk(Settings(db_path=db), clock=clock, embedder=embedder)
    desk.ledger.subscribe(subscription("C1"))
    clock.now = SUBSCRIBED + timedelta(hours=1)
    desk.add(desk.reader.from_text(FERRY))
    desk.store.close()
    crash = textwrap.dedent(f"""
        import os
        from datetime import datetime
        from pathlib import Path
        from bot import Settings, build_newsdesk
        desk = build_newsdesk(Settings(db_path=Path({str(db)!r})))
        def die(subscription, reply, *, key, check):
            os._exit(9)  # killed mid-digest, with the run claimed
        desk.digests.deliver_due(datetime.fromisoformat({DUE.isoformat()!r}), die)
    """)
    assert subprocess.run([sys.executable, "-c", crash], cwd=ROOT, timeout=120).returncode == 9
    restarted = build_newsdesk(Settings(db_path=db), clock=clock, embedder=embedder)  # default settings again
    posted: list[tuple[str, bool]] = []

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        posted.append((key[-2:], check))

    assert restarted.digests.deliver_due(DUE + timedelta(minutes=1), post) == 1  # not 10 minutes later
    assert posted == [(".0", True), (".1", False)]  # the first one checked against the channel
    restarted.store.close()


def test_the_default_worker_name_is_the_host_and_the_library(tmp_path: Path, embedder: Embedder) -> None:
    import socket

    one = build_newsdesk(Settings(db_path=tmp_path / "one.db"), embedder=embedder)
    other = build_newsdesk(Settings(db_path=tmp_path / "other.db"), embedder=embedder)
    named = build_newsdesk(Settings(db_path=tmp_path / "one.db", worker="web-2"), embedder=embedder)
    library = str(tmp_path / "one.db")
    elsewhere = subprocess.run([sys.executable, "-c", "from pathlib import Path; from bot import Settings, "
                                f"build_newsdesk; print(build_newsdesk(Settings(db_path=Path({library!r})))"
                                ".ledger.worker)"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert one.ledger.worker == Ledger(one.store).worker == elsewhere.stdout.strip()  # the same in a new process
    assert one.ledger.worker.startswith(socket.gethostname() + ":")
    assert other.ledger.worker != one.ledger.worker and named.ledger.worker == "web-2"
    for desk in (one, other, named):
        desk.store.close()
