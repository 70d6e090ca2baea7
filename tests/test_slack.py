"""The Slack adapter end to end: signed requests into the real bolt app in HTTP mode, replies out to a loopback
Slack Web API (`tests/rigs/fake_slack.py`), the real embedded model in between."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import yaml
from slack_sdk import WebClient

from adapters.serve import serve
from adapters.slack import slack_poster, start_slack
from adapters.slack.app import SHORTCUT
from bot import Newsdesk, Settings, build_newsdesk
from bot.library.ledger import Subscription
from bot.library.store import utc_now
from bot.messages import conversation_key
from bot.models.embedder import Embedder
from bot.newsroom.digest import Digest
from bot.settings import Secret

from .rigs.fake_slack import (
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    FakeSlack,
    FakeSocketMode,
    command_body,
    event_body,
    interaction_body,
    signed_post,
)
from .rigs.slack_rig import Rig, mention
from .rigs.support import SEED, free_port


def test_summarize_acks_with_progress_then_posts_the_summary_blocks(slack: Rig) -> None:
    status, ack = slack.command("/summarize", SEED.read_text())
    assert status == 200 and "Reading the editorial" in ack
    response = slack.responses()[0]
    assert response["response_type"] == "in_channel"
    blocks = response["blocks"]
    assert isinstance(blocks, list)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Security stocktaking"}}
    text = slack.fake.of("response_url")[0].text()
    assert "*TL;DR*" in text and "*Key points*" in text and "*What it calls for*" in text
    assert "extractive engine" in text and "all-MiniLM-L6-v2" in text
    assert any(b["type"] == "actions" for b in blocks)  # quote on demand


def test_ask_quotes_the_sentence_that_answers_and_abstains_on_what_is_not_said(slack: Rig) -> None:
    slack.command("/summarize", SEED.read_text())
    slack.responses(1)
    slack.command("/ask", "Who ended the siege?")
    answer = slack.fake.wait("response_url", 2)[1].text()
    assert "Sindh police officers" in answer and "`[20]`" in answer
    slack.command("/ask", "How many people died?")
    unsaid = slack.fake.wait("response_url", 3)[2].text()
    assert "The editorial does not say." in unsaid and "Sindh police" not in unsaid.split("\n")[0]


def test_help_and_errors_are_ephemeral_and_say_what_to_do(slack: Rig) -> None:
    slack.command("/newsdesk", "help")
    slack.command("/newsdesk", "what is this")
    slack.command("/summarize", "http://127.0.0.1/internal")
    slack.command("/ask", "Who?")  # nothing summarised in this channel yet
    replies = [call for call in slack.fake.wait("response_url", 4)]
    assert all(call.args["response_type"] == "ephemeral" for call in replies)
    texts = [str(call.args["text"]) for call in replies]
    assert sum("/editorials" in t and "/digest" in t for t in texts) == 2  # help, for help and anything unknown
    assert "newsdesk does not open links to private or internal addresses (127.0.0.1)." in texts  # one sentence
    assert any("Summarise one here first" in t for t in texts)


def test_a_mention_with_a_file_is_answered_in_its_thread_and_follow_ups_stay_there(slack: Rig) -> None:
    slack.fake.share("F1", "security.txt", SEED.read_bytes())
    slack.event(mention("", "100.000001", files=[{"id": "F1", "name": "security.txt"}]), "Ev1")
    update = slack.fake.wait("chat.update")[0]
    progress = slack.fake.of("chat.postMessage")[0]
    assert progress.args["text"].startswith("Reading the editorial") and progress.args["thread_ts"] == "100.000001"
    assert update.args["ts"] == "1700000000.000001" and "Security stocktaking" in update.text()
    download = slack.fake.wait("download")[0]
    assert download.headers["Authorization"] == f"Bearer {BOT_TOKEN}"

    slack.event(mention("Who ended the siege?", "100.000002", thread_ts="100.000001"), "Ev2")
    follow_up = slack.fake.wait("chat.postMessage", 2)[1]
    assert follow_up.args["thread_ts"] == "100.000001" and "Sindh police officers" in follow_up.text()

    question = {"type": "message", "user": "U2", "text": "What does it call for?", "ts": "100.000003",
                "thread_ts": "100.000001", "channel": "C1", "client_msg_id": "msg-3"}
    slack.event(question, "Ev3")
    plain = slack.fake.wait("chat.postMessage", 3)[2]
    assert plain.args["thread_ts"] == "100.000001" and "confidence" in plain.text()


def test_retries_and_repeats_are_answered_once_and_the_bot_ignores_itself(slack: Rig) -> None:
    slack.desk.add(slack.desk.reader.from_source(str(SEED)))  # top-level questions ask the library
    event = mention("Who ended the siege?", "200.000001")
    assert slack.event(event, "Ev10")[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.event(event, "Ev10", headers=retry)[0] == 200
    as_message = {**event, "type": "message"}  # Slack also sends the mention as a message event
    slack.event(as_message, "Ev11")
    own = {"type": "message", "user": BOT_USER, "bot_id": "BBOT", "text": "Who wrote this?", "ts": "200.000002",
           "thread_ts": "200.000001", "channel": "C1"}
    slack.event(own, "Ev12")
    slack.event(mention("What does it call for?", "200.000003"), "Ev13")  # a marker that the queue drained
    answers = slack.fake.wait("chat.postMessage", 2)
    time.sleep(0.5)
    assert len(slack.fake.of("chat.postMessage")) == 2
    assert sorted(c.args["thread_ts"] for c in answers) == ["200.000001", "200.000003"]  # two workers: any order


def test_forged_or_stale_requests_get_401_and_no_work(slack: Rig) -> None:
    before = list(slack.fake.calls)
    assert slack.command("/summarize", SEED.read_text(), secret="not-the-secret")[0] == 401
    assert slack.command("/summarize", SEED.read_text(), timestamp=int(time.time()) - 6 * 60)[0] == 401
    time.sleep(0.3)
    assert slack.fake.calls == before and slack.desk.store.latest(5) == []


def test_rate_limited_web_api_calls_are_retried(slack: Rig) -> None:
    slack.desk.add(slack.desk.reader.from_source(str(SEED)))
    slack.fake.limited.add("chat.postMessage")
    slack.event(mention("Who is this about?", "300.000001"), "Ev20")
    delivered = slack.fake.wait("chat.postMessage")[0]
    assert [c.method for c in slack.fake.calls if c.method.startswith("chat.postMessage")] == [
        "chat.postMessage (429)", "chat.postMessage"]
    assert delivered.args["thread_ts"] == "300.000001"


def test_the_message_shortcut_summarises_that_message_in_its_thread(slack: Rig) -> None:
    payload = {"type": "message_action", "callback_id": "summarize_message", "trigger_id": "1.2",
               "response_url": slack.fake.url("/response/C1"), "team": {"id": "T1"}, "user": {"id": "U1"},
               "channel": {"id": "C1"}, "message": {"type": "message", "user": "U3", "ts": "400.000001",
                                                    "text": SEED.read_text().replace("&", "&amp;")}}
    assert signed_post(slack.url, interaction_body(payload))[0] == 200
    update = slack.fake.wait("chat.update")[0]
    assert "Security stocktaking" in update.text()
    assert slack.fake.of("chat.postMessage")[0].args["thread_ts"] == "400.000001"


def test_quote_on_demand_shows_the_cited_sentences_only_to_the_asker(slack: Rig) -> None:
    slack.command("/summarize", SEED.read_text())
    blocks = slack.responses()[0]["blocks"]
    button = next(b for b in blocks if b["type"] == "actions")["elements"][0]  # type: ignore[union-attr,index]
    payload = {"type": "block_actions", "trigger_id": "1.3", "team": {"id": "T1"}, "user": {"id": "U1"},
               "channel": {"id": "C1"}, "response_url": slack.fake.url("/response/C1"),
               "actions": [{"action_id": button["action_id"], "value": button["value"], "type": "button",
                            "block_id": "b1", "action_ts": "1.4"}]}
    assert signed_post(slack.url, interaction_body(payload))[0] == 200
    quotes = slack.fake.wait("response_url", 2)[1]
    assert quotes.args["response_type"] == "ephemeral"
    numbers = button["value"].split(":")[1].split(",")
    assert all(f"`[{n}]`" in quotes.text() for n in numbers)


def test_a_long_result_is_split_into_messages_within_slacks_limits(slack: Rig) -> None:
    # Sentences of ~2,900 characters (near the longest newsdesk keeps), each a demand, so the long summary's 17
    # points cannot fit one message: its sections and messages must split, losing nothing.
    sentences = [f"Point {i} says we must " + " ".join(f"word{i}x{j}" for j in range(300)) + "." for i in range(20)]
    slack.command("/summarize", "--length long " + " ".join(sentences))
    first = slack.responses()[0]
    time.sleep(1.0)
    calls = slack.fake.of("response_url")
    assert len(calls) >= 2
    for call in calls:
        blocks = call.args["blocks"]
        assert isinstance(blocks, list) and len(blocks) <= 50
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if "text" in b)
        assert len(call.text()) <= 2 * 40_000 and len(str(call.args["text"])) <= 40_000
    everything = " ".join(c.text() for c in calls)
    summary = slack.desk.summarize(slack.desk.store.latest(1)[0], "long")
    for point in summary.key_points:
        assert all(word in everything for word in point.text.split())
    assert first["response_type"] == "in_channel"


def test_fifty_commands_at_once_are_all_acknowledged_and_answered(slack: Rig) -> None:
    slack.command("/summarize", SEED.read_text())
    slack.responses(1)
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda i: slack.command("/ask", f"Who ended the siege? ({i})"), range(50)))
    assert [status for status, _ in results] == [200] * 50
    answers = slack.fake.wait("response_url", 51, timeout=120)
    assert sum("Sindh police officers" in call.text() for call in answers) == 50


def test_digests_are_posted_to_the_subscribed_channel_and_thread(slack: Rig) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack.fake.url("/api/"))
    editorial = slack.desk.add(slack.desk.reader.from_source(str(SEED)))
    now = utc_now()
    replies = Digest(now - timedelta(days=1), now, (slack.desk.summarize(editorial, "short"),)).replies()
    subscription = Subscription("slack:C9:1.5", "slack", "C9", "1.5", "07:30", "UTC", None, now, None)
    for position, reply in enumerate(replies):
        slack_poster(client)(subscription, reply, key=f"run.{position}", check=False)
    posted = slack.fake.of("chat.postMessage")
    assert len(posted) == 2 and all(c.args["channel"] == "C9" and c.args["thread_ts"] == "1.5" for c in posted)
    assert "Security stocktaking" in posted[1].text()


@contextlib.contextmanager
def socket_mode_rig(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[FakeSlack, FakeSocketMode, Newsdesk]]:
    """newsdesk's Slack adapter started in Socket Mode against the loopback Web API and websocket."""
    with FakeSlack() as fake:
        link = FakeSocketMode()
        fake.socket_url = link.url
        settings = Settings(db_path=tmp_path / "socket.db", slack_bot_token=Secret(BOT_TOKEN),
                            slack_app_token=Secret("xapp-test-token"), slack_api_url=fake.url("/api/"))
        desk = build_newsdesk(settings, embedder=embedder)
        running = start_slack(desk)
        try:
            assert running.mode == "socket" and link.connected.wait(10)
            yield fake, link, desk
        finally:
            running.close()
            link.close()
            desk.store.close()


def test_socket_mode_connects_with_the_app_token_and_answers_over_the_websocket(tmp_path: Path,
                                                                              embedder: Embedder) -> None:
    with socket_mode_rig(tmp_path, embedder) as (fake, link, _):
        [opened] = fake.of("apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-test-token"
        body = dict(parse_qsl(command_body("/summarize", SEED.read_text(), fake.url("/response/C1")).decode()))
        link.send({"envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                   "payload": body})
        ack = link.wait_ack("env-1")
        assert "Reading the editorial" in json.dumps(ack)
        summary = fake.wait("response_url")[0]
        assert summary.args["blocks"][0]["text"]["text"] == "Security stocktaking"  # type: ignore[index]


def test_the_manifest_declares_what_the_adapter_answers_and_no_more_scopes() -> None:
    manifest = yaml.safe_load((Path(__file__).resolve().parent.parent / "adapters/slack/manifest.yml").read_text())
    commands = {c["command"].lstrip("/") for c in manifest["features"]["slash_commands"]}
    assert commands == {"summarize", "ask", "editorials", "digest", "newsdesk"}
    assert [s["callback_id"] for s in manifest["features"]["shortcuts"]] == [SHORTCUT]
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands", "chat:write", "chat:write.public", "app_mentions:read", "files:read", "channels:history",
        "groups:history"}
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_serve_starts_slack_in_http_mode_from_the_settings(tmp_path: Path, embedder: Embedder) -> None:
    port = free_port()
    with FakeSlack() as fake:
        settings = Settings(db_path=tmp_path / "serve.db", slack_bot_token=Secret(BOT_TOKEN),
                            slack_signing_secret=Secret(SIGNING_SECRET), slack_port=port,
                            slack_api_url=fake.url("/api/"))
        desk = build_newsdesk(settings, embedder=embedder)
        stop, out = threading.Event(), io.StringIO()
        running = threading.Thread(target=serve, args=(desk,), kwargs={"stop": stop, "stdout": out})
        running.start()
        url, body = f"http://127.0.0.1:{port}/slack/events", command_body("/editorials", "", fake.url("/response/C1"))
        for _ in range(100):
            with contextlib.suppress(OSError):
                if signed_post(url, body)[0] == 200:
                    break
            time.sleep(0.05)
        assert "library is empty" in fake.wait("response_url")[0].text()
        stop.set()
        running.join(10)
        assert not running.is_alive() and "console" not in out.getvalue()
        desk.store.close()


def _twice(rig: Rig, event: dict[str, object], n: int, message_first: bool) -> None:
    """One mention as Slack delivers it in a channel the bot is in: as `app_mention` and as `message`."""
    as_message = {**event, "type": "message"}
    pair = [(as_message, f"EvM{n}"), (event, f"EvA{n}")]
    for body, event_id in pair if message_first else pair[::-1]:
        assert rig.event(body, event_id)[0] == 200


@pytest.mark.parametrize("message_first", [True, False])
def test_a_mention_delivered_twice_is_answered_once_in_either_order(slack: Rig, message_first: bool) -> None:
    seed = slack.desk.add(slack.desk.reader.from_source(str(SEED)))
    slack.desk.store.remember(conversation_key("slack", "C1", "500.000001"), seed.id)  # the thread's editorial
    _twice(slack, mention("Who ended the siege?", "500.000001"), 1, message_first)
    _twice(slack, mention("Who ended the siege?", "500.000002", thread_ts="500.000001"), 2, message_first)
    slack.event(mention("What does it call for?", "500.000003"), "EvEnd")  # a marker that the queue drained
    answers = slack.fake.wait("chat.postMessage", 3)
    time.sleep(0.5)
    assert len(slack.fake.of("chat.postMessage")) == 3
    assert sorted(str(c.args["thread_ts"]) for c in answers) == ["500.000001", "500.000001", "500.000003"]
    assert sum("Sindh police officers" in c.text() for c in answers) == 2


def test_a_burst_of_mentions_each_sent_twice_at_once_is_answered_twenty_of_twenty(slack: Rig) -> None:
    slack.desk.add(slack.desk.reader.from_source(str(SEED)))
    events = [mention(f"Who ended the siege? ({i})", f"600.{i:06d}") for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: _twice(slack, events[i], i, i % 2 == 0), range(20)))
    answers = slack.fake.wait("chat.postMessage", 20, timeout=120)
    time.sleep(0.5)
    assert len(slack.fake.of("chat.postMessage")) == 20
    assert sorted(str(c.args["thread_ts"]) for c in answers) == [f"600.{i:06d}" for i in range(20)]


@pytest.mark.parametrize("message_first", [True, False])
def test_socket_mode_answers_a_mention_delivered_twice_once(tmp_path: Path, embedder: Embedder,
                                                           message_first: bool) -> None:
    with socket_mode_rig(tmp_path, embedder) as (fake, link, desk):
        desk.add(desk.reader.from_source(str(SEED)))
        for n in range(10):
            event = mention(f"Who ended the siege? ({n})", f"800.{n:06d}")
            pair = [({**event, "type": "message"}, f"EvM{n}"), (event, f"EvA{n}")]
            for body, event_id in pair if message_first else pair[::-1]:
                link.send({"envelope_id": f"env-{event_id}", "type": "events_api", "accepts_response_payload":
                           False, "payload": json.loads(event_body(body, event_id))})
        answers = fake.wait("chat.postMessage", 10, timeout=120)
        time.sleep(0.5)
        assert len(fake.of("chat.postMessage")) == 10
        assert sorted(str(c.args["thread_ts"]) for c in answers) == [f"800.{n:06d}" for n in range(10)]


def test_serve_loads_the_model_before_slack_can_reach_it(tmp_path: Path) -> None:
    """The first answer after a start must not wait 12-18 s for the model: it is loaded before the port opens."""
    port = free_port()
    cold = Embedder()
    with FakeSlack() as fake:
        settings = Settings(db_path=tmp_path / "cold.db", slack_bot_token=Secret(BOT_TOKEN),
                            slack_signing_secret=Secret(SIGNING_SECRET), slack_port=port,
                            slack_api_url=fake.url("/api/"))
        desk = build_newsdesk(settings, embedder=cold)
        stop = threading.Event()
        running = threading.Thread(target=serve, args=(desk,), kwargs={"stop": stop, "stdout": io.StringIO()})
        running.start()
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
                time.sleep(0.01)
            assert cold.loaded  # the port is open only once the model is in memory
        finally:
            stop.set()
            running.join(30)
            desk.store.close()
