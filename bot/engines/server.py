"""The server engine: the chat engine's prompts, guard and fallbacks, with the writing done by a model on an
OpenAI-compatible server the newsroom runs itself (Ollama, llama.cpp's llama-server, vLLM, LM Studio, TGI).

The address is the admin's setting (`NEWSDESK_SERVER_URL`), never anything a chat message says, so it may be a
private one. When the server is down, slow, busy past its retries, or answers with something that is not a
completion, the reply is the extractive one with a note saying so; the admin's log names the server and the error.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from bot.engines.generative import ChatEngine
from bot.errors import SettingsError
from bot.models.embedder import Embedder
from bot.models.local import ModelUnavailable
from bot.reading.fetcher import without_credentials
from bot.settings import Settings

__all__ = ["ServerChat", "ServerEngine"]

log = logging.getLogger(__name__)

_CHARS_PER_TOKEN = 3  # the server's tokenizer is not ours to ask: English runs ~4 characters a token, so this errs long
_RETRIED = (429, 502, 503, 504)  # busy or restarting: worth another try after a pause
_LONGEST_PAUSE = 10.0  # seconds, whatever Retry-After asks


class ServerChat:
    """A chat model behind an OpenAI-compatible `/v1/chat/completions`, through the `openai` client.

    Example:
        chat = ServerChat(Settings(engine="server", server_url="http://localhost:11434/v1", model="llama3.2"))
        chat.reply("Summarise: ...")
    """

    def __init__(self, settings: Settings) -> None:
        if not settings.server_url:
            raise SettingsError("NEWSDESK_ENGINE=server needs NEWSDESK_SERVER_URL, the model server's address "
                                "(for Ollama: http://localhost:11434/v1).")
        from openai import OpenAI

        self.url = settings.server_url
        self.shown = without_credentials(self.url)  # what logs say: a user:password@ in the address never
        self.timeout = settings.server_timeout
        self.retries = settings.server_retries
        self.context = settings.server_context
        self.max_new_tokens = settings.max_new_tokens
        self._model = settings.model
        key = settings.server_key.reveal() if settings.server_key else "none"  # local servers take any key
        self.client = OpenAI(base_url=self.url, api_key=key, timeout=self.timeout, max_retries=0)

    @property
    def name(self) -> str:
        return self._model or "the server's model"

    def load(self) -> None:
        """Ask the server which models it serves: the first is used when NEWSDESK_MODEL names none. Raises
        ModelUnavailable when the server does not answer or serves nothing."""
        served = self._call(lambda: [model.id for model in self.client.models.list()])
        if not isinstance(served, list) or not served:
            raise self._unavailable("lists no models")
        if self._model is None:
            self._model = str(served[0])
            log.info("model server %s: using %s, the first model it serves", self.shown, self._model)
        elif self._model not in served:
            log.warning("model server %s does not list %s (it lists %s); asking for it anyway", self.shown,
                        self._model, ", ".join(map(str, served[:5])))

    def room(self, prompt: str) -> int:
        return max(64, self.context - self.max_new_tokens - self.size(prompt) - 16)

    def size(self, text: str) -> int:
        return math.ceil(len(text) / _CHARS_PER_TOKEN)

    def reply(self, prompt: str) -> str:
        """The server's completion of `prompt`, greedy; ModelUnavailable with a sentence when there is none."""
        if self._model is None:
            self.load()
        completion = self._call(lambda: self.client.chat.completions.create(
            model=str(self._model), messages=[{"role": "user", "content": prompt}],
            max_tokens=self.max_new_tokens, temperature=0))
        try:
            text = completion.choices[0].message.content
        except (AttributeError, IndexError, TypeError):
            text = None
        if not isinstance(text, str) or not text.strip():
            raise self._unavailable("answered with no completion")
        return text.strip()

    def _call(self, request: Any) -> Any:
        """`request()`, tried again after a pause while the server says it is busy (429, 502-504)."""
        import openai

        for attempt in range(self.retries + 1):
            try:
                return request()
            except openai.APIStatusError as error:
                if error.status_code in _RETRIED and attempt < self.retries:
                    pause = _pause(error.response.headers.get("retry-after"), attempt)
                    log.info("model server %s answered HTTP %d; trying again in %.1f s", self.shown,
                             error.status_code, pause)
                    time.sleep(pause)
                    continue
                busy = " (busy)" if error.status_code in _RETRIED else ""
                raise self._unavailable(f"answered HTTP {error.status_code}{busy}", error) from None
            except openai.APITimeoutError as error:
                raise self._unavailable(f"did not answer within {self.timeout:g} s", error) from None
            except openai.APIConnectionError as error:
                raise self._unavailable("could not be reached", error) from None
            except (openai.OpenAIError, ValueError) as error:  # a body that is not JSON, or not the API's
                raise self._unavailable("answered with something that is not a completion", error) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _unavailable(self, what: str, error: Exception | None = None) -> ModelUnavailable:
        detail = f": {str(error).replace(self.url, self.shown)}" if error else ""
        log.warning("model server %s %s%s", self.shown, what, detail)
        return ModelUnavailable(f"The model server {what}.")


def _pause(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After when it gives one in seconds, else 0.5, 1, 2... (at most 10)."""
    try:
        asked = float(retry_after) if retry_after else None
    except ValueError:
        asked = None  # an HTTP date: back off as if none were given
    return min(_LONGEST_PAUSE, asked if asked is not None and asked >= 0 else 0.5 * 2 ** attempt)


class ServerEngine(ChatEngine):
    """The chat engine with its model on an OpenAI-compatible server (`NEWSDESK_ENGINE=server`).

    Example:
        engine = ServerEngine(Settings(engine="server", server_url="http://127.0.0.1:8080/v1"), embedder)
    """

    name = "server"

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        super().__init__(settings, embedder, ServerChat(settings))
