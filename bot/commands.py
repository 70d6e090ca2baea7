"""Chat commands: parse a `Request`, call the desk, and say the result as `Reply` objects.

Every platform speaks these commands: `/summarize`, `/ask`, `/editorials` and `help`.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bot.errors import BadInput
from bot.messages import Reply, Request
from bot.render import HELP, answer_text, editorials_text, summary_text
from bot.summary import LENGTHS

if TYPE_CHECKING:
    from bot.newsdesk import Newsdesk

__all__ = ["COMMANDS", "dispatch"]

log = logging.getLogger(__name__)

COMMANDS = ("summarize", "ask", "editorials", "help")
_ALIASES = {"summarise": "summarize", "sum": "summarize", "q": "ask", "list": "editorials", "library": "editorials",
            "newsdesk": "help", "?": "help"}


def dispatch(desk: Newsdesk, request: Request) -> list[Reply]:
    """Run one command. Bad input becomes a private one-sentence reply; a bug becomes an apology and a log."""
    started = time.perf_counter()
    word, _, rest = request.text.strip().partition(" ")
    command = word.lstrip("/").lower()
    command = _ALIASES.get(command, command)
    try:
        if command == "summarize":
            replies = _summarize(desk, request, rest.strip())
        elif command == "ask":
            replies = _ask(desk, request, rest.strip())
        elif command == "editorials":
            replies = [Reply(text=editorials_text(desk.store.latest(10)), editorials=tuple(desk.store.latest(10)))]
        elif command in ("help", ""):
            replies = [Reply(text=HELP, private=True)]
        else:
            replies = [Reply(text=f"newsdesk has no command “{word[:40]}”; type help to see what it does.",
                             is_error=True, private=True)]
    except BadInput as error:
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
    if request.attachments:
        editorial = desk.add(desk.reader.from_attachment(request.attachments[0]))
    elif text:
        editorial = desk.add(desk.reader.from_text(text))
    else:
        current = desk.store.recall(request.conversation)
        if current is None:
            raise BadInput("Paste an editorial, a link, or attach a file after /summarize.")
        editorial = current
    summary = desk.summarize(editorial, length or "medium", platform=request.platform)
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


def _option(text: str, name: str, choices: tuple[str, ...]) -> tuple[str | None, str]:
    """Take `--name value` off the front of a command's text."""
    if not text.startswith(name):
        return None, text
    parts = text[len(name):].lstrip(" =").split(None, 1)
    if not parts or parts[0] not in choices:
        raise BadInput(f"{name} takes one of {', '.join(choices)}.")
    return parts[0], parts[1] if len(parts) > 1 else ""
