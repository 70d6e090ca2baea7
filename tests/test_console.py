"""The console adapter and `serve` with no platform configured, reading commands until EOF."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from adapters.console import run_console
from adapters.serve import SEEDS, open_console, serve
from bot import Newsdesk
from bot.settings import Secret

from .rigs.fake_slack import FakeSlack
from .rigs.support import SEED


def converse(desk: Newsdesk, lines: list[str], seeds: Path | None = None) -> str:
    out = io.StringIO()
    open_console(desk, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out, seeds=seeds, user="editor")
    return out.getvalue()


def test_console_starts_on_the_seed_and_answers_follow_ups(desk: Newsdesk) -> None:
    transcript = converse(desk, ["/ask Who ended the siege?", "/ask How many people died?"], seeds=SEEDS)
    assert "Loaded the seed editorial “Security stocktaking”" in transcript
    assert "Sindh police officers" in transcript and "The editorial does not say." in transcript


def test_console_reads_a_path_after_summarize_as_an_attached_file(desk: Newsdesk) -> None:
    transcript = converse(desk, [f"/summarize {SEED}", "/ask Who let the militants back?"])
    assert "Security stocktaking (19 Feb 2023)" in transcript and "TL;DR:" in transcript
    assert "PTI" in transcript


def test_console_keeps_running_after_mistakes_and_stops_at_quit(desk: Newsdesk) -> None:
    transcript = converse(desk, ["/launch", "/summarize", "/ask", "help", "quit", "/editorials"])
    assert "no command “/launch”" in transcript and "Paste an editorial" in transcript
    assert "Ask a question" in transcript and "/editorials" in transcript
    assert "library is empty" not in transcript  # nothing after quit ran


def test_console_keeps_running_after_a_binary_file(desk: Newsdesk, tmp_path: Path) -> None:
    photo = tmp_path / "photo.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    transcript = converse(desk, [f"/summarize {photo}", f"/summarize {SEED}"])
    assert "photo.txt looks like a binary file" in transcript and "TL;DR:" in transcript


def test_console_ends_at_end_of_input_without_a_prompt_when_piped(desk: Newsdesk) -> None:
    out = io.StringIO()
    run_console(desk.handle, max_bytes=1000, stdin=io.StringIO("help"), stdout=out, user="editor")
    assert "newsdesk>" not in out.getvalue() and "/summarize" in out.getvalue()


def test_a_file_over_the_byte_limit_is_refused_by_the_console(desk: Newsdesk, tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("The council must act. " * 100)
    out = io.StringIO()
    run_console(desk.handle, max_bytes=1000, stdin=io.StringIO(f"/summarize {big}\n"), stdout=out, user="e")
    assert "big.txt is larger than newsdesk's limit of 1,000 bytes." in out.getvalue()


def test_serve_without_tokens_opens_the_console_and_says_which_variables_start_platforms(desk: Newsdesk) -> None:
    out = io.StringIO()
    serve(desk, stdin=io.StringIO("/ask Who ended the siege?\n"), stdout=out)
    text = out.getvalue()
    assert "SLACK_BOT_TOKEN" in text and "SLACK_APP_TOKEN" in text and "DISCORD_TOKEN" in text
    assert "Sindh police officers" in text


def test_serve_never_prints_a_token(desk: Newsdesk, caplog: object) -> None:
    with FakeSlack() as slack:
        slack.token_valid = False  # Slack refuses the token: serve says so and goes on with the console
        desk.settings = replace(desk.settings, discord_token=Secret("discord-secret-value"),
                                slack_bot_token=Secret("xoxb-secret"), slack_app_token=Secret("xapp-secret"),
                                slack_api_url=slack.url("/api/"))
        out = io.StringIO()
        serve(desk, stdin=io.StringIO(""), stdout=out)
    logged = "\n".join(r.getMessage() for r in caplog.records)  # type: ignore[attr-defined]
    assert "Slack did not start" in logged and "invalid" in logged and "console" in out.getvalue()
    for secret in ("discord-secret-value", "xoxb-secret", "xapp-secret"):
        assert secret not in out.getvalue() and secret not in logged and secret not in repr(desk.settings)



def test_a_console_session_of_serve_exits_cleanly_every_time(tmp_path: Path) -> None:
    """/summarize, /ask and quit on stdin, twenty times: exit 0 each time, never "terminate called without an active
    exception" (exit 134) from a native thread pool torn down under a running round."""
    import os
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    def session(n: int) -> tuple[int, str]:
        environment = {**os.environ, "NEWSDESK_DB": str(tmp_path / f"serve-{n}.db")}
        for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_TOKEN", "NEWSDESK_LOG_LEVEL"):
            environment.pop(name, None)
        done = subprocess.run([sys.executable, "-m", "bot", "serve"], input="/summarize\n/ask Who ended the siege?\n"
                              "quit\n", capture_output=True, text=True, timeout=180, env=environment)
        return done.returncode, done.stderr[-300:]

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(session, range(20)))
    assert [code for code, _ in results] == [0] * 20, [err for code, err in results if code]
