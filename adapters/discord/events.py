"""Discord messages and interactions as core `Request`s.

A conversation is a Discord thread, or else a reply chain: a message that replies to another is about what
that message was about, so the bot remembers the editorial under the ids of its own replies too.
"""

from __future__ import annotations

import re
from datetime import datetime

import discord

from bot.errors import BadInput
from bot.messages import Attachment, Request
from bot.newsroom.mentions import mention_command

__all__ = ["PLATFORM", "conversation", "mention_line", "read_attachment", "referenced", "request", "without_mention"]

PLATFORM = "discord"
_ASK_FOR_SUMMARY = re.compile(r"^(?:/?summari[sz]e|tl;?dr|sum)?\s*(?:this|that|it)?\s*(?:please)?[.!?]*$",
                              re.IGNORECASE)
NO_CONTENT = ("newsdesk cannot see that message's text: Discord hides it unless the bot owner turns on the Message "
              "Content intent. Paste the link or text in your mention instead.")


def without_mention(content: str, bot_id: int) -> str:
    """The message text with the bot's mention taken out, and <links> (Discord's no-preview form) unwrapped."""
    text = re.sub(r"<(https?://[^\s>]+)>", r"\1", re.sub(rf"<@!?{bot_id}>", " ", content))
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def conversation(message: discord.Message) -> tuple[str, str | None]:
    """(channel, thread) for the core: a Discord thread or a direct-message channel is one conversation;
    elsewhere, a reply belongs to the message it replies to, and a fresh message starts its own."""
    if isinstance(message.channel, discord.Thread | discord.DMChannel):
        return str(message.channel.id), None
    if message.reference is not None and message.reference.message_id is not None:
        return str(message.channel.id), str(message.reference.message_id)
    return str(message.channel.id), str(message.id)


def referenced(message: discord.Message) -> discord.Message | None:
    """The message this one replies to, when Discord sent it along."""
    resolved = message.reference.resolved if message.reference is not None else None
    return resolved if isinstance(resolved, discord.Message) else None


def mention_line(text: str, message: discord.Message, bot_id: int) -> tuple[str, discord.Message]:
    """The command a mention asks for, and the message whose text or file it is about: a bare "summarize this"
    in reply to someone else's message is about that message."""
    target = referenced(message)
    if target is not None and target.author.id != bot_id and _ASK_FOR_SUMMARY.match(text):
        own = without_mention(target.content, bot_id)
        if not own and not target.attachments:
            raise BadInput(NO_CONTENT)
        return f"/summarize {own}".strip(), target
    in_thread = message.reference is not None or isinstance(message.channel, discord.Thread | discord.DMChannel)
    return mention_command(text, in_thread=in_thread, has_files=bool(message.attachments)), message


async def read_attachment(attachment: discord.Attachment, max_bytes: int) -> Attachment:
    """An attached file through discord.py, within the core's size cap (the core checks its type)."""
    if attachment.size > max_bytes:
        raise BadInput(f"{attachment.filename} is larger than newsdesk's limit of {max_bytes:,} bytes.")
    data = await attachment.read()
    return Attachment(name=attachment.filename, data=data, content_type=attachment.content_type)


def request(line: str, user: int, channel: str, thread: str | None, now: datetime,
            attachments: tuple[Attachment, ...] = ()) -> Request:
    """A Discord message or slash command as the core's `Request`."""
    return Request(text=line, user=str(user), channel=channel, platform=PLATFORM, received_at=now, thread=thread,
                   attachments=attachments)
