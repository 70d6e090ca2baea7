"""The Slack rig: the real bolt app in HTTP mode on a free port, its replies going to the loopback Slack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from adapters.slack import build_app, http_server
from bot import Newsdesk, build_newsdesk
from bot.models.embedder import Embedder
from bot.settings import Secret

from .fake_slack import BOT_TOKEN, BOT_USER, SIGNING_SECRET, FakeSlack, command_body, event_body, signed_post
from .support import settings_on

__all__ = ["Rig", "mention", "slack_rig", "slack_worker"]


@dataclass
class Rig:
    fake: FakeSlack
    desk: Newsdesk
    url: str

    def command(self, command: str, text: str, channel: str = "C1", **kwargs: object) -> tuple[int, str]:
        body = command_body(command, text, self.fake.url(f"/response/{channel}"), channel=channel)
        return signed_post(self.url, body, **kwargs)  # type: ignore[arg-type]

    def event(self, event: dict[str, object], event_id: str, **kwargs: object) -> tuple[int, str]:
        return signed_post(self.url, event_body(event, event_id), content_type="application/json",
                           **kwargs)  # type: ignore[arg-type]

    def responses(self, count: int = 1) -> list[dict[str, object]]:
        return [call.args for call in self.fake.wait("response_url", count)]


@contextmanager
def slack_rig(tmp_path: Path, embedder: Embedder) -> Iterator[Rig]:
    """A desk on a temporary store behind the bolt app, signed requests in, Web API calls out to `FakeSlack`."""
    with FakeSlack() as fake, slack_worker(fake, tmp_path / "newsdesk.db", embedder) as rig:
        yield rig


@contextmanager
def slack_worker(fake: FakeSlack, database: Path | str, embedder: Embedder, worker: str | None = None,
                 **settings_given: Any) -> Iterator[Rig]:
    """One HTTP-mode worker on `database` (several may share it, as behind a load balancer), replying to `fake`;
    `settings_given` overrides (such as OAuth installs instead of the bot token)."""
    given: dict[str, Any] = {"slack_bot_token": Secret(BOT_TOKEN), **settings_given}
    settings = settings_on(database, slack_signing_secret=Secret(SIGNING_SECRET), slack_port=3000, worker=worker,
                           **given)
    desk = build_newsdesk(settings, embedder=embedder)
    token = None if settings.slack_installs else BOT_TOKEN  # with installs, each workspace's token comes per request
    app = build_app(desk, settings, client=WebClient(token=token, base_url=fake.url("/api/")))
    server = http_server(app, 0, host="127.0.0.1")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Rig(fake, desk, f"http://127.0.0.1:{server.server_port}/slack/events")
    finally:
        server.shutdown()
        server.server_close()
        desk.store.close()


def mention(text: str, ts: str, thread_ts: str | None = None, **extra: object) -> dict[str, object]:
    event: dict[str, object] = {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER}> {text}".strip(),
                                "ts": ts, "channel": "C1", "client_msg_id": f"msg-{ts}", **extra}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event
