"""GGUF chat models on llama.cpp, in-process (llama-cpp-python): the chat engine's path for a `.gguf` file when
llama-cpp-python is installed (`pip install 'newsdesk[llama]'`). llama.cpp runs the quantised weights as they are;
transformers dequantises them into float32 first, which is what the chat engine falls back on without it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Any

from bot.models import ModelUnavailable
from bot.settings import Settings

__all__ = ["LlamaChat", "llama_cpp_installed"]

log = logging.getLogger(__name__)

_CONTEXT = 4096  # tokens: an editorial of 1,000 words takes ~1,300; longer ones are written in parts that fit


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


class LlamaChat:
    """A `.gguf` chat model on llama.cpp, loaded on first use, one request at a time (a llama.cpp context is not
    shared between threads). Greedy, at most `max_new_tokens`.

    Example:
        chat = LlamaChat(Settings(engine="chat", model="SmolLM2-135M-Instruct.Q4_1.gguf"))
        chat.reply("Summarise: ...")
    """

    def __init__(self, settings: Settings) -> None:
        self.path = Path(str(settings.model)).expanduser()
        self.max_new_tokens = settings.max_new_tokens
        self._lock = threading.Lock()
        self._llama: Any = None
        self._failure: str | None = None

    @property
    def name(self) -> str:
        return self.path.name

    def load(self) -> None:
        self._get()

    def room(self, prompt: str) -> int:
        llama = self._get()
        architecture = llama.metadata.get("general.architecture", "llama")
        trained = int(llama.metadata.get(f"{architecture}.context_length", _CONTEXT))
        return max(64, min(llama.n_ctx(), trained) - self.max_new_tokens - self.size(prompt) - 32)

    def size(self, text: str) -> int:
        return len(self._get().tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def reply(self, prompt: str) -> str:
        llama = self._get()
        with self._lock:
            try:
                completion = llama.create_chat_completion(messages=[{"role": "user", "content": prompt}],
                                                          max_tokens=self.max_new_tokens, temperature=0.0)
            except Exception as error:  # llama.cpp failing mid-generation falls back; it never crashes the bot
                log.warning("llama.cpp failed while %s was writing: %s", self.name, error)
                raise ModelUnavailable(f"The model {self.name} failed while writing ({type(error).__name__}).") \
                    from None
        return str(completion["choices"][0]["message"]["content"] or "").strip()

    def _get(self) -> Any:
        if self._llama is None:
            with self._lock:
                if self._failure is not None:
                    raise ModelUnavailable(self._failure)
                if self._llama is None:
                    try:
                        self._llama = _open(self.path)
                    except Exception as error:  # a missing, truncated or foreign file: a sentence, not a crash
                        self._failure = (f"The model {self.name} could not be loaded by llama.cpp "
                                         f"({type(error).__name__}: {error}); check NEWSDESK_MODEL.")
                        log.warning("%s", self._failure)
                        raise ModelUnavailable(self._failure) from None
        return self._llama


def _open(path: Path) -> Any:
    from llama_cpp import Llama

    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    llama = Llama(model_path=str(path), n_ctx=_CONTEXT, n_threads=os.cpu_count() or 2, seed=0, verbose=False)
    log.info("loaded %s on llama.cpp (context %d tokens)", path.name, _CONTEXT)
    return llama
