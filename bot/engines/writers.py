"""What the generative engines write with: a local model within its window (`Writer`), the chat models the chat
engine talks to (`ChatModel`: transformers in-process, or a .gguf file on llama.cpp in a child process), and the
splitting of a long editorial into chunks that fit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from bot.models.local import LocalModel, ModelUnavailable
from bot.settings import Settings

__all__ = ["ChatModel", "LocalChat", "Writer", "chunks", "local_chat", "tokens"]

log = logging.getLogger(__name__)


class Writer:
    """Generation with one local model of `kind` ("seq2seq" or "causal"), as settings name it, within its window."""

    def __init__(self, settings: Settings, kind: str) -> None:
        self.local = LocalModel(settings.model, kind, device=settings.device, dtype=settings.dtype,
                                cache=settings.model_cache, greedy=settings.beams == 1)
        self.settings = settings

    def window(self, tokenizer: Any, model: Any, reserve: int = 0) -> int:
        limits = [getattr(model.config, "max_position_embeddings", None), getattr(tokenizer, "model_max_length", None)]
        usable = min([int(v) for v in limits if isinstance(v, int) and 0 < v < 1_000_000] or [1024])
        return max(32, usable - reserve - 8)

    def generate(self, tokenizer: Any, model: Any, inputs: dict[str, Any]) -> str:
        import torch

        device = self.local.torch_device
        feed = {k: v.to(device) for k, v in inputs.items() if k in ("input_ids", "attention_mask")}
        beams = self.settings.beams
        # Never ask for more tokens than the model has positions for: generation would fail past them.
        positions = getattr(model.config, "max_position_embeddings", None) or 1_000_000
        used = 0 if model.config.is_encoder_decoder else feed["input_ids"].shape[1]
        new_tokens = max(1, min(self.settings.max_new_tokens, int(positions) - used - 2))
        try:
            if self.local.decoder is not None:  # there is one only for greedy decoding on the CPU
                output = self.local.decoder.write(model, feed["input_ids"], feed["attention_mask"], new_tokens)
            else:
                with torch.inference_mode():
                    output = model.generate(**feed, max_new_tokens=new_tokens, num_beams=beams,
                                            do_sample=False, early_stopping=beams > 1)
        except Exception as error:  # a model failing mid-generation falls back; it never crashes the bot
            log.warning("model %s failed while writing: %s", self.local.name, error)
            raise ModelUnavailable(f"The model {self.local.name} failed while writing ({type(error).__name__}).") \
                from None
        if not model.config.is_encoder_decoder:
            output = output[:, feed["input_ids"].shape[1]:]
        return str(tokenizer.decode(output[0], skip_special_tokens=True)).strip()


def chunks(sentences: Sequence[str], size: Callable[[str], int], window: int) -> list[str]:
    """The sentences joined into as few chunks as fit `window` tokens each, as `size` counts them (a sentence longer
    than the window is a chunk of its own)."""
    parts: list[list[str]] = [[]]
    used = 0
    for sentence in sentences:
        tokens = size(sentence)
        if parts[-1] and used + tokens > window:
            parts.append([])
            used = 0
        parts[-1].append(sentence)
        used += tokens
    return [" ".join(part) for part in parts]


class ChatModel(Protocol):
    """A chat model the chat engine writes with: in-process (`LocalChat`) or on a server (bot/engines/server.py).
    Each method raises ModelUnavailable, with a sentence saying why, when the model cannot be had."""

    @property
    def name(self) -> str: ...

    def load(self) -> None: ...

    def room(self, prompt: str) -> int:
        """How many tokens of editorial fit beside this prompt and the reply."""

    def size(self, text: str) -> int:
        """How many tokens `text` takes."""

    def reply(self, prompt: str) -> str: ...


class LocalChat:
    """A causal LM with a chat template, by hub id, folder or .gguf file, in-process through transformers."""

    def __init__(self, settings: Settings) -> None:
        self.writer = Writer(settings, "causal")
        self.local = self.writer.local

    @property
    def name(self) -> str:
        return self.local.name

    def load(self) -> None:
        self.local.get()

    def room(self, prompt: str) -> int:
        tokenizer, model = self.local.get()
        return self.writer.window(tokenizer, model, reserve=len(self._chat(tokenizer, prompt)["input_ids"][0]) + 16)

    def size(self, text: str) -> int:
        return tokens(self.local.get()[0], text)

    def reply(self, prompt: str) -> str:
        tokenizer, model = self.local.get()
        return self.writer.generate(tokenizer, model, self._chat(tokenizer, prompt))

    def _chat(self, tokenizer: Any, prompt: str) -> Any:
        try:
            return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], add_generation_prompt=True,
                                                 return_tensors="pt", return_dict=True)
        except (ValueError, TypeError) as error:
            raise ModelUnavailable(f"The model {self.local.name} has no usable chat template ({error}).") from None


def local_chat(settings: Settings) -> ChatModel:
    """The in-process chat model for `settings.model`: a `.gguf` file on llama.cpp when llama-cpp-python is
    installed (it runs the quantised weights as they are, several times faster), anything else in transformers."""
    if str(settings.model or "").lower().endswith(".gguf"):
        from bot.engines.gguf import LlamaChat, llama_cpp_installed

        if llama_cpp_installed():
            return LlamaChat(settings)
        log.info("llama-cpp-python is not installed, so %s runs in transformers (pip install 'newsdesk[llama]' "
                 "runs it on llama.cpp, several times faster)", settings.model)
    return LocalChat(settings)



def tokens(tokenizer: Any, text: str) -> int:
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])
