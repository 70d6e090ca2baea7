"""Slack for many workspaces: bolt's OAuth install flow against the loopback Slack (`oauth.v2.access`), its state and
installations in newsdesk's database, so an install begun on one worker finishes on another and every workspace is
answered, and sent its digests, with its own bot token."""

from __future__ import annotations

import base64
import re
import time
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from adapters.slack import build_app, slack_poster
from adapters.slack.installations import StoreInstallations, bot_scopes
from bot import build_newsdesk, load_settings
from bot.errors import SettingsError
from bot.library.ledger import Subscription
from bot.models.embedder import Embedder
from bot.settings import Secret

from .rigs.fake_slack import FakeSlack, command_body, event_body, signed_post
from .rigs.slack_rig import Rig, mention, slack_worker
from .rigs.support import SEED

INSTALLS = {"slack_bot_token": None, "slack_client_id": "1111.2222", "slack_client_secret": Secret("oauth-secret")}


def installed(rig: Rig, *teams: str) -> StoreInstallations:
    """The rig's installation store, with newsdesk installed (as the OAuth flow saves it) in `teams`."""
    installs = StoreInstallations(rig.desk.store)
    for team in teams:
        installs.save(Installation(user_id="U9", team_id=team, bot_token=f"xoxb-{team}", bot_id="B1",
                                   bot_user_id="UBOT", installed_at=time.time()))
    return installs


def get(url: str, cookie: str | None = None) -> tuple[int, str, str]:
    """GET as a browser does: status, body, and the state cookie it was handed."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode(), response.headers.get("Set-Cookie") or ""
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), ""


def test_a_workspace_installs_through_one_worker_and_is_answered_by_another(database: str,
                                                                            embedder: Embedder) -> None:
    with FakeSlack() as fake, slack_worker(fake, database, embedder, "web-1", **INSTALLS) as one, \
            slack_worker(fake, database, embedder, "web-2", **INSTALLS) as two:
        status, page, cookie = get(one.url.replace("/slack/events", "/slack/install"))
        state = re.search(r"state=([\w-]+)", page)
        assert status == 200 and state is not None and "client_id=1111.2222" in page
        assert "scope=commands,chat:write,chat:write.public,app_mentions:read,files:read" in page  # the manifest's
        browser = cookie.split(";")[0]
        redirect = two.url.replace("/slack/events", f"/slack/oauth_redirect?code=code-T2&state={state.group(1)}")
        assert get(redirect, browser)[0] == 200  # finished on the other worker
        [access] = fake.of("oauth.v2.access")
        credentials = base64.b64encode(b"1111.2222:oauth-secret").decode()  # as Slack wants them: HTTP Basic
        assert access.args["code"] == "code-T2" and access.headers["Authorization"] == f"Basic {credentials}"
        assert get(redirect, browser)[0] == 401  # a state is good once, whichever worker sees it again
        bot = StoreInstallations(two.desk.store).find_bot(enterprise_id=None, team_id="T2")
        assert bot is not None and bot.bot_token == "xoxb-T2"

        one.desk.add(one.desk.reader.from_source(str(SEED)))
        status, _ = signed_post(one.url, event_body(mention("Who ended the siege?", "900.000002"), "EvT2b", team="T2"),
                                content_type="application/json")
        assert status == 200
        answer = next(c for c in fake.wait("chat.postMessage") if c.args.get("thread_ts") == "900.000002")
        assert answer.headers["Authorization"] == "Bearer xoxb-T2" and "Sindh police officers" in answer.text()

        subscribe = command_body("/digest", "subscribe 07:30 UTC", fake.url("/response/sub"), channel="C9", team="T2")
        assert signed_post(two.url, subscribe)[0] == 200
        fake.wait("response_url")
        [subscription] = two.desk.ledger.subscriptions()
        assert subscription.workspace == "T2"


def test_digests_go_out_with_the_token_of_the_workspace_that_subscribed(tmp_path: Path, embedder: Embedder) -> None:
    with FakeSlack() as fake, slack_worker(fake, tmp_path / "n.db", embedder, **INSTALLS) as rig:
        installs = installed(rig, "T2", "T3")
        rig.desk.add(rig.desk.reader.from_text("The council must fund the water mains now. Residents wait."))
        now = datetime.now(UTC) + timedelta(seconds=1)  # the store's clock is the real one
        for team, channel in (("T2", "C2"), ("T3", "C3")):
            rig.desk.ledger.subscribe(Subscription(f"slack:{channel}:", "slack", channel, None,
                                                   f"{now - timedelta(minutes=5):%H:%M}", "UTC", None,
                                                   now - timedelta(days=1), None, team))
        assert rig.desk.digests.deliver_due(now, slack_poster(WebClient(base_url=fake.url("/api/")), installs)) == 2
        tokens = {c.args["channel"]: c.headers["Authorization"] for c in fake.of("chat.postMessage")}
        assert tokens == {"C2": "Bearer xoxb-T2", "C3": "Bearer xoxb-T3"}
        assert len(bot_scopes()) == 7


def test_one_workspace_mode_has_no_install_page_and_installs_need_http_mode(tmp_path: Path, embedder: Embedder) -> None:
    with FakeSlack() as fake, slack_worker(fake, tmp_path / "n.db", embedder) as rig:
        assert get(rig.url.replace("/slack/events", "/slack/install"))[0] == 404
    installs = load_settings({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "oauth-secret",
                              "SLACK_SIGNING_SECRET": "s", "SLACK_PORT": "3000"}, None)
    assert installs.platforms == ["Slack"] and "oauth-secret" in installs.secrets and installs.slack_installs
    socket_only = load_settings({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "oauth-secret"}, None)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET and SLACK_PORT"):
        build_app(build_newsdesk(replace(socket_only, db_path=tmp_path / "m.db"), embedder=embedder), socket_only)


def test_a_workspace_that_uninstalls_is_forgotten_with_its_digests(tmp_path: Path, embedder: Embedder) -> None:
    with FakeSlack() as fake, slack_worker(fake, tmp_path / "n.db", embedder, **INSTALLS) as rig:
        installs = installed(rig, "T2", "T3")
        for team in ("T2", "T3"):
            subscribe = command_body("/digest", "subscribe 07:30 UTC", fake.url(f"/response/{team}"),
                                     channel=f"C{team}", team=team)
            assert signed_post(rig.url, subscribe)[0] == 200
        fake.wait("response_url", 2)
        revoked = {"type": "tokens_revoked", "tokens": {"oauth": ["U9"]}}  # the installer's own token only
        assert signed_post(rig.url, event_body(revoked, "EvR1", team="T3"), content_type="application/json")[0] == 200
        uninstalled = {"type": "app_uninstalled"}
        assert signed_post(rig.url, event_body(uninstalled, "EvU1", team="T2"),
                           content_type="application/json")[0] == 200
        deadline = time.monotonic() + 10  # the listeners run after the ack
        while time.monotonic() < deadline and (installs.find_bot(enterprise_id=None, team_id="T2") is not None or
                                               installs.find_installation(enterprise_id=None, team_id="T3")):
            time.sleep(0.05)
        assert installs.find_bot(enterprise_id=None, team_id="T2") is None
        kept = installs.find_bot(enterprise_id=None, team_id="T3")
        assert kept is not None and kept.bot_token == "xoxb-T3"
        assert installs.find_installation(enterprise_id=None, team_id="T3") is None  # the installer's part went
        assert [s.workspace for s in rig.desk.ledger.subscriptions()] == ["T3"]
