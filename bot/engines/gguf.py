"""GGUF chat models on llama.cpp (llama-cpp-python), the chat engine's path for a `.gguf` file when llama-cpp-python is
installed (`pip install 'newsdesk[llama]'`). llama.cpp runs the quantised weights as they are; transformers dequantises
them into float32 first, which is what the chat engine falls back on without it.

llama.cpp is native code, and native code can crash (a kernel miscompiled for the CPU, a corrupt file): it runs in a
child process of its own (bot/engines/llama_child.py), supervised from here. A child that dies or hangs is replaced on
the next request; the request it was working on gets ModelUnavailable, and so the extractive reply with a note.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bot.models.local import ModelUnavailable
from bot.settings import Settings

__all__ = ["LlamaChat", "llama_cpp_installed"]

log = logging.getLogger(__name__)

_CONTEXT = 4096  # tokens: an editorial of 1,000 words takes ~1,300; longer ones are written in parts that fit
_LOADING_LIMIT = 300.0  # seconds for the child to load a model before it is taken for hung
_WRITING_LIMIT = 600.0  # seconds for one reply: a child still silent after this is hung, and is killed
# run as a file (-P: without its folder on the path), so the child imports llama.cpp and the standard library only
_CHILD = Path(__file__).with_name("llama_child.py")


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


class LlamaChat:
    """A `.gguf` chat model on llama.cpp in a supervised child process, started on first use, one request at a time.
    Greedy, at most `max_new_tokens`.

    Example:
        chat = LlamaChat(Settings(engine="chat", model="SmolLM2-135M-Instruct.Q4_1.gguf"))
        chat.reply("Summarise: ...")
    """

    def __init__(self, settings: Settings) -> None:
        self.path = Path(str(settings.model)).expanduser()
        self.max_new_tokens = settings.max_new_tokens
        self._lock = threading.Lock()
        self._child: subprocess.Popen[str] | None = None
        self._context = _CONTEXT
        self._failure: str | None = None
        self._writing = False

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def pid(self) -> int | None:
        """The process id of the child running the model (None before it is started)."""
        child = self._child
        return child.pid if child is not None and child.poll() is None else None

    @property
    def writing(self) -> bool:
        """Whether the child is writing a reply now."""
        return self._writing

    def load(self) -> None:
        with self._lock:
            self._started()

    def room(self, prompt: str) -> int:
        with self._lock:
            self._started()
        return max(64, self._context - self.max_new_tokens - self.size(prompt) - 32)

    def size(self, text: str) -> int:
        return int(self._ask({"op": "size", "text": text}, _WRITING_LIMIT)["tokens"])

    def reply(self, prompt: str) -> str:
        return str(self._ask({"op": "reply", "prompt": prompt}, _WRITING_LIMIT)["text"]).strip()

    def close(self) -> None:
        """Stop the child (it also stops by itself when this process ends: its standard input closes)."""
        with self._lock:
            self._stop()

    def _ask(self, request: dict[str, Any], limit: float) -> dict[str, Any]:
        with self._lock:
            child = self._started()
            self._writing = request["op"] == "reply"
            try:
                assert child.stdin is not None
                child.stdin.write(json.dumps(request) + "\n")
                child.stdin.flush()
                answer = self._line(child, limit)
            except (OSError, ValueError):
                answer = None
            finally:
                self._writing = False
            if answer is None:
                raise ModelUnavailable(self._lost(child, "while writing"))
            if "error" in answer:
                log.warning("llama.cpp failed while %s was writing: %s", self.name, answer["error"])
                raise ModelUnavailable(f"The model {self.name} failed while writing.")
            return answer

    def _started(self) -> subprocess.Popen[str]:
        """The running child, started now when there is none (or the last one died); the lock is held."""
        if self._failure is not None:
            raise ModelUnavailable(self._failure)
        if self._child is not None and self._child.poll() is None:
            return self._child
        self._stop()
        child = subprocess.Popen(
            [sys.executable, "-P", str(_CHILD), str(self.path), str(_CONTEXT), str(self.max_new_tokens)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
            start_new_session=True)  # Ctrl-C in a terminal goes to the bot, which stops the child itself
        ready = self._line(child, _LOADING_LIMIT)
        if ready is None or "ready" not in ready:
            why = ready["error"] if ready else self._lost(child, "while loading")
            self._stop(child)
            # a missing, truncated or foreign file fails the same way every time: remembered, not retried
            self._failure = (f"The model {self.name} could not be loaded by llama.cpp ({why}); check NEWSDESK_MODEL.")
            log.warning("%s", self._failure)
            raise ModelUnavailable(self._failure)
        self._child, self._context = child, int(ready["context"])
        log.info("loaded %s on llama.cpp in child process %d (context %d tokens)", self.name, child.pid,
                 self._context)
        return child

    def _line(self, child: subprocess.Popen[str], limit: float) -> dict[str, Any] | None:
        """The child's next answer, or None when it died or stayed silent for `limit` seconds (then it is killed)."""
        assert child.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(child.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + limit
            while not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                if time.monotonic() >= deadline:
                    log.warning("llama.cpp running %s gave no answer in %.0f s; stopping it", self.name, limit)
                    child.kill()
                    break
            line = child.stdout.readline()
        try:
            return dict(json.loads(line)) if line else None
        except ValueError:
            return None

    def _lost(self, child: subprocess.Popen[str], doing: str) -> str:
        """Say why the child is gone, and forget it so that the next request starts another."""
        try:
            code = child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            child.kill()
            code = child.wait()
        how = f"signal {signal.Signals(-code).name}" if code < 0 and -code in signal.valid_signals() \
            else f"exit status {code}"
        log.error("llama.cpp stopped (%s) %s %s; it is started again for the next request", how, doing, self.name)
        self._child = None
        return f"The model {self.name} stopped ({how}) {doing}; newsdesk starts it again for the next request."

    def _stop(self, child: subprocess.Popen[str] | None = None) -> None:
        child = child or self._child
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
        if child is self._child:
            self._child = None
