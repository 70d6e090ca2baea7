"""Run a parser on untrusted bytes in a child process of its own, within a deadline and a memory cap.

A file or a page can be built to make a parser recurse past Python's stack, inflate a few kilobytes into gigabytes,
or grind for minutes. Inside the bot that would take down the process every chat shares; in a child, the worst it
can do is be killed, and the user gets one sentence.

Children come from a fork server ("forkserver"), not a fork of the bot: the bot has threads (onnxruntime, Slack,
Discord), and a fork copies their locks in whatever state they are. The server starts on the first read, imports
the parsers once, and forks a child for each read in milliseconds. As everywhere in multiprocessing, each child runs
the main module's top level again (for the `newsdesk` script, one import the server already holds), so a script
that reads documents keeps its work under `if __name__ == "__main__":`.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import resource
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from bot.errors import BadInput

__all__ = ["run_contained"]

log = logging.getLogger(__name__)

T = TypeVar("T")
_CONTEXT = multiprocessing.get_context("forkserver")
# The main module too, for the Python versions whose server imports it (3.11's never does, so each child does).
_preload: dict[str, None] = {"__main__": None}
_KEPT_RECORDS = 50  # the child's last log lines that come back with its answer


def run_contained(function: Callable[..., T], *args: Any, seconds: float, memory: int, what: str,
                  preload: Iterable[str] = ()) -> T:
    """Call `function(*args)` in a child process and return what it returns, or raise BadInput with one sentence.

    `function` must be importable at module level, and its arguments and result picklable (keep the result
    small). The child is killed after `seconds`; it may use `memory` bytes of address space beyond what it starts
    with. A BadInput it raises comes back as it was; running out of time or memory, a crash (RecursionError,
    a segmentation fault) or any other exception becomes a sentence naming `what`. What the child logs is logged
    here, through this process's handlers. `preload` names modules the fork server imports when it starts, so
    that no child imports them again (a hint: a server already running keeps what it has).

    Example:
        document = run_contained(_read_pdf, data, "op-ed.pdf", seconds=20, memory=1 << 30, what="op-ed.pdf",
                                 preload=["pypdf"])
    """
    _preload.update(dict.fromkeys(preload))
    _CONTEXT.set_forkserver_preload(list(_preload))
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    level = logging.getLogger().getEffectiveLevel()
    child = _CONTEXT.Process(target=_contained, args=(sender, function, args, memory, level), daemon=True,
                             name=f"newsdesk reading {what}")
    try:
        child.start()
    finally:
        sender.close()  # the child holds the only writing end now, so its death reads as the end of the pipe
    try:
        outcome = _outcome(receiver, child.sentinel, seconds)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome is None:
        raise BadInput(f"{what} took too long to read (over {seconds:g} seconds), so newsdesk gave up on it: send "
                       "the text or a smaller copy.")
    kind, value, records = outcome
    for name, record_level, message in records:
        logging.getLogger(name).log(record_level, "%s", message)
    if kind == "done":
        return value
    if kind == "refused":
        raise BadInput(value)
    if kind == "memory":
        raise BadInput(f"{what} needs more memory to read than newsdesk allows, so newsdesk gave up on it: send "
                       "the text or a smaller copy.")
    log.warning("reading %s failed in its child process (exit status %s): %s", what, child.exitcode, value)
    raise BadInput(f"{what} broke newsdesk's reader (it may be damaged, or built to break readers): send the text "
                   "or another copy.")


def _outcome(receiver: Connection, sentinel: int, seconds: float) -> tuple[str, Any, list[Any]] | None:
    """What the child sent, ("crashed", ...) when it died without a word, or None when the time ran out."""
    if not wait([receiver, sentinel], seconds):
        return None
    try:
        if receiver.poll():
            return receiver.recv()
    except (EOFError, OSError):
        pass
    return ("crashed", "it died without an answer", [])


class _Kept(logging.Handler):
    """The child's log records, kept (the last few) to go back with its answer: the fork server has no handlers,
    and Python's last resort would print a parser's warnings on the user's terminal."""

    def __init__(self) -> None:
        super().__init__()
        self.records: deque[tuple[str, int, str]] = deque(maxlen=_KEPT_RECORDS)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


def _contained(answer: Connection, function: Callable[..., Any], args: tuple[Any, ...], memory: int,
               level: int) -> None:
    """The child's side: cap the memory, run the function, send back its result or what went wrong."""
    kept = _Kept()
    logging.raiseExceptions = False  # a record that cannot be formatted is dropped, not printed
    logging.captureWarnings(True)
    logging.getLogger().handlers = [kept]
    logging.getLogger().setLevel(level)
    _cap_memory(memory)
    outcome: tuple[str, Any]
    try:
        outcome = ("done", function(*args))
    except BadInput as error:
        outcome = ("refused", str(error))
    except MemoryError:
        outcome = ("memory", None)
    except BaseException:  # whatever a hostile file sets off in a parser (RecursionError, say) is told, not raised
        outcome = ("failed", traceback.format_exc(limit=-6))
    # Sent outside the except blocks, so the failed attempt's memory is already free again.
    answer.send((*outcome, list(kept.records)))
    answer.close()


def _cap_memory(memory: int) -> None:
    """Limit the child's address space to what it has now plus `memory` bytes."""
    try:
        with open("/proc/self/statm") as statm:
            start = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        start = 0  # no /proc: the cap counts from nothing
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = start + memory if hard == resource.RLIM_INFINITY else min(start + memory, hard)
    with contextlib.suppress(ValueError, OSError):  # a platform that does not enforce it still gets the deadline
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
