"""Input newsdesk cannot use, and a library another program keeps locked, get one sentence (exit 2 on the command
line, a private reply in chat), never "internal error" or "Something went wrong"; and a text already in the library
says so, under the title it was stored with."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from adapters.slack.blocks import QUOTE_ACTION
from bot import Newsdesk, Settings
from bot.engines import make_engine
from bot.library.database import SQLiteDatabase
from bot.library.store import Store
from bot.models.embedder import Embedder
from bot.newsroom.commands import dispatch
from bot.reading.fetcher import Fetcher
from bot.reading.ingest import Reader

from .rigs.fake_slack import interaction_body, signed_post
from .rigs.slack_rig import Rig
from .rigs.support import SEED, Chat, run

REPO = Path(__file__).resolve().parent.parent
BODY = "The council must fund the water mains this year. Residents have waited a decade for clean water."


@contextmanager
def locked(database: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding the library's write lock."""
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield other
    finally:
        other.execute("ROLLBACK")
        other.close()


def one_sentence(status: int, out: str, err: str, expected: str) -> None:
    assert status == 2 and out == "", (status, out, err)
    assert err.startswith("newsdesk: ") and err.count("\n") == 1 and expected in err, err
    assert "internal error" not in err and "Traceback" not in err


@pytest.mark.parametrize("since", ["²h", "999999999d", "9" * 5000 + "d", "-5h", "h"])
def test_a_digest_window_that_is_no_duration_is_refused(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                         since: str) -> None:
    status, out, err = run(capsys, "digest", f"--since={since}")
    one_sentence(status, out, err, "is not a duration" if since in ("²h", "-5h", "h") else "before the year 1")


@pytest.mark.parametrize("limit", ["100000000000000000000", "0", "-5", "²", "ten"])
def test_a_listing_limit_outside_1_to_a_million_is_refused(capsys: pytest.CaptureFixture[str], workdir: Path,
                                                            limit: str) -> None:
    assert run(capsys, "add", str(SEED))[0] == 0
    one_sentence(*run(capsys, "editorials", "--limit", limit), "--limit takes a whole number of editorials from 1")
    status, out, _ = run(capsys, "editorials", "--limit", "1")
    assert status == 0 and "Security stocktaking" in out


@pytest.mark.parametrize(("line", "expected"), [
    ("/digest subscribe ²:³⁰ UTC", "“²:³⁰” is not a time of day"),
    ("/digest subscribe 7:30:00 UTC", "is not a time of day"),
    ("/digest subscribe 07:30 " + "A" * 300, "is not a time zone newsdesk knows"),
    ("/digest subscribe 07:30 Europe/" + "A" * 300, "is not a time zone newsdesk knows"),
    ("/digest subscribe 07:30 ../../../etc/passwd", "is not a time zone newsdesk knows"),
])
def test_a_digest_time_or_zone_newsdesk_cannot_read_gets_a_clear_reply(chat: Chat, line: str, expected: str) -> None:
    [reply] = chat.say(line)
    assert reply.is_error and reply.private and expected in reply.text, reply.text
    assert "This channel has no digest" in chat.text("/digest status")
    assert "Subscribed" in chat.text("/digest subscribe 7:30 Europe/Paris")  # one digit for the hour still reads


def test_a_reader_that_goes_away_ends_the_listing_quietly(workdir: Path) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # `newsdesk editorials | true`: the reader is gone before anything is written
    try:
        result = subprocess.run([sys.executable, "-m", "bot", "editorials"], stdout=writer, stderr=subprocess.PIPE,
                                text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        os.close(writer)
    assert result.stderr == "" and result.returncode == 141  # as a shell reports a tool that SIGPIPE ended


def desk_on(database: SQLiteDatabase, embedder: Embedder) -> Newsdesk:
    """A desk like `build_newsdesk`'s, on a library that waits at most a moment for another program's lock."""
    settings = Settings(db_path=database.path)
    fetcher = Fetcher(max_bytes=settings.max_bytes, timeout=settings.fetch_timeout)
    return Newsdesk(settings=settings, store=Store(database),
                    reader=Reader(fetcher, max_chars=settings.max_chars, max_bytes=settings.max_bytes),
                    embedder=embedder, engine=make_engine(settings, embedder), route=dispatch)


def test_a_library_another_program_keeps_locked_is_said_in_chat_and_nothing_is_lost(tmp_path: Path,
                                                                                  embedder: Embedder) -> None:
    desk = desk_on(SQLiteDatabase(tmp_path / "newsdesk.db", busy_timeout=0.2), embedder)
    chat = Chat(desk)
    assert "Security stocktaking" in chat.text("/summarize " + SEED.read_text())
    with locked(tmp_path / "newsdesk.db"):
        for line in ("/summarize " + BODY, "/digest subscribe 07:30 UTC", "/summarize"):
            [reply] = chat.say(line)
            assert reply.is_error and reply.private, reply.text
            assert reply.text == ("The library is locked by another program (for over 0.2 seconds); nothing was "
                                  "changed, so try again in a moment.")
        assert "Security stocktaking" in chat.text("/editorials")  # reading never waits for a writer
        second = desk_on(SQLiteDatabase(tmp_path / "newsdesk.db", busy_timeout=0.2), embedder)  # a worker starting
        assert [e.title for e in second.store.latest()] == ["Security stocktaking"]
        second.store.close()
    assert "TL;DR" in chat.text("/summarize " + BODY)  # the same request, once the lock is gone
    assert "Subscribed" in chat.text("/digest subscribe 07:30 UTC")
    assert desk.store.count() == 2
    desk.store.close()


def test_a_library_another_program_keeps_locked_is_one_sentence_on_the_command_line(
        capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    assert run(capsys, "add", str(SEED))[0] == 0
    (workdir / "water.txt").write_text(BODY)
    with locked(workdir / "cli.db"):
        status, out, _ = run(capsys, "editorials")
        assert status == 0 and "Security stocktaking" in out
        one_sentence(*run(capsys, "add", str(workdir / "water.txt")),  # waits out the 10-second busy timeout
                     "The library is locked by another program (for over 10 seconds); nothing was changed, so try "
                     "again in a moment.")
    status, out, _ = run(capsys, "add", str(workdir / "water.txt"))
    assert status == 0 and "The council must fund the water mains" in out and "already" not in out


def test_a_repeated_text_says_it_is_already_in_the_library_under_its_stored_title(chat: Chat) -> None:
    first = chat.say(f"/summarize Water first\n\n{BODY}")[0]
    assert first.summary is not None and "already" not in first.text
    again = chat.say(f"/summarize Pipes before parks\n\n{BODY}")[0]
    assert again.summary is not None and again.summary.editorial.title == "Water first"
    assert re.search(r"Note: This text is already in the library as “Water first” \(stored \d\d \w{3} \d{4}\)\.",
                     again.text), again.text
    assert any("already in the library" in note for note in again.summary.notes)  # Slack and Discord show notes
    assert "already" not in chat.text("/summarize")  # the conversation's own editorial, asked for again


def test_a_repeated_file_says_it_is_already_in_the_library_on_the_command_line(
        capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    (workdir / "first.txt").write_text(f"Water first\n\n{BODY}")
    (workdir / "again.txt").write_text(f"Pipes before parks\n\n{BODY}")
    status, out, _ = run(capsys, "add", "first.txt")
    assert status == 0 and "Water first" in out and "already" not in out
    status, out, _ = run(capsys, "add", "again.txt")
    assert status == 0
    assert re.search(r"again.txt is already in the library as “Water first” \(stored \d\d \w{3} \d{4}\)\.", out), out
    [listed] = json.loads(run(capsys, "add", "again.txt", "--json")[1])
    assert listed["title"] == "Water first" and listed["already_in_library"] is True
    status, out, _ = run(capsys, "summarize", "again.txt")
    assert status == 0 and out.startswith("Water first")
    assert "Note: This text is already in the library as “Water first”" in out
    summary = json.loads(run(capsys, "summarize", listed["id"], "--json")[1])  # named by its id: nothing to say
    assert not any("already" in note for note in summary["notes"])


def test_a_quote_button_with_a_number_that_is_no_sentence_quotes_the_rest(slack: Rig) -> None:
    seed = slack.desk.add(slack.desk.reader.from_source(str(SEED)))
    payload = {"type": "block_actions", "trigger_id": "1.3", "team": {"id": "T1"}, "user": {"id": "U1"},
               "channel": {"id": "C1"}, "response_url": slack.fake.url("/response/C1"),
               "actions": [{"action_id": QUOTE_ACTION, "value": f"{seed.id}:²,20,99999999999999999999",
                            "type": "button", "block_id": "b1", "action_ts": "1.4"}]}
    assert signed_post(slack.url, interaction_body(payload))[0] == 200
    [quotes] = slack.fake.wait("response_url")
    assert quotes.args["response_type"] == "ephemeral" and "`[20]`" in quotes.text() and "Sindh police" in quotes.text()
