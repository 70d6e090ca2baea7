"""The `newsdesk` command line: output, JSON contract, exit codes, and no traceback for user mistakes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .rigs.support import SEED, Loopback, make_pdf, run

pytestmark = pytest.mark.usefixtures("workdir")


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    status, out, err = run(capsys, *argv, "--json")
    assert status == 0, err
    return json.loads(out)


def test_summarize_prints_the_summary_with_sentence_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "summarize", str(SEED))
    assert status == 0
    assert out.startswith("Security stocktaking (19 Feb 2023) · id ")
    assert "TL;DR:" in out and "Key points:" in out and "What it calls for:" in out and "[21]" in out


def test_summarize_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "summarize", str(SEED), "--length", "long")
    assert data["editorial"]["title"] == "Security stocktaking" and len(data["editorial"]["sha256"]) == 64
    assert data["engine"] == "extractive" and data["model"] == "all-MiniLM-L6-v2"
    sentences = SEED.read_text().replace("`", "'")
    for point in [data["tldr"], *data["key_points"], *data["calls_to_action"]]:
        assert point["text"] in sentences and point["sentence"] >= 1


def test_ask_json_contract_and_abstention(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "ask", str(SEED), "Who ended the siege?")
    assert set(data) >= {"question", "answer", "abstained", "score", "citations", "editorial"}
    assert data["abstained"] is False and data["citations"][0]["sentence"] == 20
    unsaid = run_json(capsys, "ask", str(SEED), "How many people died?")
    assert unsaid["abstained"] is True and unsaid["answer"] == "The editorial does not say."


def test_add_many_then_list_and_ask_the_library(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    ferry = workdir / "ferry.md"
    ferry.write_text("# Ferry fares\n\nThe ferry operator has raised fares by forty per cent in two years. "
                     "The regulator should cap fares on lifeline routes.")
    added = run_json(capsys, "add", str(SEED), str(ferry))
    assert [e["title"] for e in added] == ["Security stocktaking", "Ferry fares"]
    listed = run_json(capsys, "editorials")
    assert {e["title"] for e in listed} == {"Security stocktaking", "Ferry fares"}
    answer = run_json(capsys, "ask", "--all", "Who should cap ferry fares?")
    assert answer["citations"][0]["editorial"]["title"] == "Ferry fares"
    by_id = run_json(capsys, "ask", added[0]["id"][:6], "Who ended the siege?")
    assert by_id["editorial"]["id"] == added[0]["id"]


def test_standard_input_is_a_source(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(SEED.read_bytes())))
    data = run_json(capsys, "summarize", "-")
    assert data["editorial"]["source"] == "standard input" and data["editorial"]["title"] == "Security stocktaking"


def test_a_url_is_a_source_with_the_private_setting_on(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "true")
    with Loopback() as web:
        web.route("/op-ed.pdf", body=make_pdf(["The council must publish a repair schedule this year.",
                                               "Residents have waited a decade for clean water."]),
                  headers={"Content-Type": "application/pdf"})
        data = run_json(capsys, "summarize", web.url("/op-ed.pdf"))
    assert data["editorial"]["source"].endswith("/op-ed.pdf") and "repair schedule" in json.dumps(data)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: d.joinpath("empty.txt").write_text("  \n"), "no text to read"),
        (lambda d: d.joinpath("empty.txt").write_bytes(bytes(range(256)) * 40), "binary file"),
        (lambda d: d.joinpath("empty.txt").write_text("word " * 60_000), "reads at most 200,000"),
        (lambda d: d.joinpath("empty.txt").unlink(missing_ok=True), "neither a file"),
        (lambda d: d.joinpath("empty.pdf").write_bytes(b"%PDF-1.7\n%broken beyond repair"), "PDF"),
        (lambda d: d.joinpath("empty.html").write_text("<html><body><nav>Home</nav></body></html>"), "no article"),
        (lambda d: d.joinpath("empty.docx").write_bytes(b"PK\x03\x04..."), ".txt, .md, .html and .pdf"),
    ],
    ids=["empty", "binary", "too-long", "missing", "corrupt-pdf", "html-without-article", "unknown-type"],
)
def test_bad_input_exits_2_with_one_sentence(capsys: pytest.CaptureFixture[str], workdir: Path,
                                             setup: Any, message: str) -> None:
    setup(workdir)
    written = sorted(workdir.glob("empty.*"))
    status, out, err = run(capsys, "summarize", str(written[0] if written else workdir / "empty.txt"))
    assert status == 2 and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_ten_megabyte_paste_on_standard_input_is_refused(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"The council must act. " * 480_000)))
    status, _, err = run(capsys, "summarize", "-")
    assert status == 2 and "limit of 5,000,000 bytes" in err


def test_a_url_that_times_out_exits_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("NEWSDESK_FETCH_TIMEOUT", "0.3")
    with Loopback() as web:
        web.route("/slow", body=b"<p>late</p>", headers={"Content-Type": "text/html"}, delay=1.5)
        status, _, err = run(capsys, "summarize", web.url("/slow"))
    assert status == 2 and "did not answer within 0.3 seconds" in err


def test_a_private_url_is_refused_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "summarize", "http://localhost:8080/admin")
    assert status == 2 and "private or internal" in err


def test_ask_needs_a_question(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "ask", str(SEED))
    assert status == 2 and "QUESTION" in err


def test_a_bad_setting_names_the_variable(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSDESK_MAX_CHARS", "lots")
    status, _, err = run(capsys, "editorials")
    assert status == 2 and "NEWSDESK_MAX_CHARS" in err


def test_the_installed_command_prints_no_traceback(workdir: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "summarize", str(workdir / "nothing.pdf")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip() == f"newsdesk: {workdir / 'nothing.pdf'} is neither a file newsdesk can find " \
                                    "nor an http(s) link."


def test_the_log_never_shows_a_token_whatever_a_library_logs() -> None:
    import logging

    from bot.cli import Redacting

    formatter = Redacting("%(levelname)s %(name)s: %(message)s", secrets=["xoxb-1-secret", "discord.token.value"])
    record = logging.LogRecord("slack_sdk", logging.DEBUG, __file__, 1, "headers: %s", ({"x": "xoxb-1-secret"},), None)
    try:
        raise RuntimeError("login failed for discord.token.value")
    except RuntimeError:
        record.exc_info = sys.exc_info()
    text = formatter.format(record)
    assert "xoxb-1-secret" not in text and "discord.token.value" not in text and "***" in text
