"""`newsdesk serve`: start every adapter whose tokens are configured, or the console when none is."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TextIO

from adapters.console import run_console
from bot.editorial import Editorial
from bot.errors import BadInput
from bot.messages import conversation_key
from bot.newsdesk import Newsdesk

__all__ = ["SEEDS", "open_console", "serve"]

log = logging.getLogger(__name__)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# Each platform, the variables that switch it on. Their adapters arrive with their own issues.
PLATFORMS = {
    "Slack": ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"),
    "Discord": ("DISCORD_TOKEN",),
}


def serve(desk: Newsdesk, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    """Run the configured adapters; with none configured, open the console on the seed editorial."""
    for platform in desk.settings.platforms:
        log.warning("%s is configured, but this version of newsdesk has no %s adapter yet", platform, platform)
    hints = "; ".join(f"{platform}: set {' and '.join(names)}" for platform, names in PLATFORMS.items())
    print(f"No chat platform is running, so newsdesk opens the console. To reach Slack or Discord, put their "
          f"tokens in .env ({hints}).", file=stdout)
    open_console(desk, stdin=stdin, stdout=stdout, seeds=SEEDS)


def open_console(desk: Newsdesk, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
                 seeds: Path | None = None, user: str | None = None) -> None:
    """The console adapter on this desk, with the seed editorials in the library when `seeds` is given."""
    import getpass

    user = user or getpass.getuser()
    greeting = "Type help for the commands, quit to leave."
    loaded = _load_seeds(desk, seeds) if seeds else []
    if loaded:
        desk.store.remember(conversation_key("console", user), loaded[0].id)
        greeting = (f"Loaded the seed editorial “{loaded[0].title}” (id {loaded[0].id}): try /summarize or "
                    f"/ask Who ended the siege?\n{greeting}")
    run_console(desk.handle, max_bytes=desk.settings.max_bytes, stdin=stdin, stdout=stdout,
                greeting=greeting, user=user)


def _load_seeds(desk: Newsdesk, seeds: Path) -> list[Editorial]:
    loaded = []
    for path in sorted(seeds.glob("*.txt")):
        try:
            loaded.append(desk.add(desk.reader.from_source(str(path))))
        except BadInput as error:
            log.warning("seed %s not loaded: %s", path.name, error)
    return loaded
