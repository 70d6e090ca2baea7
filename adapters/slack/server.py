"""Running the Slack app: Socket Mode (the default, no public URL) or HTTP mode on a threaded WSGI server."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler

from adapters.slack.app import build_app, slack_poster
from bot.errors import SettingsError
from bot.newsroom.desk import Newsdesk
from bot.newsroom.digest import Poster

__all__ = ["EVENTS_PATH", "SlackRunning", "http_server", "socket_mode", "start_slack"]

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


@dataclass
class SlackRunning:
    """A started Slack adapter: what posts digests to Slack, and how to stop it."""

    poster: Poster
    mode: str
    close: Callable[[], None]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections in a burst, and a dropped SYN costs a second


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("slack http: " + format, *args)


def http_server(app: App, port: int, host: str = "0.0.0.0") -> WSGIServer:
    """A threaded server for Slack's signed requests at /slack/events; `serve_forever` runs it."""
    return make_server(host, port, SlackRequestHandler(app, path=EVENTS_PATH), server_class=_Server,
                       handler_class=_QuietHandler)


def socket_mode(app: App, app_token: str) -> SocketModeHandler:
    """The Socket Mode connection for `app`, opened with the app-level token (xapp-...)."""
    return SocketModeHandler(app, app_token, web_client=app.client)


def start_slack(desk: Newsdesk, *, host: str = "0.0.0.0") -> SlackRunning:
    """Start Slack in the background: HTTP mode when a signing secret and a port are set, else Socket Mode.

    Example:
        running = start_slack(desk)      # tokens from the environment or .env, via desk.settings
        ...
        running.close()
    """
    settings = desk.settings
    app = build_app(desk, settings)
    poster = slack_poster(app.client, app.installation_store if settings.slack_installs else None)
    if settings.slack_signing_secret and settings.slack_port:
        server = http_server(app, settings.slack_port, host)
        threading.Thread(target=server.serve_forever, name="slack-http", daemon=True).start()
        log.info("Slack: HTTP mode, listening on port %d at %s%s", settings.slack_port, EVENTS_PATH,
                 "; installs for any workspace at /slack/install" if settings.slack_installs else "")

        def close_http() -> None:
            server.shutdown()
            server.server_close()

        return SlackRunning(poster, "http", close_http)
    if settings.slack_app_token is None:
        raise SettingsError("Set SLACK_APP_TOKEN (xapp-..., Socket Mode) or SLACK_SIGNING_SECRET and SLACK_PORT "
                            "(HTTP mode) in the environment or .env to run the Slack adapter.")
    handler = socket_mode(app, settings.slack_app_token.reveal())
    handler.connect()
    log.info("Slack: Socket Mode connected")
    return SlackRunning(poster, "socket", handler.close)
