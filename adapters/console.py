"""The console adapter: the chat commands in a terminal, or over standard input until EOF.

It only translates: a line becomes a `Request`, each `Reply` becomes printed text. A path after
/summarize is read here and handed over as an attachment, the way a chat platform hands over a file.
"""

from __future__ import annotations

import getpass
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.library.store import utc_now
from bot.messages import Attachment, Reply, Request
from bot.reading.cleaning import decode_text, without_surrogates

__all__ = ["run_console", "to_request"]

log = logging.getLogger(__name__)

Handler = Callable[[Request], list[Reply]]
_QUIT = {"quit", "exit", "/quit", "/exit"}


def to_request(line: str, user: str, now: datetime, max_bytes: int) -> Request | Reply:
    """Translate one console line into a Request, or into a Reply when the named file cannot be read."""
    text = line.strip()
    attachments: tuple[Attachment, ...] = ()
    command, _, rest = text.partition(" ")
    candidate = Path(rest.strip()).expanduser() if command.lstrip("/").lower() in ("summarize", "summarise") else None
    if candidate is not None and rest.strip() and len(rest) < 4096 and _is_file(candidate):
        if candidate.stat().st_size > max_bytes:
            return Reply(text=f"{candidate.name} is larger than newsdesk's limit of {max_bytes:,} bytes.",
                         is_error=True)
        attachments = (Attachment(name=candidate.name, data=candidate.read_bytes()),)
        text = command
    return Request(text=text, user=user, channel=user, platform="console", received_at=now,
                   attachments=attachments)


def run_console(handle: Handler, *, max_bytes: int, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                greeting: str | None = None, user: str | None = None,
                clock: Callable[[], datetime] = utc_now) -> None:
    """Read commands until EOF or `quit`, printing each reply; nothing a user types stops the loop. Each line is
    stamped by `clock` (the desk's, so a digest window and the editorials in it read the same time).

    Example:
        run_console(desk.handle, max_bytes=settings.max_bytes, greeting="Seed editorial loaded.")
    """
    user = user or getpass.getuser()
    interactive = stdin.isatty()
    if greeting:
        print(greeting, file=stdout)
    while True:
        if interactive:
            print("newsdesk> ", end="", file=stdout, flush=True)
        line = _read_line(stdin)
        if line is None:
            break
        if not line.strip():
            continue
        if line.strip().lower() in _QUIT:
            break
        try:
            request = to_request(line, user, clock(), max_bytes)
            replies = [request] if isinstance(request, Reply) else handle(request)
        except Exception:  # the core answers every input; this is the last guard of a session
            log.exception("the console could not answer a line")
            replies = [Reply(text="Something went wrong on newsdesk's side; the details are in its log.",
                             is_error=True)]
        for reply in replies:
            print(without_surrogates(reply.text), file=stdout)
        print(file=stdout, flush=True)


def _read_line(stdin: TextIO) -> str | None:
    """One line as text, whatever bytes were pasted (UTF-8, Latin-1, binary); None at the end of input."""
    raw = getattr(stdin, "buffer", None)
    if raw is None:  # a text stream that was never bytes (a test's StringIO)
        return stdin.readline() or None
    data = raw.readline()
    if not data:
        return None
    return decode_text(data) or data.decode("utf-8", errors="replace")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, or with a NUL byte in it
        return False
