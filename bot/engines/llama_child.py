"""The child process a `.gguf` model runs in: llama.cpp loaded here, never in the bot's own process, so that a crash
in native code (a miscompiled kernel, a corrupt file, an out-of-memory abort) ends this process and not the bot.

Run by `bot.engines.gguf.LlamaChat` as `python -P llama_child.py MODEL CONTEXT MAX_TOKENS` (the standard library and
llama.cpp only: nothing of the bot is imported here). It speaks JSON, one object a line: first `{"ready": ...}` (or
`{"error": ...}` and exit 1), then one answer per request on standard input (`{"op": "size", "text": ...}`,
`{"op": "reply", "prompt": ...}`); it exits when standard input closes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

__all__ = ["main"]


def _answer(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _open(path: Path, context: int) -> Any:
    from llama_cpp import Llama

    if not path.is_file():
        raise FileNotFoundError(f"no file at {path}")
    return Llama(model_path=str(path), n_ctx=context, n_threads=os.cpu_count() or 2, seed=0, verbose=False)


def _serve(llama: Any, max_tokens: int, requests: TextIO, channel: TextIO) -> None:
    for line in requests:
        request = json.loads(line)
        try:
            if request["op"] == "size":
                tokens = llama.tokenize(str(request["text"]).encode("utf-8"), add_bos=False, special=False)
                _answer(channel, {"tokens": len(tokens)})
            else:
                completion = llama.create_chat_completion(
                    messages=[{"role": "user", "content": request["prompt"]}], max_tokens=max_tokens,
                    temperature=0.0)
                _answer(channel, {"text": str(completion["choices"][0]["message"]["content"] or "")})
        except Exception as error:  # a failure inside one request is answered; the model stays loaded
            _answer(channel, {"error": f"{type(error).__name__}: {error}"})


def main(argv: list[str]) -> int:
    """Load the model, say so, then answer requests until standard input closes."""
    path, context, max_tokens = Path(argv[0]), int(argv[1]), int(argv[2])
    # The answers go to the original standard output; anything native code prints goes to standard error instead,
    # where it cannot break a line of the conversation.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        llama = _open(path, context)
    except Exception as error:
        _answer(channel, {"error": f"{type(error).__name__}: {error}"})
        return 1
    architecture = llama.metadata.get("general.architecture", "llama")
    trained = int(llama.metadata.get(f"{architecture}.context_length", context))
    _answer(channel, {"ready": True, "context": min(llama.n_ctx(), trained), "pid": os.getpid()})
    _serve(llama, max_tokens, sys.stdin, channel)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
