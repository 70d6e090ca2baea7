"""The README's example sessions are run and must print what the README shows, so they cannot go stale."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent


def sessions() -> list[tuple[str, str]]:
    """Every `$ newsdesk ...` line of the README's code blocks, with the output shown under it."""
    found = []
    for block in re.findall(r"```\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL):
        for command, output in re.findall(r"^\$ (newsdesk [^\n]*)\n(.*?)(?=^\$ |\Z)", block, re.DOTALL | re.M):
            found.append((command, output.strip()))
    return found


def test_the_readme_shows_what_newsdesk_prints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NEWSDESK_DB", str(tmp_path / "readme.db"))
    for name in ("NEWSDESK_ENGINE", "NEWSDESK_LOG_LEVEL", "NEWSDESK_ABSTAIN_BELOW"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NEWSDESK_PRECISION", "float32")  # the same digits on every CPU (bfloat16 moves the 2nd)
    shown = sessions()
    assert len(shown) >= 4  # summarize, two asks, editorials
    for command, expected in shown:
        status = main(shlex.split(command)[1:])
        printed = capsys.readouterr().out.strip()
        assert status == 0, command
        assert printed == expected, f"README is stale for `{command}`"
