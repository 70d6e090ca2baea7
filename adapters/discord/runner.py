"""Running the Discord client beside the rest of newsdesk: its own event loop in a thread, and a digest poster."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, TypeVar

import discord

from adapters.discord.client import NOBODY, build_client
from adapters.discord.layout import outgoing
from bot.errors import SettingsError
from bot.library.ledger import Subscription
from bot.messages import Reply
from bot.newsroom.desk import Newsdesk
from bot.newsroom.digest import Poster

__all__ = ["DiscordRunning", "discord_poster", "message_content_allowed", "start_discord"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class DiscordRunning:
    """A started Discord adapter: its client, what posts digests to Discord, and how to stop it."""

    client: discord.Client
    poster: Poster
    close: Callable[[], None]


async def message_content_allowed(token: str) -> bool:
    """Whether the bot owner ticked the privileged Message Content intent (asking without it is refused)."""
    probe = discord.Client(intents=discord.Intents.default())
    try:
        await probe.login(token)
        flags = (await probe.application_info()).flags
        return bool(flags.gateway_message_content or flags.gateway_message_content_limited)
    finally:
        await probe.close()


def discord_poster(client: discord.Client, loop: asyncio.AbstractEventLoop) -> Poster:
    """Post digest messages to the channel that subscribed, from any thread. Each goes with a nonce made from its
    key and `enforce_nonce`, so Discord itself drops a repeat sent after a restart (within its nonce window)."""

    async def send(channel_id: int, reply: Reply, key: str) -> None:
        channel = client.get_partial_messageable(channel_id)
        for part, out in enumerate(outgoing(reply)):
            await channel.send(content=out.content, embeds=list(out.embeds), allowed_mentions=NOBODY,
                               nonce=hashlib.sha256(f"{key}.{part}".encode()).hexdigest()[:25])

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        asyncio.run_coroutine_threadsafe(send(int(subscription.channel), reply, key), loop).result(timeout=120)

    return post


def start_discord(desk: Newsdesk) -> DiscordRunning:
    """Log in (a bad token fails here, in one sentence), then run the client on its own loop in a thread.

    Example:
        running = start_discord(desk)    # DISCORD_TOKEN from the environment or .env, via desk.settings
        ...
        running.close()
    """
    if desk.settings.discord_token is None:
        raise SettingsError("Set DISCORD_TOKEN in the environment or .env to run the Discord adapter.")
    token = desk.settings.discord_token.reveal()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="discord", daemon=True)
    thread.start()

    def stop_loop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)  # its sockets and tasks end before the interpreter does

    def call(coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)

    try:
        content = call(message_content_allowed(token), 60)
    except BaseException:
        stop_loop()
        raise
    settings = desk.settings
    shards = f" as shards {','.join(map(str, settings.discord_shard_ids or range(settings.discord_shard_count)))} " \
        f"of {settings.discord_shard_count}" if settings.discord_shard_count else ""
    log.info("Discord: logging in%s%s", shards, " with the Message Content intent" if content else
             " without the Message Content intent (mentions, replies and slash commands still work)")
    client = build_client(desk, desk.settings, message_content=content)
    running = asyncio.run_coroutine_threadsafe(client.start(token), loop)
    running.add_done_callback(_report)

    def close() -> None:
        try:
            call(client.close(), 30)
            call(_cancel_the_rest(), 30)
        finally:
            stop_loop()

    return DiscordRunning(client, discord_poster(client, loop), close)


async def _cancel_the_rest() -> None:
    """Cancel what discord.py left running, so the loop stops clean."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _report(done: Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("Discord stopped: %s", done.exception())
