"""The core's whole vocabulary with the adapters: a `Request` in, a list of `Reply` out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.reading.documents import Attachment  # what a user sends with a command is read where files are read

if TYPE_CHECKING:
    from bot.answer import Answer
    from bot.reading.editorial import Editorial
    from bot.summary import Summary

__all__ = ["Attachment", "Reply", "Request", "conversation_key"]


def conversation_key(platform: str, channel: str, thread: str | None = None) -> str:
    """The key follow-up questions share: the thread when there is one, else the channel."""
    return f"{platform}:{channel}:{thread or ''}"


@dataclass(frozen=True)
class Request:
    """One command from one user, whatever platform it came from.

    Example:
        Request(text="/ask Who ended the siege?", user="U1", channel="C1", platform="slack",
                received_at=datetime.now(UTC))
    """

    text: str
    user: str
    channel: str
    platform: str
    received_at: datetime
    thread: str | None = None
    attachments: tuple[Attachment, ...] = ()
    workspace: str | None = None  # the Slack workspace (team id) when one deployment serves several

    @property
    def conversation(self) -> str:
        """The key follow-up questions share: the thread when there is one, else the channel."""
        return conversation_key(self.platform, self.channel, self.thread)


@dataclass(frozen=True)
class Reply:
    """What the core says back: plain text every platform can show, plus the structure behind it."""

    text: str
    summary: Summary | None = None
    answer: Answer | None = None
    editorials: tuple[Editorial, ...] = ()
    is_error: bool = False
    private: bool = field(default=False)
