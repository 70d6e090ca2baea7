"""The Slack adapter: slash commands, mentions, thread follow-ups, a message shortcut and Block Kit replies.

It only translates between Slack and the core's `Request`/`Reply`; `manifest.yml` beside it creates the app.
"""

from adapters.slack.app import build_app, slack_poster
from adapters.slack.server import SlackRunning, http_server, socket_mode, start_slack

__all__ = ["SlackRunning", "build_app", "http_server", "slack_poster", "socket_mode", "start_slack"]
