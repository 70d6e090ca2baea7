"""Chat commands: parse a `Request`, call the desk, and say the result as `Reply` objects.

Every platform speaks these commands: `/summarize`, `/ask`, `/editorials` and `help`.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.errors import BadInput, LibraryBusy, short
from bot.library.ledger import Subscription
from bot.messages import Reply, Request
from bot.newsroom.render import HELP, answer_text, editorials_text, repeat_note, summary_text
from bot.newsroom.schedule import next_slot, parse_clock, parse_zone
from bot.reading.cleaning import without_surrogates
from bot.summary import LENGTHS

if TYPE_CHECKING:
    from bot.newsroom.desk import Newsdesk

__all__ = ["COMMANDS", "command_word", "dispatch"]

log = logging.getLogger(__name__)

COMMANDS = ("summarize", "ask", "editorials", "digest", "help")
_ALIASES = {"summarise": "summarize", "sum": "summarize", "q": "ask", "list": "editorials", "library": "editorials",
            "newsdesk": "help", "?": "help"}


def command_word(word: str) -> str | None:
    """The command a word names ("/Summarise" -> "summarize"), or None."""
    name = word.lstrip("/").lower()
    name = _ALIASES.get(name, name)
    return name if name in COMMANDS else None


def dispatch(desk: Newsdesk, request: Request) -> list[Reply]:
    """Run one command. Bad input becomes a private one-sentence reply; a bug becomes an apology and a log."""
    started = time.perf_counter()
    request = replace(request, text=without_surrogates(request.text))  # broken UTF-16 or JSON escapes
    word, rest = _words(request.text)
    command = command_word(word) or word.lstrip("/").lower()
    try:
        if command == "summarize":
            replies = _summarize(desk, request, rest.strip())
        elif command == "ask":
            replies = _ask(desk, request, rest.strip())
        elif command == "editorials":
            latest = desk.store.latest(10)
            replies = [Reply(text=editorials_text(latest), editorials=tuple(latest))]
        elif command == "digest":
            replies = _digest(desk, request, rest.split())
        elif command in ("help", ""):
            replies = [Reply(text=HELP, private=True)]
        else:
            replies = [Reply(text=f"newsdesk has no command “{word[:40]}”; type help to see what it does.",
                             is_error=True, private=True)]
    except (BadInput, LibraryBusy) as error:
        replies = [Reply(text=str(error), is_error=True, private=True)]
    except Exception:
        log.exception("%s command %r failed", request.platform, command)
        replies = [Reply(text="Something went wrong on newsdesk's side; the details are in its log.",
                         is_error=True, private=True)]
    log.info("%s %s in %s: %s in %.0f ms", request.platform, command or "help", request.channel,
             "error" if replies[0].is_error else "ok", (time.perf_counter() - started) * 1000)
    return replies


def _summarize(desk: Newsdesk, request: Request, text: str) -> list[Reply]:
    length, text = _option(text, "--length", LENGTHS)
    repeated = False
    if request.attachments or text:
        source = request.attachments[0] if request.attachments else None
        filed = desk.file(desk.reader.from_attachment(source) if source else desk.reader.from_text(text))
        editorial, repeated = filed.editorial, filed.repeated
    else:
        current = desk.store.recall(request.conversation)
        if current is None:
            raise BadInput("Paste an editorial, a link, or attach a file after /summarize.")
        editorial = current
    summary = desk.summarize(editorial, length or "medium", platform=request.platform)
    if repeated:
        summary = replace(summary, notes=(*summary.notes, repeat_note(editorial)))
    desk.store.remember(request.conversation, editorial.id)
    return [Reply(text=summary_text(summary), summary=summary)]


def _ask(desk: Newsdesk, request: Request, text: str) -> list[Reply]:
    across = text.startswith("--all")
    question = text.removeprefix("--all").strip()
    if not question:
        raise BadInput("Ask a question after /ask, for example: /ask Who ended the siege?")
    if across:
        answer = desk.ask(question, None, platform=request.platform)
    else:
        editorial = desk.store.recall(request.conversation)
        if editorial is None:
            raise BadInput("Which editorial? Summarise one here first with /summarize, or ask the whole "
                           "library with /ask --all.")
        answer = desk.ask(question, editorial, platform=request.platform)
    return [Reply(text=answer_text(answer), answer=answer)]


def _digest(desk: Newsdesk, request: Request, words: list[str]) -> list[Reply]:
    action = words[0].lower() if words else "status"
    ledger, now = desk.ledger, request.received_at
    subscription = ledger.subscription(request.conversation)
    if action == "subscribe":
        if len(words) < 3:
            raise BadInput("Say when and where: /digest subscribe 07:30 Asia/Karachi [feed link]")
        at, zone = parse_clock(words[1]), words[2]
        parse_zone(zone)
        feed = words[3] if len(words) > 3 else None
        if feed is not None and feed not in {f.url for f in ledger.feeds()} | set(desk.settings.feeds):
            raise BadInput(f"newsdesk does not follow {short(feed)}: add it with `newsdesk feeds add` first.")
        ledger.subscribe(Subscription(request.conversation, request.platform, request.channel, request.thread,
                                      at, zone, feed, now, None, request.workspace))
        return [Reply(text=f"Subscribed: the day's editorials here every day at {at} {zone}"
                           f"{f' from {feed}' if feed else ''} (next: {next_slot(at, zone, now):%d %b %H:%M} UTC).")]
    if action == "unsubscribe":
        removed = ledger.unsubscribe(request.conversation)
        return [Reply(text="Unsubscribed: no more digests here." if removed else "This channel has no digest.")]
    if action == "now":
        since = desk.digests.window_start(subscription) if subscription else now - timedelta(days=1)
        feed = subscription.feed_url if subscription else None
        return desk.digests.compose(since, now, request.conversation, feed).replies()
    if action == "status":
        return [Reply(text=_digest_status(desk, request, subscription), private=True)]
    raise BadInput("/digest takes subscribe HH:MM Zone, unsubscribe, now or status.")


def _digest_status(desk: Newsdesk, request: Request, subscription: Subscription | None) -> str:
    if subscription is None:
        return "This channel has no digest: /digest subscribe 07:30 Asia/Karachi starts one."
    now = request.received_at
    waiting = len(desk.digests.compose(desk.digests.window_start(subscription), now, request.conversation,
                                       subscription.feed_url).summaries)
    lines = [f"A digest every day at {subscription.at} {subscription.timezone}"
             + (f" from {subscription.feed_url}" if subscription.feed_url else "")
             + f"; next at {next_slot(subscription.at, subscription.timezone, now):%d %b %H:%M} UTC.",
             f"{waiting} new editorial{'s' if waiting != 1 else ''} waiting"
             + ("; with none, no digest is posted." if waiting == 0 else ".")]
    for run in desk.ledger.runs(request.conversation):
        lines.append(f"{run.day}: " + {"sent": "posted", "empty": "nothing new, not posted",
                                        "claimed": "being posted"}[run.status])
    return "\n".join(lines)


def _words(text: str) -> tuple[str, str]:
    """The command word and the rest, split at the first space or line break (pasted text keeps its lines)."""
    match = re.match(r"\s*(\S*)\s*(.*)", text, re.DOTALL)
    assert match is not None
    return match.group(1), match.group(2)


def _option(text: str, name: str, choices: tuple[str, ...]) -> tuple[str | None, str]:
    """Take `--name value` off the front of a command's text."""
    if not text.startswith(name):
        return None, text
    parts = text[len(name):].lstrip(" =").split(None, 1)
    if not parts or parts[0] not in choices:
        raise BadInput(f"{name} takes one of {', '.join(choices)}.")
    return parts[0], parts[1] if len(parts) > 1 else ""
