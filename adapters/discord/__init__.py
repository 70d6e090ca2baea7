"""The Discord adapter: mentions, replies, slash commands and attachments, replies as embeds.

It only translates between discord.py and the core's `Request`/`Reply`.
"""

from adapters.discord.client import build_client
from adapters.discord.runner import DiscordRunning, discord_poster, start_discord

__all__ = ["DiscordRunning", "build_client", "discord_poster", "start_discord"]
