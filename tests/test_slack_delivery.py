"""Getting answers to people in Slack: refusals told privately, Slack's five uses of a response_url, long quotes
split, and digests that resume after a kill without repeating a message."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

from slack_sdk import WebClient

from adapters.slack import slack_poster
from bot import Settings, build_newsdesk
from bot.library.ledger import Subscription
from bot.library.store import utc_now
from bot.models.embedder import Embedder

from .rigs.fake_slack import BOT_TOKEN, FakeSlack, interaction_body, signed_post
from .rigs.slack_rig import Rig, mention
from .rigs.support import SEED


def test_a_shortcut_where_newsdesk_is_not_a_member_tells_the_user_privately(slack: Rig) -> None:
    slack.fake.refused["chat.postMessage"] = "not_in_channel"
    payload = {"type": "message_action", "callback_id": "summarize_message", "trigger_id": "1.2",
               "response_url": slack.fake.url("/response/C7"), "team": {"id": "T1"}, "user": {"id": "U1"},
               "channel": {"id": "C7"}, "message": {"type": "message", "user": "U3", "ts": "700.000001",
                                                    "text": SEED.read_text()}}
    assert signed_post(slack.url, interaction_body(payload))[0] == 200
    told = slack.fake.wait("response_url")[0]
    assert told.args["response_type"] == "ephemeral"
    assert "invite it with `/invite @newsdesk`" in told.text() and "<#C7>" in told.text()
    assert "Security stocktaking" in told.text() and "TL;DR" in told.text()  # the answer itself, not lost


def test_an_answer_whose_progress_note_vanished_is_posted_anew(slack: Rig) -> None:
    slack.fake.refused["chat.update"] = "message_not_found"  # someone deleted the note meanwhile
    slack.fake.share("F2", "security.txt", SEED.read_bytes())
    slack.event(mention("", "710.000001", files=[{"id": "F2", "name": "security.txt"}]), "Ev71")
    posted = slack.fake.wait("chat.postMessage", 2)
    assert posted[0].args["text"].startswith("Reading the editorial")
    assert "Security stocktaking" in posted[1].text() and posted[1].args["thread_ts"] == "710.000001"


def test_a_failed_thread_reply_is_given_to_the_asker_as_an_ephemeral_message(slack: Rig) -> None:
    slack.desk.add(slack.desk.reader.from_source(str(SEED)))
    slack.fake.refused["chat.postMessage"] = "is_archived"
    slack.event(mention("Who ended the siege?", "720.000001"), "Ev72")
    [told] = slack.fake.wait("chat.postEphemeral")
    assert told.args["user"] == "U1" and "archived" in told.text() and "Sindh police officers" in told.text()


def _long_editorials(rig: Rig, count: int, sentences_each: int = 12) -> None:
    """Editorials whose sentences are each ~2,900 characters, so their digest cannot fit five Slack messages."""
    for n in range(count):
        sentences = [f"Editorial {n} point {i} says we must " + " ".join(f"w{n}x{i}x{j}" for j in range(280)) + "."
                     for i in range(sentences_each)]
        rig.desk.add(rig.desk.reader.from_text(f"Long editorial number {n}\n\n" + " ".join(sentences)))


def test_a_long_digest_uses_a_response_url_at_most_five_times_and_continues_in_a_thread(slack: Rig) -> None:
    _long_editorials(slack, 15)
    slack.command("/digest", "now")
    slack.fake.wait("chat.postMessage", 2, timeout=120)
    time.sleep(1.0)
    responses = slack.fake.of("response_url")
    assert len(responses) <= 5
    posted = slack.fake.of("chat.postMessage")
    assert posted[0].args.get("thread_ts") in (None, "") and "continued" in posted[0].text()
    assert all(c.args["thread_ts"] == "1700000000.000001" for c in posted[1:])
    everything = " ".join(c.text() for c in responses + posted)
    assert all(f"Long editorial number {n}" in everything for n in range(15))
    for call in responses + posted:
        assert len(str(call.args["text"])) <= 40_000 and len(call.args.get("blocks") or []) <= 50  # type: ignore[arg-type]


def test_the_quote_button_splits_a_long_quotation_like_every_other_reply(slack: Rig) -> None:
    _long_editorials(slack, 1, sentences_each=30)  # ~86,000 characters of quotation
    editorial = slack.desk.store.latest(1)[0]
    value = f"{editorial.id}:{','.join(str(n) for n in range(1, len(editorial.sentences) + 1))}"
    payload = {"type": "block_actions", "trigger_id": "1.3", "team": {"id": "T1"}, "user": {"id": "U1"},
               "channel": {"id": "C1"}, "response_url": slack.fake.url("/response/C1"),
               "actions": [{"action_id": "newsdesk_quote", "value": value, "type": "button", "block_id": "b1",
                            "action_ts": "1.4"}]}
    assert signed_post(slack.url, interaction_body(payload))[0] == 200
    slack.fake.wait("response_url", 1)
    time.sleep(1.0)
    calls = slack.fake.of("response_url")
    assert 2 <= len(calls) <= 5 and all(c.args["response_type"] == "ephemeral" for c in calls)
    assert all(len(str(c.args["text"])) <= 40_000 for c in calls)
    quoted = " ".join(c.text() for c in calls)
    assert all(f"`[{n}]`" in quoted for n in range(1, len(editorial.sentences) + 1))


def test_a_digest_killed_after_a_message_reached_slack_resumes_without_repeating_it(tmp_path: Path,
                                                                                    embedder: Embedder) -> None:
    """kill -9 between Slack accepting a digest message and newsdesk recording it: on restart, the message is found
    in the channel's history by the run key in its metadata, and the digest goes on from the next one."""
    db = tmp_path / "digest.db"
    desk = build_newsdesk(Settings(db_path=db), embedder=embedder)
    now = utc_now()
    for n in range(3):
        body = SEED.read_text().split("\n", 1)[1].replace("Karachi", f"Karachi-{n}")
        desk.add(desk.reader.from_text(f"Security stocktaking, part {n}\n{body}"))  # undated: today's
    desk.ledger.subscribe(Subscription("slack:C5:", "slack", "C5", None, f"{(now - timedelta(minutes=5)):%H:%M}",
                                       "UTC", None, now - timedelta(days=1), None))
    desk.store.close()
    with FakeSlack() as fake:
        fake.hold_after = 2  # the third message is posted, and the bot is killed before it hears back
        script = textwrap.dedent(f"""
            from pathlib import Path
            from slack_sdk import WebClient
            from adapters.slack import slack_poster
            from bot import Settings, build_newsdesk
            from bot.library.store import utc_now
            desk = build_newsdesk(Settings(db_path=Path({str(db)!r})))
            client = WebClient(token={BOT_TOKEN!r}, base_url={fake.url("/api/")!r})
            desk.digests.deliver_due(utc_now(), slack_poster(client))
        """)
        worker = subprocess.Popen([sys.executable, "-c", script])
        fake.wait("chat.postMessage", 3, timeout=120)
        worker.kill()
        worker.wait()
        fake.released.set()
        fake.hold_after = None
        restarted = build_newsdesk(Settings(db_path=db), embedder=embedder)
        lapsed = utc_now() + timedelta(minutes=11)  # the killed process's claim on the digest has lapsed
        assert restarted.digests.deliver_due(lapsed, slack_poster(WebClient(token=BOT_TOKEN,
                                                                            base_url=fake.url("/api/")))) == 1
        posted = [c.args["metadata"]["event_payload"]["key"] for c in fake.of("chat.postMessage")]  # type: ignore
        assert len(posted) == len(set(posted)) == 4  # the header and three editorials, each exactly once
        assert fake.of("conversations.history")  # it looked before going on
        restarted.store.close()
