"""Compose the application from settings: the one place that builds store, reader, model and engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.engines import make_engine
from bot.library.store import Store, utc_now
from bot.models.embedder import Embedder
from bot.newsroom.commands import dispatch
from bot.newsroom.desk import Newsdesk
from bot.reading.fetcher import Fetcher
from bot.reading.ingest import Reader
from bot.settings import Settings

__all__ = ["build_newsdesk"]


def build_newsdesk(settings: Settings, *, clock: Callable[[], datetime] = utc_now,
                   embedder: Embedder | None = None) -> Newsdesk:
    """Build a `Newsdesk` from settings. Pass an `embedder` to share one loaded model between desks.

    Example:
        desk = build_newsdesk(load_settings())
        replies = desk.handle(request)
    """
    embedder = embedder or Embedder(settings.embedding_model, settings.precision, settings.model_cache)
    fetcher = Fetcher(max_bytes=settings.max_bytes, timeout=settings.fetch_timeout,
                      allow_private=settings.allow_private_urls, trusted_hosts=settings.trusted_hosts)
    return Newsdesk(
        settings=settings,
        store=Store(settings.database, clock=clock),
        reader=Reader(fetcher, max_chars=settings.max_chars, max_bytes=settings.max_bytes,
                      read_seconds=settings.read_seconds),
        embedder=embedder,
        engine=make_engine(settings, embedder),
        route=dispatch,
    )
