"""Slack installs for many workspaces: bolt's OAuth flow keeps each workspace's bot token, and the state that guards
the install round trip, in newsdesk's own database, so any worker can finish an install another began and answer
any workspace.

The tokens are stored as Slack hands them over (as bolt's own SQL stores do): protect the database as you protect
`.env`.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta
from importlib import resources
from typing import Any

import yaml
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.library.store import Store
from bot.settings import Settings

__all__ = ["StoreInstallations", "StoreStates", "bot_scopes", "oauth_settings"]

log = logging.getLogger(__name__)


def bot_scopes() -> list[str]:
    """The bot scopes an install asks for: the app manifest's, so the two never disagree."""
    manifest = yaml.safe_load(resources.files("adapters.slack").joinpath("manifest.yml").read_text())
    return [str(scope) for scope in manifest["oauth_config"]["scopes"]["bot"]]


def oauth_settings(settings: Settings, store: Store) -> OAuthSettings:
    """bolt's OAuth settings: /slack/install, /slack/oauth_redirect, installations and states in `store`."""
    assert settings.slack_client_id and settings.slack_client_secret
    return OAuthSettings(client_id=settings.slack_client_id, client_secret=settings.slack_client_secret.reveal(),
                         scopes=bot_scopes(), installation_store=StoreInstallations(store),
                         state_store=StoreStates(store), installation_store_bot_only=True)


def _key(enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    """One row per workspace, or per Enterprise Grid organisation when installed org-wide."""
    return f"slack:{enterprise_id or '-'}:{'-' if is_enterprise_install else team_id or '-'}"


class StoreInstallations(InstallationStore):
    """bolt's installation store on the `installations` table: the latest install of each workspace."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        self._write(installation.enterprise_id, installation.team_id, installation.is_enterprise_install,
                    installation.to_bot().__dict__, installation.__dict__)
        log.info("Slack: newsdesk installed in workspace %s (%s)", installation.team_id, installation.team_name)

    def save_bot(self, bot: Bot) -> None:
        self._write(bot.enterprise_id, bot.team_id, bot.is_enterprise_install, bot.__dict__, None)

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        return Bot(**json.loads(row["bot"])) if row else None

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        row = self._row(enterprise_id, team_id, is_enterprise_install)
        return Installation(**json.loads(row["installer"])) if row and row["installer"] else None

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """The workspace's bot token was revoked or the app uninstalled: newsdesk can no longer act there."""
        with self.store.transaction() as db:
            db.execute("DELETE FROM installations WHERE key IN (?, ?)",
                       (_key(enterprise_id, team_id, False), _key(enterprise_id, team_id, True)))

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        """An installer's user token was revoked: forget who installed; the bot token stays (newsdesk uses no user
        tokens). Without a user, the whole installation goes."""
        if user_id is None:
            self.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
            return
        with self.store.transaction() as db:
            db.execute("UPDATE installations SET installer = NULL WHERE key IN (?, ?)",
                       (_key(enterprise_id, team_id, False), _key(enterprise_id, team_id, True)))

    def _write(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None,
               bot: dict[str, Any], installer: dict[str, Any] | None) -> None:
        with self.store.transaction() as db:
            db.execute("INSERT INTO installations (key, bot, installer, installed_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET bot = excluded.bot, installed_at = excluded.installed_at, "
                       "installer = COALESCE(excluded.installer, installations.installer)",
                       (_key(enterprise_id, team_id, is_enterprise_install), json.dumps(bot),
                        json.dumps(installer) if installer else None, self.store.clock().isoformat()))

    def _row(self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> Any:
        rows = self.store.read("SELECT bot, installer FROM installations WHERE key = ?",
                               (_key(enterprise_id, team_id, is_enterprise_install),))
        if not rows and enterprise_id and not is_enterprise_install:  # an org-wide install covers its workspaces
            rows = self.store.read("SELECT bot, installer FROM installations WHERE key = ?",
                                   (_key(enterprise_id, team_id, True),))
        if not rows and enterprise_id is None and team_id and not is_enterprise_install:
            rows = self._workspace_rows(team_id)
        return rows[0] if rows else None

    def _workspace_rows(self, team_id: str) -> list[Any]:
        """The install of a workspace whatever Enterprise Grid organisation it belongs to (a team id is unique across
        Slack): a digest knows only the workspace it was subscribed in."""
        rows = self.store.read("SELECT key, bot, installer FROM installations WHERE key LIKE ? "
                               "ORDER BY installed_at DESC", (f"slack:%:{team_id}",))
        return [row for row in rows if str(row["key"]).split(":", 2)[2] == team_id]  # LIKE's _ matches any letter


class StoreStates(OAuthStateStore):
    """The one-time `state` of each install round trip, kept ten minutes, usable once, on any worker."""

    def __init__(self, store: Store, expiry: timedelta = timedelta(minutes=10)) -> None:
        self.store = store
        self.expiry = expiry

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        self.store.first_sighting(f"slack:oauth-state:{state}", keep=self.expiry)
        return state

    def consume(self, state: str) -> bool:
        return self.store.take_sighting(f"slack:oauth-state:{state}")
