"""SIGTERM (what systemd and docker send) and SIGINT end `newsdesk serve` the clean way the end of input does."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_end_serve_the_clean_way(tmp_path: Path, sent: signal.Signals) -> None:
    """`python -m bot serve` with the console on pipes, no platform tokens, a temporary library: once the console is
    up and reading, the signal ends it with the clean shutdown that the end of input gets, and exit status 0."""
    environment = {**os.environ, "NEWSDESK_DB": str(tmp_path / "serve.db"), "NEWSDESK_LOG_LEVEL": "INFO",
                   "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "DISCORD_TOKEN",
                 "NEWSDESK_FEEDS", "NEWSDESK_INBOX", "NEWSDESK_ENGINE"):
        environment.pop(name, None)
    child = subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=tmp_path, env=environment, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: queue.Queue[str] = queue.Queue()
    err: list[str] = []
    threading.Thread(target=lambda: [out.put(line) for line in child.stdout or ()], daemon=True).start()
    reading_err = threading.Thread(target=lambda: err.extend(child.stderr or ()), daemon=True)
    reading_err.start()
    try:
        while "Type help for the commands" not in out.get(timeout=180):  # the console is up and reading
            pass
        child.send_signal(sent)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
    reading_err.join(timeout=60)
    log = "".join(err)
    assert child.returncode == 0, log[-2000:]
    assert f"newsdesk stopping ({sent.name})" in log and "newsdesk stopped" in log
    assert "Traceback" not in log and "rounds were still busy" not in log
