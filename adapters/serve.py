"""`newsdesk serve`: start every adapter whose tokens are configured, or the console when none is.

SIGTERM (systemd, docker) and SIGINT (Ctrl-C) end it the same clean way as the end of the console's input: the stop
is set, the adapters closed, the newsroom rounds finished, exit status 0.
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from adapters.console import run_console
from bot.errors import BadInput
from bot.library.ledger import Subscription
from bot.messages import Reply, conversation_key
from bot.models.shipped import SEEDS
from bot.newsroom.desk import Newsdesk
from bot.newsroom.digest import Poster
from bot.reading.editorial import Editorial

__all__ = ["SEEDS", "console_poster", "newsroom_rounds", "open_console", "polling_rounds", "serve"]

log = logging.getLogger(__name__)

# Each platform, the variables that switch it on. Their adapters arrive with their own issues.
PLATFORMS = {
    "Slack": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "Discord": ("DISCORD_TOKEN",),
}


def newsroom_rounds(desk: Newsdesk, posters: dict[str, Poster], stop: threading.Event,
                    clock: Callable[[], datetime] = lambda: datetime.now(UTC), tick: float = 30.0) -> None:
    """Post the digests that fall due, every `tick` seconds, while a thread of its own polls the feeds and the inbox
    on their interval (so a slow site never holds up a digest), until `stop`. Nothing that goes wrong in a round
    ends the rounds: it is logged and the next round comes."""

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        poster = posters.get(subscription.platform)
        if poster is None:
            raise RuntimeError(f"no running adapter posts to {subscription.platform}")
        poster(subscription, reply, key=key, check=check)

    polled = threading.Event()  # until the first poll is done, a digest with nothing in it yet waits for it
    polling = threading.Thread(target=polling_rounds, args=(desk, stop, clock, tick, polled),
                               name="newsroom-polling", daemon=True)
    polling.start()
    try:
        while not stop.is_set():
            try:
                desk.digests.deliver_due(clock(), post, settled=polled.is_set())
            except Exception:
                log.exception("digest delivery failed; it is tried again on the next round")
            stop.wait(tick)
    finally:
        polling.join(timeout=60)


def polling_rounds(desk: Newsdesk, stop: threading.Event, clock: Callable[[], datetime], tick: float,
                   polled: threading.Event | None = None) -> None:
    """Poll the feeds and the inbox every NEWSDESK_POLL_MINUTES until `stop`, setting `polled` after each poll."""
    from bot.newsroom.feeds import poll_all

    next_poll = clock()
    while not stop.is_set():
        now = clock()
        if now >= next_poll:
            next_poll = now + timedelta(minutes=desk.settings.poll_minutes)
            try:
                poll_all(desk, round_at=now, stop=stop)
            except Exception:
                log.exception("polling failed; it is tried again in %g minutes", desk.settings.poll_minutes)
            finally:
                if polled is not None:
                    polled.set()
        stop.wait(tick)


def console_poster(stdout: TextIO) -> Poster:
    """Post digests to the console: printed between the replies of the conversation."""
    lock = threading.Lock()

    def post(subscription: Subscription, reply: Reply, *, key: str, check: bool) -> None:
        with lock:
            print(reply.text + "\n", file=stdout, flush=True)

    return post


def serve(desk: Newsdesk, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
          stop: threading.Event | None = None) -> None:
    """Run the configured adapters until interrupted; with none configured, open the console on the seed editorial.

    Example:
        serve(build_newsdesk(load_settings()))    # what `newsdesk serve` does
    """
    stop = stop or threading.Event()
    closers: list[Callable[[], None]] = []
    rounds: threading.Thread | None = None
    with _signals_stop(stop) as received:
        try:
            desk.warm_up()  # the first answer after a start is as fast as the tenth
            posters, closers = _start_platforms(desk)
            if not posters:
                hints = "; ".join(f"{platform}: set {' and '.join(names)}" for platform, names in PLATFORMS.items())
                why = "could start (the log says why)" if desk.settings.platforms else "is configured"
                print(f"No chat platform {why}, so newsdesk opens the console. To reach Slack or Discord, put their "
                      f"tokens in .env ({hints}).", file=stdout)
                posters = {"console": console_poster(stdout)}
            rounds = threading.Thread(target=newsroom_rounds, args=(desk, posters, stop), name="newsroom-rounds",
                                      daemon=True)
            rounds.start()
            if "console" in posters:
                open_console(desk, stdin=stdin, stdout=stdout, seeds=SEEDS)
            else:
                log.info("newsdesk is ready: serving %s from the %s library at %s as worker %s; Ctrl-C or SIGTERM "
                         "stops it", ", ".join(sorted(posters)), desk.store.database.kind,
                         desk.store.database.address, desk.ledger.worker)
                while not stop.wait(1.0):
                    pass
        except KeyboardInterrupt:
            log.info("newsdesk stopping (%s)", received[0] if received else "interrupted")
        finally:
            stop.set()  # from here on a second signal is ignored: the shutdown finishes
            for close in closers:
                try:
                    close()
                except Exception:
                    log.exception("an adapter did not close cleanly")
            if rounds is not None:
                rounds.join(timeout=60)  # a round in progress finishes before the interpreter tears threads down
            log.info("newsdesk stopped" + (": the newsroom rounds were still busy" if rounds and rounds.is_alive()
                                            else ""))


@contextlib.contextmanager
def _signals_stop(stop: threading.Event) -> Iterator[list[str]]:
    """While serving, SIGTERM and SIGINT both raise KeyboardInterrupt in the main thread (the console's read, the
    platforms' wait), once: after `stop` is set they are ignored, so the shutdown is never cut short. Yields the
    names of the signals received. Only the main thread can take signals; elsewhere nothing changes."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def end(signum: int, frame: object) -> None:
        if not stop.is_set():
            received.append(signal.Signals(signum).name)
            raise KeyboardInterrupt

    previous = {number: signal.signal(number, end) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start_platforms(desk: Newsdesk) -> tuple[dict[str, Poster], list[Callable[[], None]]]:
    """Start every platform whose tokens are set; their digest posters by platform, and how to stop them."""
    posters: dict[str, Poster] = {}
    closers: list[Callable[[], None]] = []
    if "Slack" in desk.settings.platforms:
        try:
            from adapters.slack import start_slack

            slack = start_slack(desk)
            posters["slack"], closers = slack.poster, [*closers, slack.close]
        except Exception as error:  # a bad token or no network: say so, keep the other platforms running
            log.error("Slack did not start: %s. Check SLACK_BOT_TOKEN and SLACK_APP_TOKEN (or SLACK_SIGNING_SECRET "
                      "and SLACK_PORT) and that slack.com can be reached.", _reason(error))
    if "Discord" in desk.settings.platforms:
        try:
            from adapters.discord import start_discord

            discord = start_discord(desk)
            posters["discord"], closers = discord.poster, [*closers, discord.close]
        except Exception as error:
            log.error("Discord did not start: %s. Check DISCORD_TOKEN and that discord.com can be reached.",
                      _reason(error))
    return posters, closers


def _reason(error: BaseException) -> str:
    """The SDK's one-line reason (Slack's error code, the network error), never a traceback."""
    lookup = getattr(getattr(error, "response", None), "get", None)
    code = lookup("error") if callable(lookup) else None
    return str(code) if code else (str(error).splitlines() or [type(error).__name__])[0][:200]


def open_console(desk: Newsdesk, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                 seeds: Path | None = None, user: str | None = None) -> None:
    """The console adapter on this desk, with the seed editorials in the library when `seeds` is given."""
    user = user or getpass.getuser()
    greeting = "Type help for the commands, quit to leave."
    loaded = _load_seeds(desk, seeds) if seeds else []
    if loaded:
        desk.store.remember(conversation_key("console", user), loaded[0].id)
        greeting = (f"Loaded the seed editorial “{loaded[0].title}” (id {loaded[0].id}): try /summarize or "
                    f"/ask Who ended the siege?\n{greeting}")
    run_console(desk.handle, max_bytes=desk.settings.max_bytes, stdin=stdin, stdout=stdout,
                greeting=greeting, user=user, clock=desk.store.clock)


def _load_seeds(desk: Newsdesk, seeds: Path) -> list[Editorial]:
    loaded = []
    for path in sorted(seeds.glob("*.txt")):
        try:
            loaded.append(desk.add(desk.reader.from_source(str(path))))
        except BadInput as error:
            log.warning("seed %s not loaded: %s", path.name, error)
    return loaded
