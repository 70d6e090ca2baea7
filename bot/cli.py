"""The `newsdesk` command: summarise, ask, add and list from a shell, or start the bot.

Exit status: 0 on success, 2 on bad input or a library another program keeps locked (one sentence on stderr), 1 on
an internal error, and 141 (as for a Unix tool that SIGPIPE ended) when the reader of standard output goes away
(`newsdesk editorials | head -1`), with nothing said.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.app import build_newsdesk
from bot.errors import BadInput, LibraryBusy, SettingsError, short
from bot.evaluation.command import add_eval_parser, run_eval
from bot.messages import Attachment
from bot.models.train_command import add_train_parser, run_train
from bot.newsroom.desk import Filed, Newsdesk
from bot.newsroom.render import answer_text, editorials_text, repeat_note, summary_text
from bot.reading.editorial import Editorial
from bot.reading.ingest import is_link
from bot.settings import load_settings
from bot.summary import LENGTHS

__all__ = ["main"]

log = logging.getLogger("newsdesk")

_MOST_LISTED = 1_000_000  # editorials one listing shows (SQLite's LIMIT takes at most 2**63 - 1)
_DURATION = re.compile(r"([0-9]+)([mhd])", re.IGNORECASE)  # ASCII digits: "²h" passes str.isdigit()
_SIGPIPE_STATUS = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsdesk", description="Summarise editorials and answer questions "
                                     "about them, on a local model.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    summarize = commands.add_parser("summarize", aliases=["summarise"], help="summarise an editorial")
    summarize.add_argument("source", metavar="SOURCE", help="a file, a link, or - for standard input")
    summarize.add_argument("--length", choices=LENGTHS, default="medium")

    ask = commands.add_parser("ask", help="answer a question about an editorial")
    ask.add_argument("words", nargs="+", metavar="SOURCE QUESTION",
                     help="a file, link, stored id or -, then the question (only the question with --all)")
    ask.add_argument("--all", action="store_true", help="answer from every stored editorial")

    add = commands.add_parser("add", help="store editorials in the library")
    add.add_argument("sources", nargs="+", metavar="SOURCE")

    commands.add_parser("editorials", help="list the stored editorials").add_argument(
        "--limit", default="20", help=f"how many, newest first: 1 to {_MOST_LISTED:,} (default 20)")
    digest = commands.add_parser("digest", help="print a digest of the latest editorials")
    digest.add_argument("--since", default="24h", help="how far back: 24h, 90m, 2d (default 24h)")
    feeds = commands.add_parser("feeds", help="the RSS and Atom feeds newsdesk follows")
    feeds.add_argument("action", choices=("add", "list", "remove"))
    feeds.add_argument("url", nargs="?")
    commands.add_parser("poll", help="fetch every feed and the inbox folder once")
    add_train_parser(commands)
    add_eval_parser(commands)
    commands.add_parser("chat", help="open the console adapter")
    commands.add_parser("serve", help="run the configured chat adapters (the console when none is)")
    for sub in {id(p): p for name, p in commands.choices.items() if name != "eval"}.values():  # aliases share one
        sub.add_argument("--json", action="store_true", help="print JSON instead of text")
    for sub in {id(p): p for p in commands.choices.values()}.values():
        sub.add_argument("--verbose", action="store_true", help="log what newsdesk does to standard error")
    for sub in (summarize, ask):
        sub.add_argument("--engine", help="this command's engine: extractive, seq2seq, chat or server")
        sub.add_argument("--model", help="this command's model: a cached hub id, a folder or a .gguf file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `newsdesk` command and return its exit status.

    Example:
        main(["summarize", "seeds/dawn-2023-02-19-security-stocktaking.txt", "--json"])
    """
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        if getattr(args, "engine", None) or getattr(args, "model", None):
            settings = replace(settings, engine=args.engine or settings.engine, model=args.model or settings.model)
        # A server's admin reads its log; an editor at the console or a shell reads only the answers (and a
        # refusal's one sentence), unless they ask for the log with --verbose or NEWSDESK_LOG_LEVEL.
        serving = args.command == "serve" and bool(settings.platforms)
        level = settings.log_level or ("DEBUG" if args.verbose else "INFO" if serving else None)
        if level:
            _log_to_stderr(level, settings.secrets)
        elif not logging.getLogger().handlers:
            logging.getLogger().addHandler(logging.NullHandler())  # not even Python's last-resort WARNING lines
        desk = build_newsdesk(settings)
        status = _run(desk, args)
        sys.stdout.flush()  # here, where a reader that went away is still caught below
        return status
    except (BadInput, SettingsError, LibraryBusy) as error:
        print(f"newsdesk: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _stdout_to_devnull()
        return _SIGPIPE_STATUS
    except Exception as error:
        log.debug("internal error", exc_info=True)
        print(f"newsdesk: internal error ({type(error).__name__}: {error}); "
              "run with NEWSDESK_LOG_LEVEL=DEBUG for details.", file=sys.stderr)
        return 1


def _stdout_to_devnull() -> None:
    """Point standard output at /dev/null, so Python's own flush at exit finds no closed pipe to complain about."""
    with contextlib.suppress(OSError, ValueError):  # no file behind it (a test's capture): nothing to flush at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _log_to_stderr(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)  # on the handler too: some libraries set DEBUG on their own loggers
    handler.setFormatter(Redacting("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets=secrets))
    logging.basicConfig(level=level, handlers=[handler])


class Redacting(logging.Formatter):
    """A formatter that blanks out the tokens, whatever a library logs (even at DEBUG, even in a traceback)."""

    def __init__(self, fmt: str, *, secrets: list[str]) -> None:
        super().__init__(fmt)
        self.secrets = sorted(secrets, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


def _run(desk: Newsdesk, args: argparse.Namespace) -> int:
    if args.command in ("summarize", "summarise"):
        filed = desk.file(_read(desk, args.source))
        summary = desk.summarize(filed.editorial, args.length, platform="cli")
        if filed.repeated:
            summary = replace(summary, notes=(*summary.notes, repeat_note(filed.editorial)))
        _print(args, summary.to_json(), summary_text(summary))
    elif args.command == "ask":
        _ask(desk, args)
    elif args.command == "add":
        return _add(desk, args)
    elif args.command == "digest":
        now = datetime.now(UTC)
        digest = desk.digests.compose(_since(args.since, now), now)
        _print(args, digest.to_json(), "\n\n".join(reply.text for reply in digest.replies()))
    elif args.command == "feeds":
        _feeds(desk, args)
    elif args.command == "poll":
        return _poll(desk, args)
    elif args.command == "train" and args.network == "roles":
        from bot.evaluation.role_training import run_role_training

        _print(args, *run_role_training(args))
    elif args.command == "train":
        _print(args, *run_train(args))
    elif args.command == "eval":
        run_eval(desk, args)
    elif args.command == "editorials":
        editorials = desk.store.latest(_limit(args.limit))
        _print(args, [_listing(e) for e in editorials], editorials_text(editorials))
    else:
        from adapters.serve import SEEDS, open_console, serve  # the CLI is where the adapters are composed

        if args.command == "serve":
            serve(desk)
        else:
            open_console(desk, seeds=SEEDS)
    return 0


def _ask(desk: Newsdesk, args: argparse.Namespace) -> None:
    if args.all:
        answer = desk.ask(" ".join(args.words), None, platform="cli")
    else:
        if len(args.words) < 2:
            raise BadInput("Give a SOURCE and a QUESTION, or use --all to ask the whole library.")
        answer = desk.ask(" ".join(args.words[1:]), desk.add(_read(desk, args.words[0])), platform="cli")
    _print(args, answer.to_json(), answer_text(answer))


def _add(desk: Newsdesk, args: argparse.Namespace) -> int:
    from rich.progress import track

    filed: list[tuple[str, Filed]] = []
    failed = 0
    sources = track(args.sources, description="Adding editorials", transient=True) if len(args.sources) > 1 \
        else args.sources
    for source in sources:
        try:
            filed.append((source, desk.file(_read(desk, source))))
        except BadInput as error:
            failed += 1
            print(f"newsdesk: {source}: {error}", file=sys.stderr)
    stored = [f.editorial for _, f in filed]
    notes = [f"Note: {repeat_note(f.editorial, source)}" for source, f in filed if f.repeated]
    _print(args, [_listing(f.editorial) | {"already_in_library": f.repeated} for _, f in filed],
           "\n".join([editorials_text(stored), *notes]) if stored else "Nothing was added.")
    return 2 if failed else 0


def _feeds(desk: Newsdesk, args: argparse.Namespace) -> None:
    if args.action != "list":
        if not args.url or not is_link(args.url):
            raise BadInput(f"`newsdesk feeds {args.action}` takes the feed's http(s) link.")
        done = desk.ledger.add_feed(args.url) if args.action == "add" else desk.ledger.remove_feed(args.url)
        word = {"add": ("Following", "Already following"), "remove": ("Stopped following", "Was not following")}
        print(f"{word[args.action][0 if done else 1]} {args.url}.")
        return
    feeds = desk.ledger.feeds()
    listing = [{"url": f.url, "title": f.title, "polled_at": f.polled_at.isoformat() if f.polled_at else None,
                "error": f.error} for f in feeds]
    text = "\n".join(f"{f.url}  {f.title or ''}" + (f"  (last poll failed: {f.error})" if f.error else "")
                     for f in feeds) or "newsdesk follows no feeds: add one with `newsdesk feeds add URL`."
    _print(args, listing, text)


def _poll(desk: Newsdesk, args: argparse.Namespace) -> int:
    from rich.progress import track

    from bot.newsroom.feeds import poll_all

    reports = poll_all(desk, lambda urls: track(urls, description="Polling feeds", transient=True))
    listing = [{"source": r.source, "added": r.added, "corrected": r.corrected, "failed": r.failed,
                "left": r.left, "error": r.error} for r in reports]
    text = "\n".join(f"{r.source}: " + (r.error or f"{r.added} new, {r.corrected} corrected, {r.failed} failed"
                                         + (f", {r.left} left for the next poll (out of time)" if r.left else ""))
                     for r in reports) or "Nothing to poll: set NEWSDESK_FEEDS or NEWSDESK_INBOX, or add a feed."
    _print(args, listing, text)
    return 0


def _since(text: str, now: datetime) -> datetime:
    """The start of `--since`'s window: `now` less a duration such as 90m, 24h or 2d."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise BadInput(f"“{short(text)}” is not a duration: write it as 90m, 24h or 2d.")
    units = {"m": "minutes", "h": "hours", "d": "days"}
    if len(match[1]) <= 12:  # longer is past any calendar (and int() balks at thousands of digits)
        with contextlib.suppress(OverflowError):
            return now - timedelta(**{units[match[2].lower()]: int(match[1])})
    raise BadInput(f"“{short(text)}” reaches back before the year 1: give a shorter time, such as 30d.")


def _limit(text: str) -> int:
    """`--limit` as a count of editorials, 1 to _MOST_LISTED."""
    count = int(text) if re.fullmatch(r"\s*[0-9]{1,7}\s*", text) else 0
    if not 1 <= count <= _MOST_LISTED:
        raise BadInput(f"--limit takes a whole number of editorials from 1 to {_MOST_LISTED:,}, not “{short(text)}”.")
    return count


def _read(desk: Newsdesk, source: str) -> Editorial:
    """SOURCE as the commands take it: `-` for standard input, a stored id, a file or a link."""
    if source == "-":
        data = sys.stdin.buffer.read(desk.settings.max_bytes + 1)
        return desk.reader.from_attachment(Attachment(name="standard input", data=data))
    stored = desk.find(source) if len(source) >= 4 and source.isalnum() else None
    return stored or desk.reader.from_source(source)


def _listing(editorial: Editorial) -> dict[str, Any]:
    return editorial.reference() | {"sentences": len(editorial.sentences),
                                    "stored_at": editorial.stored_at.isoformat() if editorial.stored_at else None}


def _print(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2) if args.json else text)
