"""The Slack app: bolt listeners that acknowledge at once and hand the work to the desk off the request path.

Every slash command, shortcut and button is acknowledged before any reading or summarising starts; a small
pool of workers (`NEWSDESK_WORKERS`) runs the core and delivers through `response_url` or the Web API.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.context.ack import Ack
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store import InstallationStore

from adapters.slack.blocks import QUOTE_ACTION, messages, quotes
from adapters.slack.delivery import PROGRESS, Delivery, respond_all
from adapters.slack.events import (
    PLATFORM,
    command_request,
    download,
    message_request,
    plain_text,
    thread_of,
)
from adapters.slack.installations import oauth_settings
from bot.errors import BadInput, SettingsError
from bot.library.ledger import Subscription
from bot.messages import Attachment, Reply, Request, conversation_key
from bot.newsroom.desk import Newsdesk
from bot.newsroom.digest import Poster
from bot.newsroom.mentions import is_question, mention_command
from bot.settings import Settings

__all__ = ["PROGRESS", "SHORTCUT", "build_app", "slack_poster"]

log = logging.getLogger(__name__)

SHORTCUT = "summarize_message"
DIGEST_EVENT = "newsdesk_digest"  # the metadata event type on digest messages


def build_app(desk: Newsdesk, settings: Settings, *, client: WebClient | None = None,
              work: Executor | None = None) -> App:
    """The bolt app for `desk`: HTTP mode verifies Slack's signatures; Socket Mode needs no signing secret. With
    SLACK_CLIENT_ID and SLACK_CLIENT_SECRET it serves every workspace that installs it (OAuth, HTTP mode), each
    answered with its own bot token; otherwise the one workspace of SLACK_BOT_TOKEN.

    Example:
        app = build_app(desk, settings)
        SocketModeHandler(app, settings.slack_app_token.reveal()).start()
    """
    signing_secret = settings.slack_signing_secret.reveal() if settings.slack_signing_secret else ""
    if settings.slack_installs:
        if not signing_secret:
            raise SettingsError("Installs for many workspaces (SLACK_CLIENT_ID) run in HTTP mode: set "
                                "SLACK_SIGNING_SECRET and SLACK_PORT too.")
        client = client or WebClient(base_url=settings.slack_api_url)
        installs: dict[str, Any] = {"oauth_settings": oauth_settings(settings, desk.store)}
    elif settings.slack_bot_token is None:
        raise SettingsError("Set SLACK_BOT_TOKEN (xoxb-...) in the environment or .env to run the Slack adapter.")
    else:
        client = client or WebClient(token=settings.slack_bot_token.reveal(), base_url=settings.slack_api_url)
        installs = {}
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    app = App(client=client, signing_secret=signing_secret, request_verification_enabled=bool(signing_secret),
              logger=logging.getLogger("slack_bolt"), listener_executor=ThreadPoolExecutor(16, "slack-ack"),
              **installs)
    pool = work or ThreadPoolExecutor(settings.workers, thread_name_prefix="slack-desk")
    limits = {"max_bytes": settings.max_bytes, "timeout": settings.fetch_timeout}

    def submit(job: Callable[..., None], *args: Any) -> None:
        pool.submit(_guarded, job, *args)

    if settings.slack_installs:
        app.event("tokens_revoked")(app.default_tokens_revoked_event_listener())
        installed = installs["oauth_settings"].installation_store

        @app.event("app_uninstalled")
        def on_uninstalled(context: dict[str, Any]) -> None:
            """A workspace removed newsdesk: end its digests (they could not be posted), then forget its token (in
            that order, so no digest is ever left without a token to post it)."""
            ended = desk.ledger.unsubscribe_workspace(PLATFORM, str(context.get("team_id")))
            installed.delete_all(enterprise_id=context.get("enterprise_id"), team_id=context.get("team_id"))
            log.info("Slack: newsdesk was uninstalled from workspace %s; %d digest subscriptions ended",
                     context.get("team_id"), ended)

    @app.middleware
    def answer_once(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        """A retried delivery (the same event id) is answered once, on whichever worker it lands: the store keeps
        what was seen. One message arrives twice, as `app_mention` and as `message`, in either order: only the
        listener that answers it marks it answered."""
        if body.get("event_id") and not desk.store.first_sighting(f"slack:event:{body['event_id']}"):
            log.info("slack %s event %s already handled; ignored", (body.get("event") or {}).get("type"),
                     body["event_id"])
            return BoltResponse(status=200, body="")
        return next()

    def first_answer(event: dict[str, Any]) -> bool:
        key = event.get("client_msg_id") or f"{event.get('channel')}:{event.get('ts')}"
        if desk.store.first_sighting(f"slack:message:{key}"):
            return True
        log.info("slack message %s already answered; its %s event ignored", key, event.get("type"))
        return False

    @app.command(re.compile(r"^/"))
    def on_command(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        request = command_request(body, desk.store.clock())
        ack(PROGRESS if request.text.startswith("/summarize") else "")  # the reading is what takes time
        delivery = Delivery(client, request.channel, thread=None, user=request.user)
        submit(_answer_command, desk, request, respond, delivery)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        if not first_answer(event):
            return
        text = plain_text(str(event.get("text", "")), context.get("bot_user_id"))
        line = mention_command(text, in_thread=bool(event.get("thread_ts")), has_files=bool(event.get("files")))
        submit(_answer_message, desk, client, event, str(event.get("channel")), str(event.get("user")), line, limits,
               None, context.get("team_id"))

    @app.event("message")
    def on_thread_reply(event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        bot_user = context.get("bot_user_id")
        if event.get("subtype") or event.get("bot_id") or not event.get("thread_ts"):
            return
        if bot_user and f"<@{bot_user}" in str(event.get("text", "")):
            return  # a mention: the app_mention listener answers it
        text = plain_text(str(event.get("text", "")))
        channel = str(event.get("channel"))
        if not is_question(text) or desk.store.recall(conversation_key(PLATFORM, channel, event["thread_ts"])) is None:
            return  # only questions in threads about an editorial are follow-ups
        if first_answer(event):
            submit(_answer_message, desk, client, event, channel, str(event.get("user")), f"/ask {text}", limits,
                   None, context.get("team_id"))

    @app.shortcut(SHORTCUT)
    def on_shortcut(ack: Ack, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        ack()
        message = body.get("message") or {}
        line = f"/summarize {plain_text(str(message.get('text', '')))}".strip()
        submit(_answer_message, desk, client, message, str(body["channel"]["id"]), str(body["user"]["id"]), line,
               limits, body.get("response_url"), context.get("team_id"))

    @app.action(QUOTE_ACTION)
    def on_quote(ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient) -> None:
        ack()
        editorial_id, _, numbers = str(body["actions"][0].get("value", "")).partition(":")
        editorial = desk.find(editorial_id)
        if editorial is None:
            respond(text="That editorial is no longer in the library.", response_type="ephemeral",
                    replace_original=False)
            return
        wanted = [int(n) for n in numbers.split(",")  # ASCII digits only: "²".isdigit() is True
                  if n.isascii() and n.isdigit() and 0 < int(n) <= len(editorial.sentences)]
        channel = str((body.get("channel") or {}).get("id", ""))
        delivery = Delivery(client, channel, thread=None, user=str(body["user"]["id"]))
        respond_all(respond, [(True, message) for message in quotes(editorial, wanted)], delivery)

    return app


def slack_poster(client: WebClient, installations: InstallationStore | None = None) -> Poster:
    """Post digest messages to the channel (and thread) that subscribed. Each carries its key in Slack's message
    metadata, so after a restart one that already went out is found in the channel's history and not sent again.
    With installs for many workspaces, each goes with the bot token of the workspace it was subscribed in."""

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        client = posting_client(subscription)
        there = _digest_keys(client, subscription) if check else set()
        for part, message in enumerate(messages(reply)):
            name = f"{key}.{part}"
            if name in there:
                log.info("digest message %s is already in %s; not sent again", name, subscription.channel)
                continue
            client.chat_postMessage(channel=subscription.channel, thread_ts=subscription.thread, text=message.text,
                                    blocks=list(message.blocks), unfurl_links=False,
                                    metadata={"event_type": DIGEST_EVENT, "event_payload": {"key": name}})

    def posting_client(subscription: Subscription) -> WebClient:
        if installations is None:
            return app_client
        # The subscription knows its workspace, not its Enterprise Grid organisation: the store finds the workspace's
        # install under whichever organisation it was made.
        bot = installations.find_bot(enterprise_id=None, team_id=subscription.workspace)
        if bot is None or not bot.bot_token:
            raise RuntimeError(f"newsdesk is not installed in Slack workspace {subscription.workspace} any more")
        return WebClient(token=bot.bot_token, base_url=app_client.base_url, retry_handlers=app_client.retry_handlers)

    app_client = client
    return post


def _digest_keys(client: WebClient, subscription: Subscription) -> set[str]:
    """The keys of the digest messages newsdesk posted where this subscription's digests go, in the last day."""
    try:
        if subscription.thread:
            found = client.conversations_replies(channel=subscription.channel, ts=subscription.thread, limit=200,
                                                 include_all_metadata=True)
        else:
            found = client.conversations_history(channel=subscription.channel, oldest=str(time.time() - 86_400),
                                                 limit=200, include_all_metadata=True)
    except SlackApiError as error:  # without the history scope: at least once rather than not at all
        log.warning("could not read %s to resume a digest (%s); its next message may repeat", subscription.channel,
                    error.response.get("error"))
        return set()
    metadata: list[dict[str, Any]] = [m.get("metadata") or {} for m in found.get("messages") or []]
    return {str(m.get("event_payload", {}).get("key")) for m in metadata if m.get("event_type") == DIGEST_EVENT}


def _answer_command(desk: Newsdesk, request: Request, respond: Respond, delivery: Delivery) -> None:
    replies = desk.handle(request)
    respond_all(respond, [(reply.private, message) for reply in replies for message in messages(reply)], delivery)


def _answer_message(desk: Newsdesk, client: WebClient, message: Mapping[str, Any], channel: str, user: str,
                    line: str, limits: dict[str, Any], response_url: str | None = None,
                    workspace: str | None = None) -> None:
    """Answer in the message's thread: a progress note first when there is reading to do, then the replies."""
    delivery = Delivery(client, channel, thread=thread_of(message), user=user, response_url=response_url)
    progress = delivery.progress() if line.startswith("/summarize") else None
    try:
        files: tuple[Attachment, ...] = tuple(download(client, f, **limits) for f in message.get("files", ())[:1])
        request = message_request(message, channel=channel, user=user, line=line, now=desk.store.clock(),
                                  attachments=files, workspace=workspace)
        replies = desk.handle(request)
    except BadInput as error:
        replies = [Reply(text=str(error), is_error=True, private=True)]
    delivery.finish([(reply.private, message) for reply in replies for message in messages(reply)],
                    progress=progress)


def _guarded(job: Callable[..., None], *args: Any) -> None:
    """Run a job on a worker; whatever fails is logged, and the worker lives on."""
    try:
        job(*args)
    except SlackApiError as error:
        log.warning("Slack refused a reply: %s", error.response.get("error", error))
    except Exception:
        log.exception("a Slack job failed")
