"""The inbox folder and feed entries as an attacker or a broken CMS fills them: links out of the folder, pipes, hard
links, files and entries that make reading fail in ways no one planned for. Only regular files really in the folder
are read; whatever cannot be read is skipped and named in the log, and everything else is stored."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import Newsdesk, Settings, build_newsdesk
from bot.models.embedder import Embedder
from bot.newsroom.feeds import poll_feed, poll_inbox

from .rigs.support import Loopback, run

FERRY = ("The ferry operator has raised fares by forty per cent in two years while cutting the winter timetable.\n"
         "The regulator should cap fares on lifeline routes before the islands empty.")
WATER = ("The city council has ignored the failing water mains for a decade, and residents pay the price.\n"
         "The council must publish a repair schedule this year and fund it from the capital budget.")
HARBOUR = ("The harbour board has let the sea wall crumble for six winters while it argued over the bill.\n"
           "The government should take the repairs over before the next storm season arrives.")
TOKEN = "xoxb-4242-deploy-secret"


@pytest.fixture
def desk(tmp_path: Path, embedder: Embedder) -> Iterator[Newsdesk]:
    built = build_newsdesk(Settings(db_path=tmp_path / "inbox.db", allow_private_urls=True, max_bytes=50_000),
                           embedder=embedder)
    yield built
    built.store.close()


def texts(desk: Newsdesk) -> list[str]:
    return sorted(" ".join(e.sentences) for e in desk.store.latest(100))


def skipped(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)


def test_the_inbox_reads_only_regular_files_inside_its_folder(desk: Newsdesk, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "token.txt").write_text(f"The deploy token for the newsroom's Slack is {TOKEN} and it must stay "
                                       "private to the desk editors.")
    (outside / "memo.txt").write_text(WATER)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(FERRY)
    (inbox / "secret.txt").symlink_to(outside / "token.txt")  # a link to a file holding a token
    (inbox / "status.txt").symlink_to("/proc/self/status")  # a link into the kernel's view of the reader itself
    os.link(outside / "memo.txt", inbox / "memo.txt")  # a second name for a file kept elsewhere
    os.mkfifo(inbox / "pipe.txt")  # opening it for reading would wait for a writer for ever
    caplog.set_level(logging.INFO)

    report = poll_inbox(desk, inbox)

    assert texts(desk) == [" ".join(FERRY.split("\n"))]
    assert report.added == 1 and report.failed == 4
    assert all(TOKEN not in text for text in texts(desk))
    log = skipped(caplog)
    for name in ("secret.txt", "status.txt", "memo.txt", "pipe.txt"):
        assert f"inbox file '{name}' skipped" in log, log
    assert "symbolic link" in log and "hard links" in log and "not a regular file" in log


def test_ask_all_never_quotes_a_file_the_inbox_only_linked_to(desk: Newsdesk, tmp_path: Path) -> None:
    secret = tmp_path / "token.txt"
    secret.write_text(f"The deploy token for the newsroom's Slack is {TOKEN} and it must stay private to the desk.")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ferry.txt").write_text(FERRY)
    (inbox / "notes.md").symlink_to(secret)
    poll_inbox(desk, inbox)
    answer = desk.ask("What is the deploy token for the newsroom's Slack?", None)
    assert TOKEN not in json.dumps(answer.to_json())


def test_a_file_that_breaks_the_reader_is_skipped_and_the_files_after_it_are_stored(
        workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """/proc/self/mem says it is a regular file and then fails every read with EIO: an OSError, not BadInput."""
    inbox = workdir / "inbox"
    inbox.mkdir()
    (inbox / "a-ferry.txt").write_text(FERRY)
    (inbox / "b-memory.txt").symlink_to("/proc/self/mem")
    (inbox / "c-water.txt").write_text(WATER)
    monkeypatch.setenv("NEWSDESK_INBOX", str(inbox))
    caplog.set_level(logging.INFO)

    status, out, _ = run(capsys, "poll", "--json")

    assert status == 0
    assert json.loads(out) == [{"source": str(inbox), "added": 2, "corrected": 0, "failed": 1, "left": 0,
                                "error": None}]
    assert "inbox file 'b-memory.txt' skipped" in skipped(caplog)
    status, out, _ = run(capsys, "editorials", "--json")
    assert status == 0 and sorted(e["title"][:8] for e in json.loads(out)) == ["The city", "The ferr"]


def test_a_folder_that_is_not_there_or_not_a_folder_is_reported_not_raised(desk: Newsdesk, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "inbox"
    not_a_folder.write_text("a file where the folder was")
    assert "cannot be read" in str(poll_inbox(desk, not_a_folder).error)
    assert "does not exist" in str(poll_inbox(desk, tmp_path / "nowhere").error)


# --- Feed entries -------------------------------------------------------------------------------------------------

def article(title: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{p}</p>" for p in body.split("\n"))
    return f"<html><head><title>{title}</title></head><body><article>{paragraphs}</article></body></html>".encode()


def test_a_feed_entry_that_breaks_the_reader_is_skipped_and_the_others_stored(
        desk: Newsdesk, caplog: pytest.LogCaptureFixture) -> None:
    """An entry dated 9999-12-31T23:59:59-12:00 is the year 10000 in UTC: feedparser hands it over, Python's dates
    refuse it (ValueError, not BadInput)."""
    with Loopback() as web:
        for path, text in (("/ferry", FERRY), ("/year-10000", HARBOUR), ("/water", WATER)):
            web.route(path, body=article(path.strip("/"), text), headers={"Content-Type": "text/html"})
        items = "".join(f"<item><title>{path}</title><link>{web.url(path)}</link><guid>{path}</guid>"
                        f"<pubDate>{date}</pubDate></item>"
                        for path, date in (("/ferry", "Mon, 23 Nov 2026 06:00:00 GMT"),
                                           ("/year-10000", "9999-12-31T23:59:59-12:00"),
                                           ("/water", "Mon, 23 Nov 2026 07:00:00 GMT")))
        web.route("/feed.xml", headers={"Content-Type": "application/rss+xml"},
                  body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>Opinion&#27;[2J&#7;</title>'
                       f"{items}</channel></rss>".encode())
        caplog.set_level(logging.INFO)
        desk.ledger.add_feed(web.url("/feed.xml"))
        report = poll_feed(desk, desk.ledger, web.url("/feed.xml"))
        assert (report.added, report.failed, report.error) == (2, 1, None)
        assert f"entry {web.url('/year-10000')} skipped" in skipped(caplog)
        assert len(texts(desk)) == 2 and not any("sea wall" in text for text in texts(desk))
        assert desk.ledger.latest_version(web.url("/feed.xml"), "/year-10000") is None  # tried again next poll
        assert desk.ledger.feeds()[0].title == "Opinion"  # no escape or bell reaches `newsdesk feeds list`
