"""Engines by name: the plain registry settings choose from (`NEWSDESK_ENGINE`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.embedder import Embedder
from bot.engines.base import Engine, Indexed, key_point_count
from bot.engines.extractive import ExtractiveEngine
from bot.engines.fake import FakeEngine
from bot.errors import SettingsError

__all__ = ["ENGINES", "Engine", "Indexed", "key_point_count", "make_engine"]

EngineFactory = Callable[[Embedder], Engine]

ENGINES: dict[str, EngineFactory] = {
    "extractive": ExtractiveEngine,
    "fake": lambda embedder: FakeEngine(),
}


def make_engine(name: str, embedder: Embedder) -> Engine:
    """Build the engine called `name`; a SettingsError names the choices when there is no such engine."""
    try:
        factory = ENGINES[name]
    except KeyError:
        raise SettingsError(
            f"NEWSDESK_ENGINE={name!r} is not an engine newsdesk has; choose one of: {', '.join(sorted(ENGINES))}."
        ) from None
    return factory(embedder)
