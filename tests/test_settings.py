"""Settings from the environment and .env, validated once, with secrets that never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import build_newsdesk
from bot.errors import SettingsError
from bot.settings import Settings, load_settings

from .rigs.support import free_port


def test_env_file_values_are_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("NEWSDESK_DB=/data/desk.db\nNEWSDESK_MAX_CHARS=5000\nSLACK_BOT_TOKEN=xoxb-from-file\n"
                        "NEWSDESK_TRUSTED_HOSTS=cms.local, Wiki.Local\n")
    settings = load_settings({"NEWSDESK_MAX_CHARS": "7000"}, env_file)
    assert settings.db_path == Path("/data/desk.db") and settings.max_chars == 7000
    assert settings.trusted_hosts == frozenset({"cms.local", "wiki.local"})
    assert settings.slack_bot_token is not None and settings.slack_bot_token.reveal() == "xoxb-from-file"
    assert "xoxb-from-file" not in repr(settings) and "xoxb-from-file" not in str(settings)


def test_defaults_need_no_environment_at_all(tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path / "missing.env")
    assert settings == Settings() and settings.allow_private_urls is False and settings.engine == "extractive"


@pytest.mark.parametrize(("name", "value"), [("NEWSDESK_MAX_CHARS", "-3"), ("NEWSDESK_ALLOW_PRIVATE_URLS", "maybe"),
                                             ("NEWSDESK_ABSTAIN_BELOW", "1.5"), ("NEWSDESK_PRECISION", "int4"),
                                             ("NEWSDESK_FETCH_TIMEOUT", "soon"), ("NEWSDESK_LOG_LEVEL", "LOUD")])
def test_a_bad_value_is_one_sentence_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: value}, None)


def test_an_unknown_engine_names_the_choices(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="choose one of: chat, extractive, fake, seq2seq"):
        build_newsdesk(Settings(db_path=tmp_path / "n.db", engine="gpt-9"))


def test_an_embedding_model_folder_that_is_not_there_is_named(tmp_path: Path) -> None:
    desk = build_newsdesk(Settings(db_path=tmp_path / "n.db", embedding_model=tmp_path / "no-model"))
    with pytest.raises(SettingsError, match="NEWSDESK_EMBEDDING_MODEL"):
        desk.embedder.load()


def test_a_postgresql_url_selects_the_shared_store_and_its_password_never_prints(tmp_path: Path) -> None:
    settings = load_settings({"NEWSDESK_DB": "postgresql://desk:s3cret-pw@db.internal:5432/newsdesk",
                              "NEWSDESK_WORKER": "web-2", "NEWSDESK_DIGEST_LEASE_MINUTES": "4"}, None)
    assert settings.database == "postgresql://desk:s3cret-pw@db.internal:5432/newsdesk"
    assert settings.worker == "web-2" and settings.digest_lease_minutes == 4.0
    assert "s3cret-pw" not in repr(settings) and "s3cret-pw" in settings.secrets  # the log formatter blanks it
    with pytest.raises(SettingsError, match="NEWSDESK_DB") as refused:
        load_settings({"NEWSDESK_DB": "mysql://desk:s3cret-pw@db/newsdesk"}, None)
    assert "s3cret-pw" not in str(refused.value)


def test_an_unreachable_postgresql_server_is_one_sentence_without_the_password(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(SettingsError, match="Could not reach the PostgreSQL server in NEWSDESK_DB") as refused:
        build_newsdesk(load_settings({"NEWSDESK_DB": f"postgresql://desk:s3cret-pw@127.0.0.1:{port}/newsdesk"},
                                     None))
    assert "s3cret-pw" not in str(refused.value) and f"127.0.0.1:{port}" in str(refused.value)


def test_discord_shards_are_read_and_an_id_past_the_count_is_refused() -> None:
    settings = load_settings({"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "2, 3"}, None)
    assert settings.discord_shard_count == 4 and settings.discord_shard_ids == (2, 3)
    with pytest.raises(SettingsError, match="DISCORD_SHARD_COUNT"):
        load_settings({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "2"}, None)
    with pytest.raises(SettingsError, match="DISCORD_SHARD_IDS"):
        load_settings({"DISCORD_SHARD_IDS": "one"}, None)
