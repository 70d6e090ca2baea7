"""The Discord adapter end to end: the real discord.py client connects to a loopback Discord
(`tests/rigs/fake_discord.py`), receives gateway events and sends its replies there; the real embedded model works in
between."""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import discord.webhook.async_
import pytest
import yarl
from discord.gateway import DiscordWebSocket

from adapters.discord import DiscordRunning, start_discord
from adapters.discord.client import Jobs
from adapters.discord.events import NO_CONTENT
from adapters.serve import serve
from bot import Newsdesk, Reply, Settings, build_newsdesk
from bot.library.ledger import Subscription
from bot.library.store import utc_now
from bot.models.embedder import Embedder
from bot.newsroom.digest import Digest
from bot.settings import Secret

from .rigs.fake_discord import (
    APP_ID,
    BOT,
    BOT_ID,
    CHANNEL_ID,
    DM_CHANNEL_ID,
    GUILD_ID,
    OTHER_BOT_ID,
    THREAD_ID,
    USER_ID,
    Call,
    FakeDiscord,
    user,
)
from .rigs.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack, command_body, signed_post
from .rigs.support import SEED, free_port


def pings_nobody(call: Call) -> bool:
    """No user, role, @everyone or replied-to author is pinged (Discord's default for replied_user is off)."""
    allowed = call.body["allowed_mentions"]
    return allowed["parse"] == [] and not allowed.get("users") and not allowed.get("roles") \
        and not allowed.get("replied_user", False)


@dataclass
class Rig:
    fake: FakeDiscord
    desk: Newsdesk
    running: DiscordRunning

    def say(self, content: str, **kwargs: Any) -> dict[str, Any]:
        message = self.fake.message(content, **kwargs)
        self.fake.dispatch("MESSAGE_CREATE", message)
        return message

    def command(self, name: str, **options: Any) -> None:
        self.fake.dispatch("INTERACTION_CREATE", self.fake.interaction(name, **options))


def start(tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch, message_content: bool = False,
          ) -> tuple[FakeDiscord, Newsdesk, DiscordRunning]:
    fake = FakeDiscord(message_content=message_content)
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.webhook.async_.Route, "BASE", fake.api)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway))
    settings = Settings(db_path=tmp_path / "newsdesk.db", discord_token=Secret("discord-test-token"),
                        discord_guild_id=GUILD_ID)
    desk = build_newsdesk(settings, embedder=embedder)
    running = start_discord(desk)
    assert fake.ready.wait(30)
    return fake, desk, running


@pytest.fixture
def rig(tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> Iterator[Rig]:
    fake, desk, running = start(tmp_path, embedder, monkeypatch)
    yield Rig(fake, desk, running)
    running.close()
    fake.close()
    desk.store.close()


def embed(call: Call) -> dict[str, Any]:
    return call.body["embeds"][0]


def as_referenced(call: Call) -> dict[str, Any]:
    """The bot's posted message as Discord would send it back inside a reply's `referenced_message`."""
    return {"id": call.sent_id, "channel_id": str(CHANNEL_ID), "guild_id": str(GUILD_ID), "author": BOT,
            "content": call.body.get("content") or "", "embeds": call.body.get("embeds") or [],
            "timestamp": "2026-11-24T07:00:00+00:00", "edited_timestamp": None, "tts": False,
            "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "pinned": False,
            "type": 19}


def test_commands_are_synced_to_the_guild_and_no_privileged_intent_is_asked(rig: Rig) -> None:
    deadline = time.monotonic() + 30
    while not any(c.method == "PUT" for c in rig.fake.calls) and time.monotonic() < deadline:
        time.sleep(0.05)
    [sync] = [c for c in rig.fake.calls if c.method == "PUT"]
    assert sync.path == f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"
    assert {c["name"] for c in sync.body["items"]} == {"summarize", "ask", "editorials", "digest", "newsdesk"}
    assert rig.fake.identify is not None and not rig.fake.identify["intents"] & (1 << 15)


def test_a_mention_with_the_seed_attached_gets_a_summary_embed_in_reply(rig: Rig) -> None:
    file = rig.fake.attachment("security.txt", SEED.read_bytes())
    mention = rig.say(f"<@{BOT_ID}>", attachments=[file])
    [reply] = rig.fake.wait_posts(1)
    assert reply.path == f"/channels/{CHANNEL_ID}/messages"
    assert str(reply.body["message_reference"]["message_id"]) == mention["id"]
    assert pings_nobody(reply)
    card = embed(reply)
    assert card["title"] == "Security stocktaking"
    assert "**TL;DR**" in card["description"] and "**What it calls for**" in card["description"]
    assert "extractive engine" in card["footer"]["text"] and card["fields"][0]["name"] == "Sentences cited"
    assert any(c.path.endswith("/typing") for c in rig.fake.calls)


def test_questions_in_the_reply_chain_are_about_that_editorial(rig: Rig) -> None:
    rig.say(f"<@{BOT_ID}> {SEED.read_text()[:3900]}")
    summary = rig.fake.wait_posts(1)[0]
    bots_message = as_referenced(summary)
    rig.say(f"<@{BOT_ID}> Who ended the siege?", reply_to=bots_message, mentions=[BOT])
    answer = rig.fake.wait_posts(2)[1]
    assert "Sindh police officers" in embed(answer)["description"] and "`[20]`" in embed(answer)["description"]
    assert embed(answer)["title"] == "Who ended the siege?"
    rig.say(f"<@{BOT_ID}> How many people died?", reply_to=bots_message, mentions=[BOT])
    unsaid = rig.fake.wait_posts(3)[2]
    assert embed(unsaid)["description"].startswith("**The editorial does not say.**")


def test_in_a_thread_every_mention_is_about_the_threads_editorial(rig: Rig) -> None:
    rig.say(f"<@{BOT_ID}> {SEED.read_text()[:3900]}", channel=THREAD_ID)
    summary = rig.fake.wait_posts(1)[0]
    assert summary.path == f"/channels/{THREAD_ID}/messages" and embed(summary)["title"] == "Security stocktaking"
    rig.say(f"<@{BOT_ID}> Who ended the siege?", channel=THREAD_ID)  # no reply: the thread is the conversation
    answer = rig.fake.wait_posts(2)[1]
    assert "Sindh police officers" in embed(answer)["description"]


def test_a_direct_message_is_one_conversation_and_needs_no_mention(rig: Rig) -> None:
    rig.say(SEED.read_text()[:3900], channel=DM_CHANNEL_ID, mentions=[])
    summary = rig.fake.wait_posts(1)[0]
    assert summary.path == f"/channels/{DM_CHANNEL_ID}/messages"
    assert embed(summary)["title"] == "Security stocktaking"
    rig.say("Who ended the siege?", channel=DM_CHANNEL_ID, mentions=[])  # no mention, no reply: the DM is the thread
    answer = rig.fake.wait_posts(2)[1]
    assert answer.path == f"/channels/{DM_CHANNEL_ID}/messages"
    assert "Sindh police officers" in embed(answer)["description"] and "`[20]`" in embed(answer)["description"]
    rig.say("How many people died?", channel=DM_CHANNEL_ID, mentions=[])
    unsaid = rig.fake.wait_posts(3)[2]
    assert embed(unsaid)["description"].startswith("**The editorial does not say.**")  # this one, not the library
    rig.say("Who ended the siege?", mentions=[])  # the same words in a guild channel without a mention: ignored
    time.sleep(1.0)
    assert len(rig.fake.posts()) == 3


def test_summarize_this_in_reply_to_someone_elses_message(tmp_path: Path, embedder: Embedder,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    fake, desk, running = start(tmp_path, embedder, monkeypatch, message_content=True)
    try:
        assert fake.identify is not None and fake.identify["intents"] & (1 << 15)  # the owner ticked it: used
        rig = Rig(fake, desk, running)
        original = fake.message(SEED.read_text(), mentions=[], author=user(USER_ID + 10, "reporter"))
        rig.say(f"<@{BOT_ID}> summarize this", reply_to=original)
        assert embed(fake.wait_posts(1)[0])["title"] == "Security stocktaking"
        hidden = fake.message("", mentions=[], author=user(USER_ID + 10, "reporter"))  # as without the intent
        rig.say(f"<@{BOT_ID}> summarize this", reply_to=hidden)
        assert fake.wait_posts(2)[1].body["content"] == NO_CONTENT
    finally:
        running.close()
        fake.close()
        desk.store.close()


def test_slash_commands_are_deferred_then_followed_up(rig: Rig) -> None:
    rig.command("summarize", text=SEED.read_text()[:3900])
    summary = rig.fake.wait_posts(1)[0]
    callbacks = [c for c in rig.fake.calls if c.path.startswith("/interactions/")]
    assert callbacks[0].body["type"] == 5  # deferred: "newsdesk is thinking…"
    assert summary.path == f"/webhooks/{APP_ID}/token-summarize" and embed(summary)["title"] == "Security stocktaking"
    rig.command("ask", question="Who ended the siege?")
    answer = rig.fake.wait_posts(2)[1]
    assert "Sindh police officers" in embed(answer)["description"]
    assert pings_nobody(answer)


def test_help_is_private_and_errors_replace_the_public_thinking_message(rig: Rig) -> None:
    rig.command("newsdesk", command="nonsense")
    help_text = rig.fake.wait_posts(1)[0]
    assert help_text.body["flags"] & 64 and "/summarize" in help_text.body["content"]  # 64: ephemeral
    rig.command("ask", question="Who ended the siege?")  # nothing summarised in this channel
    error = rig.fake.wait_posts(2)[1]
    assert error.body["flags"] & 64 and "Summarise one here first" in error.body["content"]
    assert any(c.method == "DELETE" and c.path.endswith("/messages/@original") for c in rig.fake.calls)


def test_mentions_in_quoted_text_ping_nobody_and_long_summaries_split(rig: Rig) -> None:
    words = " ".join(f"claim{j}" for j in range(600))
    text = " ".join(f"Sentence {i} says @everyone must read {words}." for i in range(12))
    rig.say(f"<@{BOT_ID}> --length long {text}"[:1990])  # what a mention can carry
    rig.command("summarize", text=text, length="long")
    posts = rig.fake.wait_posts(3)
    for post in posts:
        assert pings_nobody(post)
        assert len(post.body.get("content") or "") <= 2000
        assert sum(len(e.get("description", "")) + len(e.get("title", "")) for e in post.body["embeds"]) <= 6000
        assert all(len(e.get("description", "")) <= 4096 for e in post.body["embeds"])
    assert any("@everyone" in post.text() for post in posts)


def test_other_bots_are_ignored(rig: Rig) -> None:
    rig.say(f"<@{BOT_ID}> Who ended the siege?", author=user(OTHER_BOT_ID, "echo", bot=True))
    rig.say(f"<@{BOT_ID}> editorials")  # a marker: answered after the bot's message was handled
    posts = rig.fake.wait_posts(1)
    time.sleep(0.3)
    assert len(rig.fake.posts()) == 1 and "library is empty" in posts[0].body["content"]


def test_digests_are_posted_to_the_subscribed_channel(rig: Rig) -> None:
    editorial = rig.desk.add(rig.desk.reader.from_source(str(SEED)))
    now = utc_now()
    replies = Digest(now, now, (rig.desk.summarize(editorial, "short"),)).replies()
    subscription = Subscription("discord:77:", "discord", "77", None, "07:30", "UTC", None, now, None)
    for position, reply in enumerate(replies):
        rig.running.poster(subscription, reply, key=f"run.{position}", check=False)
    posts = rig.fake.posts()
    assert [p.path for p in posts] == ["/channels/77/messages"] * 2
    assert embed(posts[1])["title"] == "Security stocktaking"


def test_jobs_past_the_limit_are_told_to_come_back() -> None:
    async def scenario() -> list[object]:
        jobs, release = Jobs(workers=1, waiting=1), threading.Event()
        first = asyncio.ensure_future(jobs.run(release.wait))
        second = asyncio.ensure_future(jobs.run(lambda: "second"))
        await asyncio.sleep(0.1)
        third = await jobs.run(lambda: "third")  # a worker busy, one waiting: no room
        release.set()
        return [await first, await second, third]

    assert asyncio.run(scenario()) == [True, "second", None]



def test_serve_runs_discord_beside_slack(tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeDiscord()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.webhook.async_.Route, "BASE", fake.api)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway))
    port = free_port()
    with FakeSlack() as slack:
        settings = Settings(db_path=tmp_path / "both.db", discord_token=Secret("discord-test-token"),
                            slack_bot_token=Secret(BOT_TOKEN), slack_signing_secret=Secret(SIGNING_SECRET),
                            slack_port=port, slack_api_url=slack.url("/api/"))
        desk = build_newsdesk(settings, embedder=embedder)
        stop = threading.Event()
        serving = threading.Thread(target=serve, args=(desk,), kwargs={"stop": stop, "stdout": io.StringIO()})
        serving.start()
        try:
            assert fake.ready.wait(30)
            fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{BOT_ID}> editorials"))
            assert "library is empty" in fake.wait_posts(1)[0].body["content"]
            body = command_body("/editorials", "", slack.url("/response/C1"))
            for _ in range(100):
                with contextlib.suppress(OSError):
                    if signed_post(f"http://127.0.0.1:{port}/slack/events", body)[0] == 200:
                        break
                time.sleep(0.05)
            assert "library is empty" in slack.wait("response_url")[0].text()
        finally:
            stop.set()
            serving.join(30)
            fake.close()
            desk.store.close()
    assert not serving.is_alive()


def test_a_reply_to_a_mention_deleted_meanwhile_is_still_posted(rig: Rig) -> None:
    rig.desk.add(rig.desk.reader.from_source(str(SEED)))
    message = rig.fake.message(f"<@{BOT_ID}> Who ended the siege?")
    rig.fake.deleted.add(message["id"])  # the user deleted it while newsdesk was working
    rig.fake.dispatch("MESSAGE_CREATE", message)
    [answer] = rig.fake.wait_posts(1)
    assert answer.body["message_reference"]["fail_if_not_exists"] is False
    assert "Sindh police officers" in answer.text()


def test_mention_tokens_in_a_title_show_as_text(rig: Rig) -> None:
    title = f"A word for <@&{GUILD_ID}> and <@{USER_ID}> in <#{CHANNEL_ID}>"
    body = SEED.read_text().split("\n", 1)[1]
    rig.desk.add(rig.desk.reader.from_text(f"{title}\n{body}"))
    rig.command("summarize", text=f"{title}\n{body}"[:3900])
    rig.command("editorials")
    posts = rig.fake.wait_posts(2)
    summary = next(p for p in posts if p.body.get("embeds"))
    listing = next(p for p in posts if not p.body.get("embeds"))
    assert embed(summary)["title"] == "A word for @role and @user in #channel"
    assert "A word for @role and @user in #channel" in listing.text() and "<@" not in listing.text()


def test_a_digest_message_sent_again_after_a_crash_is_not_posted_twice(rig: Rig) -> None:
    """Killed after Discord took a digest message and before newsdesk recorded it: the resumed digest sends it again
    with the same nonce, and Discord (enforce_nonce) hands back the first message instead of posting a second."""
    now = utc_now()
    for n in range(2):
        body = SEED.read_text().split("\n", 1)[1].replace("Karachi", f"Karachi-{n}")
        rig.desk.add(rig.desk.reader.from_text(f"Security stocktaking, part {n}\n{body}"))
    rig.desk.ledger.subscribe(Subscription("discord:77:", "discord", "77", None, f"{now:%H:%M}", "UTC", None,
                                           now - timedelta(days=1), None))
    real = rig.running.poster

    def killed_after_second(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        real(subscription, reply, key=key, check=check)
        if key.endswith(".1") and not check:
            raise KeyboardInterrupt  # the message is in the channel; the ledger never hears of it

    with pytest.raises(KeyboardInterrupt):
        rig.desk.digests.deliver_due(now + timedelta(minutes=1), killed_after_second)
    assert rig.desk.digests.deliver_due(now + timedelta(minutes=2), real) == 1
    created = [p for p in rig.fake.posts() if p.path == "/channels/77/messages"]
    assert len(created) == 3  # the header and two editorials, once each
    assert [c.method for c in rig.fake.calls].count("POST (nonce repeated)") == 1


def test_two_workers_run_a_shard_each_and_the_guilds_shard_answers(tmp_path: Path, embedder: Embedder,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """DISCORD_SHARD_COUNT=2 over two workers on one store: each identifies as its own shard, the guild's events
    come on its shard's connection and are answered once, and only shard 0's worker syncs the slash commands."""
    fake = FakeDiscord()
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api)
    monkeypatch.setattr(discord.webhook.async_.Route, "BASE", fake.api)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway))
    workers: list[tuple[Newsdesk, DiscordRunning]] = []
    try:
        for shard in (0, 1):
            settings = Settings(db_path=tmp_path / "shared.db", discord_token=Secret("discord-test-token"),
                                discord_guild_id=GUILD_ID, discord_shard_count=2, discord_shard_ids=(shard,),
                                worker=f"web-{shard}")
            desk = build_newsdesk(settings, embedder=embedder)
            workers.append((desk, start_discord(desk)))
        assert fake.ready.wait(30)
        deadline = time.monotonic() + 30
        while len(fake.identifies) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sorted(tuple(identify["shard"]) for identify in fake.identifies) == [(0, 2), (1, 2)]
        workers[0][0].add(workers[0][0].reader.from_source(str(SEED)))  # stored by the other worker
        fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{BOT_ID}> Who ended the siege?"))
        [reply] = fake.wait_posts(1)
        time.sleep(0.5)
        assert len(fake.posts()) == 1 and "Sindh police officers" in str(reply.body)
        assert len([c for c in fake.calls if c.method == "PUT" and c.path.endswith("/commands")]) == 1
    finally:
        for desk, running in workers:
            running.close()
            desk.store.close()
        fake.close()
