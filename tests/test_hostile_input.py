"""What a careless or hostile user sends: undecodable text, links that do not parse, pathological text. Each gets
an answer or one short sentence (exit 2), never an internal error, and the console survives every line."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.console import run_console
from bot import Newsdesk
from bot.errors import BadInput

from .rigs.support import SEED, run

pytestmark = pytest.mark.usefixtures("workdir")


BODY = SEED.read_text()


@pytest.mark.parametrize("name, data", [
    ("odd.txt", "\ufeffSecurity stocktaking\n\n".encode("utf-16-le") + BODY.encode("utf-16-le")[:-1]),  # odd length
    ("surrogate.txt", b"\xff\xfe" + BODY.encode("utf-16-le") + b"\x00\xd8" + "Tail.".encode("utf-16-le")),
    ("latin1.txt", ("Café politics\n\n" + BODY).encode("latin-1", errors="replace")),
    ("cp1252.txt", ("“Smart” quotes — café\n\n" + BODY).encode("cp1252", errors="replace")),
])
def test_text_that_is_not_clean_utf8_is_read(capsys: pytest.CaptureFixture[str], workdir: Path, name: str,
                                             data: bytes) -> None:
    (workdir / name).write_bytes(data)
    status, out, err = run(capsys, "summarize", str(workdir / name))
    assert status == 0, err
    assert "Sindh police" in out or "TL;DR" in out


def test_a_binary_file_is_refused_in_one_sentence(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    (workdir / "photo.txt").write_bytes(bytes(range(256)) * 40)
    status, _, err = run(capsys, "summarize", str(workdir / "photo.txt"))
    assert status == 2 and "binary file" in err and err.count("\n") == 1


def test_a_question_of_undecodable_bytes_is_answered(capsys: pytest.CaptureFixture[str]) -> None:
    question = "Who ended the si\udce9ge \ud800?"  # what Python makes of Latin-1 bytes and broken UTF-16 in argv
    status, out, err = run(capsys, "ask", str(SEED), question)
    assert status == 0, err and out.strip()


@pytest.mark.parametrize("link", ["http://[::1/", "http://[zz]/", "http://exa℀mple.com/", "http://example.com／x",
                                  "http://" + "h" * 2000 + "/", "gopher://" + "x" * 600])
def test_links_that_do_not_parse_exit_2_with_a_short_sentence(capsys: pytest.CaptureFixture[str], link: str) -> None:
    status, _, err = run(capsys, "summarize", link)
    assert status == 2 and err.count("\n") == 1 and len(err) < 240, err


def test_a_refusal_is_one_sentence_with_no_log_line_before_it(workdir: Path) -> None:
    environment = {**os.environ, "NEWSDESK_DB": str(workdir / "quiet.db")}
    environment.pop("NEWSDESK_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, "-m", "bot", "summarize", "http://169.254.169.254/latest/"],
                            capture_output=True, text=True, timeout=120, env=environment)
    assert result.returncode == 2
    assert result.stderr == "newsdesk: newsdesk does not open links to private or internal addresses " \
                            "(169.254.169.254).\n"
    verbose = subprocess.run([sys.executable, "-m", "bot", "summarize", "http://169.254.169.254/latest/", "--verbose"],
                             capture_output=True, text=True, timeout=120, env=environment)
    assert "WARNING bot.reading.fetcher" in verbose.stderr  # the log, when asked for


@pytest.mark.parametrize(("address", "said"), [("postgresql://desk:pw@db.internal/news", "Could not reach the "
                                                 "PostgreSQL server in NEWSDESK_DB (postgresql://db.internal/news)"),
                                                ("mysql://desk:pw@db.internal/news", "a SQLite file's path")])
def test_a_database_url_that_cannot_be_used_is_a_setting_error_not_a_folder(workdir: Path, address: str,
                                                                            said: str) -> None:
    environment = {**os.environ, "NEWSDESK_DB": address}
    result = subprocess.run([sys.executable, "-m", "bot", "editorials"], capture_output=True, text=True,
                            timeout=120, env=environment)
    assert result.returncode == 2 and "NEWSDESK_DB" in result.stderr and said in result.stderr
    assert "pw" not in result.stderr and not (workdir / address.split("/")[0]).exists()
    assert "Traceback" not in result.stderr


def test_the_console_survives_latin1_binary_and_nul_lines(desk: Newsdesk) -> None:
    lines = b"/summarize caf\xe9 \xe0 la cr\xe8me. The ministry must act now.\n" + bytes(range(1, 256)) + b"\n" \
        + b"/summarize /tmp/\x00evil\n" + b"/ask Who ended the siege?\n" + b"/editorials\n"
    stdin = io.TextIOWrapper(io.BytesIO(lines), encoding="utf-8")
    out = io.StringIO()
    run_console(desk.handle, max_bytes=desk.settings.max_bytes, stdin=stdin, stdout=out, user="editor")
    printed = out.getvalue()
    assert "café à la crème" in printed  # Latin-1 read as Latin-1, not lost
    assert printed.count("\n\n") >= 5  # every line answered, the session alive to the end
    assert "editorials" in printed or "—" in printed


def test_pathological_text_is_answered_in_seconds_or_refused(desk: Newsdesk) -> None:
    run_on = desk.add(desk.reader.from_text("x" * 199_000))  # one line, no sentence end
    assert max(len(s) for s in run_on.sentences) <= 3000
    desk.summarize(run_on, "long")
    with pytest.raises(BadInput, match="at most 3,000"):
        desk.reader.from_text("Yes. " * 39_900)
    many = desk.add(desk.reader.from_text("Yes. " * 2_900))
    assert len(many.sentences) == 2_900 and len(desk.summarize(many, "medium").key_points) == 4
