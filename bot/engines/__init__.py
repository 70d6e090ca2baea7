"""Engines by name: the plain registry settings choose from (`NEWSDESK_ENGINE`)."""

from __future__ import annotations

from collections.abc import Callable

from bot.engines.base import Engine, Indexed, key_point_count
from bot.engines.extractive import ExtractiveEngine
from bot.engines.fake import FakeEngine
from bot.errors import SettingsError
from bot.models.answer_reader import shipped_reader
from bot.models.embedder import Embedder
from bot.settings import Settings

__all__ = ["ENGINES", "Engine", "Indexed", "key_point_count", "make_engine"]

EngineFactory = Callable[[Settings, Embedder], Engine]


def _seq2seq(settings: Settings, embedder: Embedder) -> Engine:
    from bot.engines.generative import Seq2SeqEngine  # the generative engines need the guard, built on engines

    return Seq2SeqEngine(settings, embedder)


def _chat(settings: Settings, embedder: Embedder) -> Engine:
    from bot.engines.generative import ChatEngine

    return ChatEngine(settings, embedder)


def _server(settings: Settings, embedder: Embedder) -> Engine:
    from bot.engines.server import ServerEngine

    return ServerEngine(settings, embedder)


ENGINES: dict[str, EngineFactory] = {
    "extractive": lambda settings, embedder: ExtractiveEngine(embedder, shipped_reader(settings)),
    "seq2seq": _seq2seq,
    "chat": _chat,
    "server": _server,
    "fake": lambda settings, embedder: FakeEngine(),
}


def make_engine(settings: Settings, embedder: Embedder) -> Engine:
    """Build the engine `settings.engine` names; a SettingsError names the choices when there is no such engine."""
    name = settings.engine
    try:
        factory = ENGINES[name]
    except KeyError:
        raise SettingsError(
            f"NEWSDESK_ENGINE={name!r} is not an engine newsdesk has; choose one of: {', '.join(sorted(ENGINES))}."
        ) from None
    return factory(settings, embedder)
