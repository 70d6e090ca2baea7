"""Slack Enterprise Grid: a workspace of an organisation installs newsdesk through bolt's OAuth flow (the loopback
Slack answers `oauth.v2.access` as Slack does for Grid), subscribes to a digest there, and the digest goes out with
that install's bot token, though the subscription knows only the workspace."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_sdk import WebClient

from adapters.slack import slack_poster
from adapters.slack.installations import StoreInstallations
from bot.models.embedder import Embedder

from .rigs.fake_slack import BOT_USER, FakeSlack, signed_post
from .rigs.slack_rig import slack_worker
from .test_slack_installs import INSTALLS, get

ENTERPRISE, TEAM, CHANNEL = "E0GRID", "T0GRID7", "C0GRID"


class GridSlack(FakeSlack):
    """The loopback Slack, where installs are made in a workspace of an Enterprise Grid organisation."""

    def answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "oauth.v2.access":
            return {"ok": True, "app_id": "A1", "authed_user": {"id": "U9"}, "scope": "commands,chat:write",
                    "token_type": "bot", "access_token": "xoxb-grid-workspace", "bot_user_id": BOT_USER,
                    "team": {"id": TEAM, "name": "Newsroom Karachi"},
                    "enterprise": {"id": ENTERPRISE, "name": "Newsroom Group"}, "is_enterprise_install": False}
        return super().answer(method, args)


def test_a_grid_workspace_installed_through_oauth_gets_its_digest_with_its_own_token(tmp_path: Path,
                                                                                    embedder: Embedder) -> None:
    with GridSlack() as fake, slack_worker(fake, tmp_path / "n.db", embedder, **INSTALLS) as rig:
        status, page, cookie = get(rig.url.replace("/slack/events", "/slack/install"))
        state = re.search(r"state=([\w-]+)", page)
        assert status == 200 and state is not None
        redirect = rig.url.replace("/slack/events", f"/slack/oauth_redirect?code=code-grid&state={state.group(1)}")
        assert get(redirect, cookie.split(";")[0])[0] == 200

        now = datetime.now(UTC)
        subscribe = urlencode({"token": "legacy", "team_id": TEAM, "enterprise_id": ENTERPRISE, "channel_id": CHANNEL,
                               "user_id": "U1", "command": "/digest",
                               "text": f"subscribe {now - timedelta(minutes=5):%H:%M} UTC",
                               "response_url": fake.url("/response/grid"), "trigger_id": "1.2.3"}).encode()
        assert signed_post(rig.url, subscribe)[0] == 200
        assert "Subscribed" in str(fake.wait("response_url")[0].args.get("text"))
        [subscription] = rig.desk.ledger.subscriptions()
        assert subscription.workspace == TEAM

        rig.desk.add(rig.desk.reader.from_text("The council must fund the water mains now. Residents wait."))
        poster = slack_poster(WebClient(base_url=fake.url("/api/")), StoreInstallations(rig.desk.store))
        assert rig.desk.digests.deliver_due(datetime.now(UTC) + timedelta(seconds=1), poster) == 1
        digest = [c for c in fake.of("chat.postMessage") if c.args.get("channel") == CHANNEL]
        assert {c.headers["Authorization"] for c in digest} == {"Bearer xoxb-grid-workspace"}
        assert "water mains" in "\n".join(c.text() for c in digest)
