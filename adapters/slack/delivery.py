"""Getting an answer to a person in Slack, and telling them privately when Slack refuses it.

A thread answer goes out with chat.postMessage (a progress note first, replaced by the result); a slash command's
answer through its response_url, which Slack accepts at most five times. Whatever Slack refuses (the bot is not
in the channel, the channel is archived) is told to the asker privately, with the answer itself, so nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from adapters.slack.blocks import Message, notice, pack

__all__ = ["PROGRESS", "RESPONSE_URL_USES", "Delivery", "refusal"]

log = logging.getLogger(__name__)

PROGRESS = "Reading the editorial…"
RESPONSE_URL_USES = 5  # Slack keeps five messages per response_url (and 30 minutes)
Outgoing = Sequence[tuple[bool, Message]]  # (private, message)
Respond = Callable[..., Any]


def refusal(error: str, channel: str) -> str:
    """What to tell the asker when Slack refused to post, and what to do about it."""
    if error in ("not_in_channel", "channel_not_found"):
        return (f"newsdesk could not post in <#{channel}> because it is not a member: invite it with "
                "`/invite @newsdesk` and try again. Here is the answer, visible only to you.")
    if error == "is_archived":
        return "newsdesk could not post: that channel is archived. Here is the answer, visible only to you."
    return f"Slack would not take newsdesk's reply ({error}). Here is the answer, visible only to you."


class Delivery:
    """One answer's way into one Slack conversation, with a private way back to the asker.

    Example:
        delivery = Delivery(client, "C1", thread="1700000000.000100", user="U1")
        note = delivery.progress()
        delivery.finish(outgoing, progress=note)
    """

    def __init__(self, client: WebClient, channel: str, *, thread: str | None, user: str | None,
                 response_url: str | None = None) -> None:
        self.client = client
        self.channel = channel
        self.thread = thread
        self.user = user
        self.response_url = response_url
        self.refused: str | None = None

    def progress(self, text: str = PROGRESS) -> str | None:
        """Post the progress note; its ts, or None when Slack refused it (the answer then goes privately)."""
        try:
            return str(self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread, text=text)["ts"])
        except SlackApiError as error:
            self._refused(error)
            return None

    def finish(self, outgoing: Outgoing, *, progress: str | None = None) -> None:
        """Deliver the answer: the first public message takes the progress note's place; the rest follow."""
        rest = list(outgoing)
        if progress is not None:
            try:
                if rest and not rest[0][0]:
                    first = rest[0][1]
                    self.client.chat_update(channel=self.channel, ts=progress, text=first.text,
                                            blocks=list(first.blocks))
                    rest.pop(0)
                else:
                    self.client.chat_delete(channel=self.channel, ts=progress)
            except SlackApiError as error:  # the note was deleted or cannot be edited: post the answer anew
                log.info("Slack progress note %s not updated: %s", progress, _code(error))
        failed = [message for private, message in rest if self.refused is not None or not self._post(private, message)]
        if failed:
            self.tell_privately(failed)

    def tell_privately(self, failed: list[Message]) -> None:
        """Say to the asker alone why the answer is not in the channel, and give them the answer."""
        messages = pack([notice(self.reason()), *failed])
        try:
            if self.response_url:
                webhook = WebhookClient(self.response_url)
                for message in messages[:RESPONSE_URL_USES]:
                    webhook.send(text=message.text, blocks=list(message.blocks) or None, response_type="ephemeral",
                                 replace_original=False)
            elif self.user:
                for message in messages:
                    self.client.chat_postEphemeral(channel=self.channel, user=self.user, thread_ts=self.thread,
                                                   text=message.text, blocks=list(message.blocks) or None)
            else:
                raise RuntimeError("no way back to a person")
        except (SlackApiError, RuntimeError, OSError) as error:
            log.warning("Slack refused a reply in %s (%s) and the asker could not be told: %s", self.channel,
                        self.refused, error)

    def reason(self) -> str:
        """What Slack refused, and what the asker can do about it."""
        return refusal(self.refused or "unknown_error", self.channel)

    def _post(self, private: bool, message: Message) -> bool:
        try:
            if private and self.user:
                self.client.chat_postEphemeral(channel=self.channel, user=self.user, thread_ts=self.thread,
                                               text=message.text, blocks=list(message.blocks))
            else:
                self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread, text=message.text,
                                             blocks=list(message.blocks), unfurl_links=False)
            return True
        except SlackApiError as error:
            self._refused(error)
            return False

    def _refused(self, error: SlackApiError) -> None:
        self.refused = _code(error)
        log.warning("Slack refused a reply in %s: %s", self.channel, self.refused)


def respond_all(respond: Respond, outgoing: Outgoing, delivery: Delivery) -> None:
    """A slash command's answer within the response_url's five uses: packed into as few messages as Slack allows;
    what still does not fit continues in a thread of the channel, posted by the bot."""
    messages = _packed(outgoing)
    head = messages if len(messages) <= RESPONSE_URL_USES else messages[:RESPONSE_URL_USES - 1]
    for private, message in head:
        respond(text=message.text, blocks=list(message.blocks), replace_original=False,
                response_type="ephemeral" if private else "in_channel")
    rest = messages[len(head):]
    if not rest:
        return
    parent = delivery.progress(f"…continued from the answer above ({len(rest)} more message"
                               f"{'s' if len(rest) != 1 else ''} in this thread).")
    if parent is None:
        note = notice(f"{delivery.reason()} (The first part is "
                      "above; the rest is below, as much as Slack takes in one more message.)")
        last = pack([note, *(message for _, message in rest)])
        respond(text=last[0].text, blocks=list(last[0].blocks), replace_original=False, response_type="ephemeral")
        return
    delivery.thread = parent
    delivery.finish(rest)


def _packed(outgoing: Outgoing) -> list[tuple[bool, Message]]:
    """Neighbouring messages of the same visibility merged while they fit in one Slack message."""
    groups: list[tuple[bool, list[Message]]] = []
    for private, message in outgoing:
        if groups and groups[-1][0] == private:
            groups[-1][1].append(message)
        else:
            groups.append((private, [message]))
    return [(private, merged) for private, group in groups for merged in pack(group)]


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error") or error)
