"""The Discord client: mentions and replies, slash commands, typing while it works, and the core off the loop.

At most `NEWSDESK_WORKERS` commands run in the core at once (in threads, never on the event loop); a few more
wait their turn, and past that a user is told politely to come back in a minute.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from adapters.discord.events import PLATFORM, conversation, mention_line, read_attachment, request, without_mention
from adapters.discord.layout import outgoing
from bot.errors import BadInput
from bot.messages import Attachment, Reply, Request, conversation_key
from bot.newsroom.desk import Newsdesk
from bot.newsroom.mentions import command_line
from bot.settings import Settings

__all__ = ["BUSY", "Jobs", "build_client"]

log = logging.getLogger(__name__)

T = TypeVar("T")
BUSY = "newsdesk is busy with other editorials right now; try again in a minute."
FAILED = "Something went wrong on newsdesk's side; the details are in its log."
NOBODY = discord.AllowedMentions.none()
# newsdesk never joins a voice channel: spare the admin discord.py's warnings about voice libraries.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


class Jobs:
    """Run core work in threads, `workers` at once, with at most `waiting` more queued behind them."""

    def __init__(self, workers: int, waiting: int) -> None:
        self._slots = asyncio.Semaphore(workers)
        self._limit = workers + waiting
        self._taken = 0

    async def run(self, work: Callable[..., T], *args: Any) -> T | None:
        """The work's result, or None when too many jobs are already in hand."""
        if self._taken >= self._limit:
            return None
        self._taken += 1
        try:
            async with self._slots:
                return await asyncio.to_thread(work, *args)
        finally:
            self._taken -= 1


def build_client(desk: Newsdesk, settings: Settings, *, message_content: bool) -> discord.Client:
    """The discord.py client for `desk`, with the application commands on its tree.

    Example:
        client = build_client(desk, settings, message_content=False)
        await client.start(settings.discord_token.reveal())
    """
    intents = discord.Intents.default()
    intents.message_content = message_content  # privileged: only when the bot owner ticked it
    if settings.discord_shard_count:  # this worker's shards (all of them when no ids are given)
        shards = list(settings.discord_shard_ids or range(settings.discord_shard_count))
        client: discord.Client = discord.AutoShardedClient(intents=intents, allowed_mentions=NOBODY,
                                                           shard_ids=shards, shard_count=settings.discord_shard_count)
    else:
        client = discord.Client(intents=intents, allowed_mentions=NOBODY)
    tree = app_commands.CommandTree(client)
    jobs = Jobs(settings.workers, waiting=settings.workers * 4)

    async def handle(made: Request) -> list[Reply]:
        replies = await jobs.run(desk.handle, made)
        return replies if replies is not None else [Reply(text=BUSY, is_error=True, private=True)]

    async def answered(work: Awaitable[list[Reply]], what: str) -> list[Reply]:
        """The replies, or the one private sentence a user gets when their input or newsdesk failed."""
        try:
            return await work
        except BadInput as error:
            return [Reply(text=str(error), is_error=True, private=True)]
        except Exception:
            log.exception("discord %s failed", what)
            return [Reply(text=FAILED, is_error=True, private=True)]

    async def files_of(attachment: discord.Attachment | None) -> tuple[Attachment, ...]:
        return (await read_attachment(attachment, settings.max_bytes),) if attachment else ()

    def remember(channel: str, sent: discord.Message | None, reply: Reply) -> None:
        """Replies to the bot's message are follow-ups about the same editorial."""
        editorial = reply.summary.editorial if reply.summary else reply.answer.editorial if reply.answer else None
        if sent is not None and editorial is not None:
            desk.store.remember(conversation_key(PLATFORM, channel, str(sent.id)), editorial.id)

    @client.event
    async def on_message(message: discord.Message) -> None:
        me = client.user
        if me is None or message.author.bot:
            return  # itself and other bots
        if not isinstance(message.channel, discord.DMChannel) and all(m.id != me.id for m in message.mentions):
            return
        channel, thread = conversation(message)

        async def work() -> list[Reply]:
            async with message.channel.typing():
                line, target = mention_line(without_mention(message.content, me.id), message, me.id)
                files = await files_of(target.attachments[0] if target.attachments else None)
                return await handle(request(line, message.author.id, channel, thread, desk.store.clock(), files))

        replies = await answered(work(), f"message {message.id}")
        first = True
        for reply in replies:
            for out in outgoing(reply):
                if first:
                    # the user may have deleted their message while newsdesk worked: answer all the same
                    sent = await message.channel.send(out.content, embeds=list(out.embeds), allowed_mentions=NOBODY,
                                                      reference=message.to_reference(fail_if_not_exists=False))
                else:
                    sent = await message.channel.send(out.content, embeds=list(out.embeds), allowed_mentions=NOBODY)
                first = False
                remember(channel, sent, reply)

    async def run_command(interaction: discord.Interaction, line: str, file: discord.Attachment | None = None,
                          private: bool = False) -> None:
        await interaction.response.defer(thinking=True, ephemeral=private)
        channel = str(interaction.channel_id)

        async def work() -> list[Reply]:
            files = await files_of(file)
            return await handle(request(line, interaction.user.id, channel, None, desk.store.clock(), files))

        replies = await answered(work(), line.split(" ", 1)[0])
        if replies and replies[0].private and not private:
            await interaction.delete_original_response()  # errors are for the asker only
            private = True
        for reply in replies:
            for out in outgoing(reply):
                sent = await interaction.followup.send(out.content or discord.utils.MISSING, embeds=list(out.embeds),
                                                       ephemeral=private, allowed_mentions=NOBODY, wait=True)
                remember(channel, sent, reply)

    @tree.command(name="summarize", description="Summarise an editorial: pasted text, a link, or a file")
    @app_commands.describe(text="the editorial's text, or a link to it", file="a .txt, .md, .html or .pdf file",
                           length="fewer or more key points")
    @app_commands.choices(length=[app_commands.Choice(name=n, value=n) for n in ("short", "medium", "long")])
    async def summarize(interaction: discord.Interaction, text: str | None = None,
                        file: discord.Attachment | None = None, length: str | None = None) -> None:
        option = f"--length {length} " if length else ""
        await run_command(interaction, f"/summarize {option}{text or ''}".strip(), file)

    @tree.command(name="ask", description="Ask about the editorial this channel is discussing")
    @app_commands.describe(question="what you want to know", library="search every stored editorial instead")
    async def ask(interaction: discord.Interaction, question: str, library: bool = False) -> None:
        await run_command(interaction, f"/ask {'--all ' if library else ''}{question}")

    @tree.command(name="editorials", description="The latest editorials in the library")
    async def editorials(interaction: discord.Interaction) -> None:
        await run_command(interaction, "/editorials")

    @tree.command(name="digest", description="The day's editorials here every morning")
    @app_commands.describe(action="subscribe 07:30 Asia/Karachi [feed] | now | status | unsubscribe")
    async def digest(interaction: discord.Interaction, action: str = "status") -> None:
        await run_command(interaction, f"/digest {action}", private=action.strip().lower() == "status")

    @tree.command(name="newsdesk", description="Help, or any newsdesk command")
    async def newsdesk(interaction: discord.Interaction, command: str = "help") -> None:
        await run_command(interaction, command_line(command) or "help", private=True)

    async def sync_commands() -> None:
        """Sync the slash commands: to one guild (instant) when DISCORD_GUILD_ID is set, else globally; with shards
        over several workers, only the worker that runs shard 0 does."""
        if settings.discord_shard_ids and 0 not in settings.discord_shard_ids:
            return
        if settings.discord_guild_id:
            guild = discord.Object(id=settings.discord_guild_id)
            tree.copy_global_to(guild=guild)
            await tree.sync(guild=guild)
        else:
            await tree.sync()
        log.info("Discord: slash commands synced %s", f"to guild {settings.discord_guild_id}"
                 if settings.discord_guild_id else "globally")

    client.setup_hook = sync_commands  # type: ignore[method-assign]
    return client

