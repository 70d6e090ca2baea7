"""newsdesk's core: read editorials, summarise them, answer questions about them.

Adapters build a `Request`, hand it to `Newsdesk.handle`, and show the `Reply` objects that come back.

Example:
    from bot import build_newsdesk, load_settings
    desk = build_newsdesk(load_settings())
"""

from bot.answer import Answer, Citation
from bot.app import build_newsdesk
from bot.errors import BadInput, SettingsError
from bot.messages import Attachment, Reply, Request
from bot.newsroom.desk import Newsdesk
from bot.reading.editorial import Editorial
from bot.settings import Settings, load_settings
from bot.summary import Point, Summary

__all__ = [
    "Answer",
    "Attachment",
    "BadInput",
    "Citation",
    "Editorial",
    "Newsdesk",
    "Point",
    "Reply",
    "Request",
    "Settings",
    "SettingsError",
    "Summary",
    "build_newsdesk",
    "load_settings",
]
