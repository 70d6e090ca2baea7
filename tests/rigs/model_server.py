"""A loopback stand-in for an OpenAI-compatible model server that misbehaves on cue, and a fixture that starts the
real one (llama.cpp's, from llama-cpp-python[server]) on SmolLM2-135M-Instruct."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from .support import Served, free_port, send

__all__ = ["Misbehaving", "llama_cpp_server"]


def completion(text: str | None) -> dict[str, Any]:
    """A chat completion as the API sends it, with `text` as the message (None: no choices at all)."""
    choices = [] if text is None else [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": text}}]
    return {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "stand-in", "choices": choices}


class Misbehaving(Served):
    """Answers POST /v1/chat/completions with the next of `script`'s steps (the last repeats): an int is that HTTP
    status with an error body, "slow" waits past any test's time-out, "garbage" is a body that is not JSON,
    "empty" is a completion with no choices, any other str is a completion with that text. GET /v1/models lists
    one model. `requests` counts the completions asked for."""

    def __init__(self, *script: int | str) -> None:
        self.script = list(script)
        self.requests = 0
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._send(200, json.dumps({"object": "list", "data": [{"id": "stand-in", "object": "model"}]}))

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                step = stand_in.script[min(stand_in.requests, len(stand_in.script) - 1)]
                stand_in.requests += 1
                if isinstance(step, int):
                    self._send(step, json.dumps({"error": {"message": "stand-in failure", "type": "server_error"}}),
                               {"Retry-After": "0"} if step == 429 else {})
                elif step == "slow":
                    time.sleep(3)
                    self._send(200, json.dumps(completion("Too late.")))
                elif step == "garbage":
                    self._send(200, "<html>this is not JSON</html>")
                else:
                    self._send(200, json.dumps(completion(None if step == "empty" else step)))

            def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
                send(self, status, body.encode(), {"Content-Type": "application/json", **(headers or {})})

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)
        self.url = f"http://127.0.0.1:{self.port}/v1"


@contextmanager
def llama_cpp_server(gguf: Path, context: int, log: Path) -> Iterator[str]:
    """llama.cpp's OpenAI-compatible server on a free loopback port serving `gguf`; yields its /v1 address."""
    port = free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1", "--port",
             str(port), "--n_ctx", str(context), "--n_threads", "2", "--model_alias", "smollm2-135m"],
            stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama.cpp's server did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
