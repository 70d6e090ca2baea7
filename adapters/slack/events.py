"""Slack payloads as core `Request`s: slash commands, mentions, thread replies and message shortcuts.

Pure translation; the only network call is `download`, which fetches a shared file with the bot token.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import urllib3
from slack_sdk import WebClient

from bot.errors import BadInput, short
from bot.messages import Attachment, Request
from bot.newsroom.mentions import command_line

__all__ = ["PLATFORM", "command_request", "download", "message_request", "plain_text", "thread_of"]

PLATFORM = "slack"
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#[A-Z0-9]+\|([^>]*)>")
_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_SPECIAL = re.compile(r"<!([a-z]+)(?:\^[^|>]*)?(?:\|[^>]*)?>")


def plain_text(text: str, bot_user: str | None = None) -> str:
    """Slack's message markup as plain text: links unwrapped, the bot's own mention removed, entities decoded."""
    if bot_user:
        text = re.sub(rf"<@{re.escape(bot_user)}(?:\|[^>]*)?>", " ", text)
    text = _LINK.sub(r"\1", text)
    text = _CHANNEL.sub(r"#\1", text)
    text = _USER.sub(r"@\1", text)
    text = _SPECIAL.sub(r"@\1", text)
    return html.unescape(re.sub(r"[ \t]{2,}", " ", text)).strip()


def command_request(body: Mapping[str, Any], now: datetime) -> Request:
    """A slash command. `/newsdesk <command> ...` runs that command; any other `/newsdesk ...` shows the help."""
    name = str(body.get("command", "")).lstrip("/").lower()
    text = plain_text(str(body.get("text", "")))
    line = (command_line(text) or "help") if name == "newsdesk" else f"/{name} {text}".strip()
    return Request(text=line, user=str(body.get("user_id", "")), channel=str(body.get("channel_id", "")),
                   platform=PLATFORM, received_at=now, workspace=body.get("team_id") or None)


def thread_of(message: Mapping[str, Any]) -> str | None:
    """The thread a message's answer goes in: the thread it is in, or a new one under it."""
    return str(message.get("thread_ts") or message.get("ts") or "") or None


def message_request(message: Mapping[str, Any], *, channel: str, user: str, line: str, now: datetime,
                    attachments: tuple[Attachment, ...] = (), workspace: str | None = None) -> Request:
    """A request answered in the thread of `message` (a mention, a thread reply, a shortcut's target)."""
    return Request(text=line, user=user, channel=channel, platform=PLATFORM, received_at=now,
                   thread=thread_of(message), attachments=attachments, workspace=workspace)


def download(client: WebClient, file: Mapping[str, Any], *, max_bytes: int, timeout: float) -> Attachment:
    """A shared file, fetched from its `url_private` with the bot token, within the core's size cap.

    The token is only ever sent to Slack's own hosts (or the Web API host the client was given)."""
    info = file if file.get("url_private") else client.files_info(file=str(file["id"]))["file"]
    name = str(info.get("name") or info.get("title") or "file")
    if int(info.get("size") or 0) > max_bytes:
        raise BadInput(f"{name} is larger than newsdesk's limit of {max_bytes:,} bytes.")
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    host = (urlsplit(url).hostname or "").lower()
    if not (host == "slack.com" or host.endswith(".slack.com") or host == urlsplit(client.base_url).hostname):
        raise BadInput(f"newsdesk could not fetch {short(name)}: Slack gave a download link outside Slack.")
    response = urllib3.request("GET", url, headers={"Authorization": f"Bearer {client.token}"},
                               preload_content=False, redirect=False, timeout=timeout)
    try:
        if response.status != 200:
            raise BadInput(f"Slack would not hand over {short(name)} (HTTP {response.status}); "
                           "is the bot in this channel?")
        data = response.read(max_bytes + 1)
    finally:
        response.release_conn()
    if len(data) > max_bytes:
        raise BadInput(f"{name} is larger than newsdesk's limit of {max_bytes:,} bytes.")
    return Attachment(name=name, data=data, content_type=str(info.get("mimetype") or "") or None)
