"""What a message addressed to the bot asks for, as a command line every platform's mentions share."""

from __future__ import annotations

import re

from bot.commands import COMMANDS

__all__ = ["is_question", "mention_command"]

_QUESTION = re.compile(r"^(who|what|when|where|why|how|which|whom|whose|is|are|does|do|did|can|should|will|was|"
                       r"were|has|have)\b", re.IGNORECASE)


def mention_command(text: str, *, in_thread: bool, has_files: bool) -> str:
    """A command word is taken as said; a question asks about the thread's editorial (or the library, outside
    a thread); a file, a link or text is something to summarise.

    Example:
        mention_command("Who ended the siege?", in_thread=True, has_files=False)  # "/ask Who ended the siege?"
    """
    text = text.strip()
    word = text.split(" ", 1)[0].lstrip("/").lower()
    if word in COMMANDS or word in ("summarise", "newsdesk"):
        return f"/{text}"
    if not text:
        return "/summarize" if has_files or in_thread else "help"
    if is_question(text) and not has_files:
        return f"/ask {text}" if in_thread else f"/ask --all {text}"
    return f"/summarize {text}"


def is_question(text: str) -> bool:
    """A short line that ends with a question mark or opens with a question word, and is not a link."""
    text = text.strip()
    if len(text) > 500 or text.startswith(("http://", "https://")):
        return False
    return text.endswith("?") or bool(_QUESTION.match(text))
